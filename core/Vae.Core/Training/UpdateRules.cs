// The optimizers' per-parameter update loops over the flat buffer, vectorised (Vector512, else Vector256) with a
// scalar tail that performs the identical float operations (so every element gets the same rounding as PyTorch's
// float32 formulas). The weight-prior term is fused in. Owns: loops only. Must not: hold state or know step counts.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Training;

/// <summary>In-place ascent updates on [P] spans; <c>prior</c> != 0 first sets grad -= prior * theta (written back).</summary>
internal static class UpdateRules
{
    /// <summary>s = momentum s + g; theta += lr s.</summary>
    public static void Sgd(Span<float> theta, Span<float> grad, Span<float> s, float prior, float lr, float momentum)
    {
        Check(theta, grad, s, s);
        ref float t = ref MemoryMarshal.GetReference(theta); ref float g = ref MemoryMarshal.GetReference(grad);
        ref float s1 = ref MemoryMarshal.GetReference(s);
        int n = theta.Length, i = 0;
        bool withPrior = prior != 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var vp = Vector512.Create(prior); var vlr = Vector512.Create(lr); var vm = Vector512.Create(momentum);
            for (; i <= n - 16; i += 16)
            {
                var tv = Vector512.LoadUnsafe(ref t, (nuint)i); var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var sv = vm * Vector512.LoadUnsafe(ref s1, (nuint)i) + gv; sv.StoreUnsafe(ref s1, (nuint)i);
                (tv + vlr * sv).StoreUnsafe(ref t, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vp = Vector256.Create(prior); var vlr = Vector256.Create(lr); var vm = Vector256.Create(momentum);
            for (; i <= n - 8; i += 8)
            {
                var tv = Vector256.LoadUnsafe(ref t, (nuint)i); var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var sv = vm * Vector256.LoadUnsafe(ref s1, (nuint)i) + gv; sv.StoreUnsafe(ref s1, (nuint)i);
                (tv + vlr * sv).StoreUnsafe(ref t, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            if (withPrior) { gi -= prior * Unsafe.Add(ref t, i); Unsafe.Add(ref g, i) = gi; }
            float si = momentum * Unsafe.Add(ref s1, i) + gi; Unsafe.Add(ref s1, i) = si;
            Unsafe.Add(ref t, i) += lr * si;
        }
    }

    /// <summary>Adagrad (paper §5): s += g^2; theta += lr g / (sqrt(s) + eps).</summary>
    public static void Adagrad(Span<float> theta, Span<float> grad, Span<float> s, float prior, float lr, float eps)
    {
        Check(theta, grad, s, s);
        ref float t = ref MemoryMarshal.GetReference(theta); ref float g = ref MemoryMarshal.GetReference(grad);
        ref float s1 = ref MemoryMarshal.GetReference(s);
        int n = theta.Length, i = 0;
        bool withPrior = prior != 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var vp = Vector512.Create(prior); var vlr = Vector512.Create(lr); var ve = Vector512.Create(eps);
            for (; i <= n - 16; i += 16)
            {
                var tv = Vector512.LoadUnsafe(ref t, (nuint)i); var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var sv = Vector512.LoadUnsafe(ref s1, (nuint)i) + gv * gv; sv.StoreUnsafe(ref s1, (nuint)i);
                (tv + vlr * gv / (Vector512.Sqrt(sv) + ve)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vp = Vector256.Create(prior); var vlr = Vector256.Create(lr); var ve = Vector256.Create(eps);
            for (; i <= n - 8; i += 8)
            {
                var tv = Vector256.LoadUnsafe(ref t, (nuint)i); var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var sv = Vector256.LoadUnsafe(ref s1, (nuint)i) + gv * gv; sv.StoreUnsafe(ref s1, (nuint)i);
                (tv + vlr * gv / (Vector256.Sqrt(sv) + ve)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            if (withPrior) { gi -= prior * Unsafe.Add(ref t, i); Unsafe.Add(ref g, i) = gi; }
            float si = Unsafe.Add(ref s1, i) + gi * gi; Unsafe.Add(ref s1, i) = si;
            Unsafe.Add(ref t, i) += lr * gi / (MathF.Sqrt(si) + eps);
        }
    }

    /// <summary>
    /// Adam in PyTorch's form: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// theta += stepSize m / (sqrt(v) invBc2 + eps) with stepSize = lr / (1 - b1^t), invBc2 = 1 / sqrt(1 - b2^t).
    /// </summary>
    public static void Adam(Span<float> theta, Span<float> grad, Span<float> m, Span<float> v, float prior,
                            float b1, float b2, float stepSize, float invBc2, float eps)
    {
        Check(theta, grad, m, v);
        ref float t = ref MemoryMarshal.GetReference(theta); ref float g = ref MemoryMarshal.GetReference(grad);
        ref float m1 = ref MemoryMarshal.GetReference(m); ref float v1 = ref MemoryMarshal.GetReference(v);
        int n = theta.Length, i = 0;
        bool withPrior = prior != 0f;
        float c1 = 1 - b1, c2 = 1 - b2;
        if (Vector512.IsHardwareAccelerated)
        {
            var vp = Vector512.Create(prior); var vb1 = Vector512.Create(b1); var vc1 = Vector512.Create(c1);
            var vb2 = Vector512.Create(b2); var vc2 = Vector512.Create(c2);
            var vInv = Vector512.Create(invBc2); var vEps = Vector512.Create(eps); var vStep = Vector512.Create(stepSize);
            for (; i <= n - 16; i += 16)
            {
                var tv = Vector512.LoadUnsafe(ref t, (nuint)i); var gv = Vector512.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var mv = vb1 * Vector512.LoadUnsafe(ref m1, (nuint)i) + vc1 * gv; mv.StoreUnsafe(ref m1, (nuint)i);
                var vv = vb2 * Vector512.LoadUnsafe(ref v1, (nuint)i) + vc2 * gv * gv; vv.StoreUnsafe(ref v1, (nuint)i);
                (tv + vStep * mv / (Vector512.Sqrt(vv) * vInv + vEps)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vp = Vector256.Create(prior); var vb1 = Vector256.Create(b1); var vc1 = Vector256.Create(c1);
            var vb2 = Vector256.Create(b2); var vc2 = Vector256.Create(c2);
            var vInv = Vector256.Create(invBc2); var vEps = Vector256.Create(eps); var vStep = Vector256.Create(stepSize);
            for (; i <= n - 8; i += 8)
            {
                var tv = Vector256.LoadUnsafe(ref t, (nuint)i); var gv = Vector256.LoadUnsafe(ref g, (nuint)i);
                if (withPrior) { gv -= vp * tv; gv.StoreUnsafe(ref g, (nuint)i); }
                var mv = vb1 * Vector256.LoadUnsafe(ref m1, (nuint)i) + vc1 * gv; mv.StoreUnsafe(ref m1, (nuint)i);
                var vv = vb2 * Vector256.LoadUnsafe(ref v1, (nuint)i) + vc2 * gv * gv; vv.StoreUnsafe(ref v1, (nuint)i);
                (tv + vStep * mv / (Vector256.Sqrt(vv) * vInv + vEps)).StoreUnsafe(ref t, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            if (withPrior) { gi -= prior * Unsafe.Add(ref t, i); Unsafe.Add(ref g, i) = gi; }
            float mi = b1 * Unsafe.Add(ref m1, i) + c1 * gi; Unsafe.Add(ref m1, i) = mi;
            float vi = b2 * Unsafe.Add(ref v1, i) + c2 * gi * gi; Unsafe.Add(ref v1, i) = vi;
            Unsafe.Add(ref t, i) += stepSize * mi / (MathF.Sqrt(vi) * invBc2 + eps);
        }
    }

    static void Check(Span<float> theta, Span<float> grad, Span<float> s1, Span<float> s2)
    {
        if (grad.Length != theta.Length || s1.Length != theta.Length || s2.Length != theta.Length)
            throw new ArgumentException($"update: theta ({theta.Length}), grad ({grad.Length}) and state ({s1.Length}, {s2.Length}) lengths differ");
    }
}
