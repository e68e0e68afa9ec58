// The optimizers' per-parameter update loops over the flat buffer: ONE loop (Apply) generic over the vector width
// (Vector512, else Vector256) and over the rule (a struct type argument the JIT specialises and inlines), its tail a
// zero-padded partial vector through the same formula, so every element gets the same float32 operations as
// PyTorch's formulas. The weight-prior term is fused in. Owns: loops only. Must not: hold state or know step counts.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Training;

/// <summary>In-place ascent updates on [P] spans; <c>prior</c> != 0 first sets grad -= prior * theta (written back).</summary>
internal static class UpdateRules
{
    /// <summary>s = momentum s + g; theta += lr s.</summary>
    public static void Sgd(Span<float> theta, Span<float> grad, Span<float> s, float prior, float lr, float momentum) =>
        Apply(new SgdRule(lr, momentum), theta, grad, s, s, prior);

    /// <summary>Adagrad (paper §5): s += g^2; theta += lr g / (sqrt(s) + eps).</summary>
    public static void Adagrad(Span<float> theta, Span<float> grad, Span<float> s, float prior, float lr, float eps) =>
        Apply(new AdagradRule(lr, eps), theta, grad, s, s, prior);

    /// <summary>
    /// Adam in PyTorch's form: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    /// theta += stepSize m / (sqrt(v) invBc2 + eps) with stepSize = lr / (1 - b1^t), invBc2 = 1 / sqrt(1 - b2^t).
    /// </summary>
    public static void Adam(Span<float> theta, Span<float> grad, Span<float> m, Span<float> v, float prior,
                            float b1, float b2, float stepSize, float invBc2, float eps) =>
        Apply(new AdamRule(b1, b2, stepSize, invBc2, eps), theta, grad, m, v, prior);

    // ---- the loop, written once; without any hardware SIMD (DOTNET_EnableHWIntrinsic=0, a test knob) Vector256 runs
    // in software: the same results, only slower ----

    static void Apply<R>(R rule, Span<float> theta, Span<float> grad, Span<float> s1, Span<float> s2, float prior) where R : struct, IRule
    {
        if (grad.Length != theta.Length || s1.Length != theta.Length || s2.Length != theta.Length)
            throw new ArgumentException($"update: theta ({theta.Length}), grad ({grad.Length}) and state ({s1.Length}, {s2.Length}) lengths differ");
        if (Vector512.IsHardwareAccelerated) Apply<R, V512>(rule, theta, grad, s1, s2, prior);
        else Apply<R, V256>(rule, theta, grad, s1, s2, prior);
    }

    static void Apply<R, V>(R rule, Span<float> theta, Span<float> grad, Span<float> s1, Span<float> s2, float prior)
        where R : struct, IRule where V : struct, ISimd<V>
    {
        ref float t = ref MemoryMarshal.GetReference(theta); ref float g = ref MemoryMarshal.GetReference(grad);
        ref float a = ref MemoryMarshal.GetReference(s1); ref float b = ref MemoryMarshal.GetReference(s2);
        int n = theta.Length, i = 0;
        var vp = V.Create(prior);
        for (; i <= n - V.Count; i += V.Count)
        {
            var tv = V.Load(ref t, (nuint)i); var gv = V.Load(ref g, (nuint)i);
            if (prior != 0f) { gv -= vp * tv; gv.Store(ref g, (nuint)i); }
            var av = V.Load(ref a, (nuint)i); var bv = R.TwoStates ? V.Load(ref b, (nuint)i) : av;
            rule.Update(ref tv, gv, ref av, ref bv);
            tv.Store(ref t, (nuint)i); av.Store(ref a, (nuint)i);
            if (R.TwoStates) bv.Store(ref b, (nuint)i);
        }
        if (i < n)
        {
            int c = n - i; // padded lanes compute on zeros and are never stored
            var tv = V.LoadPartial(ref Unsafe.Add(ref t, i), c); var gv = V.LoadPartial(ref Unsafe.Add(ref g, i), c);
            if (prior != 0f) { gv -= vp * tv; gv.StorePartial(ref Unsafe.Add(ref g, i), c); }
            var av = V.LoadPartial(ref Unsafe.Add(ref a, i), c); var bv = R.TwoStates ? V.LoadPartial(ref Unsafe.Add(ref b, i), c) : av;
            rule.Update(ref tv, gv, ref av, ref bv);
            tv.StorePartial(ref Unsafe.Add(ref t, i), c); av.StorePartial(ref Unsafe.Add(ref a, i), c);
            if (R.TwoStates) bv.StorePartial(ref Unsafe.Add(ref b, i), c);
        }
    }

    // ---- the rules: one formula each, on vectors of any width ----

    interface IRule
    {
        /// <summary>Whether the rule keeps a second state buffer (Adam's v); otherwise s2 is s1 and is not touched.</summary>
        static abstract bool TwoStates { get; }
        /// <summary>theta, and the state(s) s1 (and s2), updated from the gradient g (prior already applied).</summary>
        void Update<V>(ref V theta, V g, ref V s1, ref V s2) where V : struct, ISimd<V>;
    }

    readonly struct SgdRule(float lr, float momentum) : IRule
    {
        public static bool TwoStates => false;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update<V>(ref V theta, V g, ref V s1, ref V s2) where V : struct, ISimd<V>
        {
            s1 = V.Create(momentum) * s1 + g;
            theta += V.Create(lr) * s1;
        }
    }

    readonly struct AdagradRule(float lr, float eps) : IRule
    {
        public static bool TwoStates => false;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update<V>(ref V theta, V g, ref V s1, ref V s2) where V : struct, ISimd<V>
        {
            s1 += g * g;
            theta += V.Create(lr) * g / (V.Sqrt(s1) + V.Create(eps));
        }
    }

    readonly struct AdamRule(float b1, float b2, float stepSize, float invBc2, float eps) : IRule
    {
        public static bool TwoStates => true;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Update<V>(ref V theta, V g, ref V m, ref V v) where V : struct, ISimd<V>
        {
            m = V.Create(b1) * m + V.Create(1 - b1) * g;
            v = V.Create(b2) * v + V.Create(1 - b2) * g * g;
            theta += V.Create(stepSize) * m / (V.Sqrt(v) * V.Create(invBc2) + V.Create(eps));
        }
    }
}
