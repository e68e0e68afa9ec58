// The optimizers' per-parameter update loops over the flat buffer, vectorised (one body per rule, generic over the
// width: Vector512, else Vector256) with a scalar tail that performs the identical float operations (so every element gets the same rounding as PyTorch's
// float32 formulas). The weight-prior term is fused in. Owns: loops only. Must not: hold state or know step counts.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vae.Core.Numerics;

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
        if (Vector512.IsHardwareAccelerated) i = SgdVector<V512>(ref t, ref g, ref s1, n, prior, lr, momentum);
        else if (Vector256.IsHardwareAccelerated) i = SgdVector<V256>(ref t, ref g, ref s1, n, prior, lr, momentum);
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
        if (Vector512.IsHardwareAccelerated) i = AdagradVector<V512>(ref t, ref g, ref s1, n, prior, lr, eps);
        else if (Vector256.IsHardwareAccelerated) i = AdagradVector<V256>(ref t, ref g, ref s1, n, prior, lr, eps);
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
        if (Vector512.IsHardwareAccelerated) i = AdamVector<V512>(ref t, ref g, ref m1, ref v1, n, prior, b1, b2, stepSize, invBc2, eps);
        else if (Vector256.IsHardwareAccelerated) i = AdamVector<V256>(ref t, ref g, ref m1, ref v1, n, prior, b1, b2, stepSize, invBc2, eps);
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i);
            if (withPrior) { gi -= prior * Unsafe.Add(ref t, i); Unsafe.Add(ref g, i) = gi; }
            float mi = b1 * Unsafe.Add(ref m1, i) + c1 * gi; Unsafe.Add(ref m1, i) = mi;
            float vi = b2 * Unsafe.Add(ref v1, i) + c2 * gi * gi; Unsafe.Add(ref v1, i) = vi;
            Unsafe.Add(ref t, i) += stepSize * mi / (MathF.Sqrt(vi) * invBc2 + eps);
        }
    }

    // ---- the vector bodies, one per rule, generic over the width; each returns the first index left to the scalar tail ----

    static int SgdVector<V>(ref float t, ref float g, ref float s1, int n, float prior, float lr, float momentum) where V : struct, ISimd<V>
    {
        var vp = V.Create(prior); var vlr = V.Create(lr); var vm = V.Create(momentum);
        int i = 0;
        for (; i <= n - V.Count; i += V.Count)
        {
            var tv = V.Load(ref t, (nuint)i); var gv = V.Load(ref g, (nuint)i);
            if (prior != 0f) { gv -= vp * tv; gv.Store(ref g, (nuint)i); }
            var sv = vm * V.Load(ref s1, (nuint)i) + gv; sv.Store(ref s1, (nuint)i);
            (tv + vlr * sv).Store(ref t, (nuint)i);
        }
        return i;
    }

    static int AdagradVector<V>(ref float t, ref float g, ref float s1, int n, float prior, float lr, float eps) where V : struct, ISimd<V>
    {
        var vp = V.Create(prior); var vlr = V.Create(lr); var ve = V.Create(eps);
        int i = 0;
        for (; i <= n - V.Count; i += V.Count)
        {
            var tv = V.Load(ref t, (nuint)i); var gv = V.Load(ref g, (nuint)i);
            if (prior != 0f) { gv -= vp * tv; gv.Store(ref g, (nuint)i); }
            var sv = V.Load(ref s1, (nuint)i) + gv * gv; sv.Store(ref s1, (nuint)i);
            (tv + vlr * gv / (V.Sqrt(sv) + ve)).Store(ref t, (nuint)i);
        }
        return i;
    }

    static int AdamVector<V>(ref float t, ref float g, ref float m1, ref float v1, int n, float prior,
                             float b1, float b2, float stepSize, float invBc2, float eps) where V : struct, ISimd<V>
    {
        var vp = V.Create(prior); var vb1 = V.Create(b1); var vc1 = V.Create(1 - b1);
        var vb2 = V.Create(b2); var vc2 = V.Create(1 - b2);
        var vInv = V.Create(invBc2); var vEps = V.Create(eps); var vStep = V.Create(stepSize);
        int i = 0;
        for (; i <= n - V.Count; i += V.Count)
        {
            var tv = V.Load(ref t, (nuint)i); var gv = V.Load(ref g, (nuint)i);
            if (prior != 0f) { gv -= vp * tv; gv.Store(ref g, (nuint)i); }
            var mv = vb1 * V.Load(ref m1, (nuint)i) + vc1 * gv; mv.Store(ref m1, (nuint)i);
            var vv = vb2 * V.Load(ref v1, (nuint)i) + vc2 * gv * gv; vv.Store(ref v1, (nuint)i);
            (tv + vStep * mv / (V.Sqrt(vv) * vInv + vEps)).Store(ref t, (nuint)i);
        }
        return i;
    }

    static void Check(Span<float> theta, Span<float> grad, Span<float> s1, Span<float> s2)
    {
        if (grad.Length != theta.Length || s1.Length != theta.Length || s2.Length != theta.Length)
            throw new ArgumentException($"update: theta ({theta.Length}), grad ({grad.Length}) and state ({s1.Length}, {s2.Length}) lengths differ");
    }
}
