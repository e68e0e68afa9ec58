// Per-vector math cores of the fused kernels: exp, log(1 + e) on [0, 1], softplus and sigmoid from one exp, tanh,
// 1 - exp(-h); each written once, generic over the vector width (V512, V256: SimdVector.cs), plus a scalar double twin
// for CPUs without 256-bit vectors. Owns: the formulas and their accuracy (~2e-7 relative; NaN in gives NaN out; |a| = 100 and
// +/-inf give the finite or infinite limit). Must not: loop over buffers or know about layers.

namespace Vae.Core.Numerics;

/// <summary>Vectorised elementwise formulas, one per function for every vector width.</summary>
internal static class SimdMath
{
    const MethodImplOptions Inline = MethodImplOptions.AggressiveInlining;

    // exp: Cephes expf. n = round(x log2 e), r = x - n ln2 (ln2 split in two so r is exact), e^r by a degree-6
    // polynomial (~1 ulp), times 2^n built in two halves so that results down to the denormals (x ~ -104) and up to
    // overflow (x > 88.72 -> inf) come out right without a special case.
    const float ExpLo = -104f, ExpHi = 89f, Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    const float E0 = 1.9875691500e-4f, E1 = 1.3981999507e-3f, E2 = 8.3334519073e-3f, E3 = 4.1665795894e-2f,
                E4 = 1.6666665459e-1f, E5 = 5.0000001201e-1f;

    // log1p(e) on [0, 1]: Cephes logf's polynomial on x in [sqrt(1/2) - 1, sqrt(2) - 1]. Below sqrt(2) - 1, x = e itself
    // (no rounding of 1 + e at all); above, 1 + e = 2 (1 + x) with x = (e - 1) / 2.
    const float Sqrt2M1 = 0.41421356237f;
    const float L0 = 7.0376836292e-2f, L1 = -1.1514610310e-1f, L2 = 1.1676998740e-1f, L3 = -1.2420140846e-1f,
                L4 = 1.4249322787e-1f, L5 = -1.6668057665e-1f, L6 = 2.0000714765e-1f, L7 = -2.4999993993e-1f,
                L8 = 3.3333331174e-1f;

    // tanh on |x| < 0.625: Cephes tanhf's odd polynomial, ~1e-7 relative with no cancellation near 0; beyond it
    // (1 - e) / (1 + e) with e = exp(-2|x|) <= 0.29 cancels nothing either.
    const float TanhSplit = 0.625f;
    const float T0 = -3.33332819422e-1f, T1 = 1.33314422036e-1f, T2 = -5.37397155531e-2f,
                T3 = 2.06390887954e-2f, T4 = -5.70498872745e-3f;

    // 1 - exp(-h) below 0.25 by its Taylor series to h^7 (truncation < 4e-10 relative), above by the subtraction
    // (exp(-h) <= 0.78 there, so at most ~2 ulp are lost).
    const float ExpM1Split = 0.25f;

    // ---------------- one formula per function, generic over the vector width ----------------

    /// <summary>e^x, ~1 ulp; NaN stays NaN, x &lt; -104 gives 0, x &gt; 88.72 gives +inf.</summary>
    [MethodImpl(Inline)]
    public static V Exp<V>(V x) where V : struct, ISimd<V>
    {
        var xc = V.MinNative(V.MaxNative(x, V.Create(ExpLo)), V.Create(ExpHi));
        var n = V.Round(xc * Log2E);
        var r = V.MultiplyAddEstimate(n, V.Create(-Ln2Hi), xc);
        r = V.MultiplyAddEstimate(n, V.Create(-Ln2Lo), r);
        var p = V.MultiplyAddEstimate(V.Create(E0), r, V.Create(E1));
        p = V.MultiplyAddEstimate(p, r, V.Create(E2));
        p = V.MultiplyAddEstimate(p, r, V.Create(E3));
        p = V.MultiplyAddEstimate(p, r, V.Create(E4));
        p = V.MultiplyAddEstimate(p, r, V.Create(E5));
        p = V.MultiplyAddEstimate(p, r * r, r) + V.One;
        var y = V.ScaleByPow2(p, n);
        return V.ConditionalSelect(V.Equals(x, x), y, x); // the clamp above would have eaten a NaN
    }

    /// <summary>log(1 + e) for e in [0, 1], ~1 ulp relative down to e -&gt; 0 (no rounding of 1 + e).</summary>
    [MethodImpl(Inline)]
    public static V Log1pUnit<V>(V e) where V : struct, ISimd<V>
    {
        var big = V.GreaterThan(e, V.Create(Sqrt2M1));
        var x = V.ConditionalSelect(big, (e - V.One) * 0.5f, e);
        var z = x * x;
        var p = V.MultiplyAddEstimate(V.Create(L0), x, V.Create(L1));
        p = V.MultiplyAddEstimate(p, x, V.Create(L2));
        p = V.MultiplyAddEstimate(p, x, V.Create(L3));
        p = V.MultiplyAddEstimate(p, x, V.Create(L4));
        p = V.MultiplyAddEstimate(p, x, V.Create(L5));
        p = V.MultiplyAddEstimate(p, x, V.Create(L6));
        p = V.MultiplyAddEstimate(p, x, V.Create(L7));
        p = V.MultiplyAddEstimate(p, x, V.Create(L8));
        var k = big & V.One; // 1 where 1 + e was halved
        var y = V.MultiplyAddEstimate(k, V.Create(Ln2Lo), p * x * z);
        y = V.MultiplyAddEstimate(z, V.Create(-0.5f), y);
        return V.MultiplyAddEstimate(k, V.Create(Ln2Hi), x + y);
    }

    /// <summary>softplus(a) = max(a, 0) + log(1 + exp(-|a|)) and p = sigmoid(a) from the same exp (both stable).</summary>
    [MethodImpl(Inline)]
    public static V SoftplusSigmoid<V>(V a, out V p) where V : struct, ISimd<V>
    {
        var e = Exp(-V.Abs(a));
        // sigmoid(a) = 1 / (1 + e) for a >= 0, e / (1 + e) below: never exp of a large positive number. NaN picks e.
        p = V.ConditionalSelect(V.GreaterThanOrEqual(a, V.Zero), V.One, e) / (V.One + e);
        return V.MaxNative(a, V.Zero) + Log1pUnit(e); // a NaN a reaches the sum through e
    }

    /// <summary>Stable softplus alone.</summary>
    [MethodImpl(Inline)]
    public static V Softplus<V>(V a) where V : struct, ISimd<V> => V.MaxNative(a, V.Zero) + Log1pUnit(Exp(-V.Abs(a)));

    /// <summary>sigmoid(a) and its slope sigmoid(a)(1 - sigmoid(a)) = e / (1 + e)^2 (keeps digits where 1 - p rounds to 0).</summary>
    [MethodImpl(Inline)]
    public static V Sigmoid<V>(V a, out V slope) where V : struct, ISimd<V>
    {
        var e = Exp(-V.Abs(a));
        var u = V.One + e;
        slope = e / (u * u);
        return V.ConditionalSelect(V.GreaterThanOrEqual(a, V.Zero), V.One, e) / u;
    }

    /// <summary>tanh(x): polynomial near 0, (1 - e)/(1 + e) with e = exp(-2|x|) and the sign restored elsewhere.</summary>
    [MethodImpl(Inline)]
    public static V Tanh<V>(V x) where V : struct, ISimd<V>
    {
        var y = V.Abs(x);
        var e = Exp(y * -2f);
        var big = V.CopySign((V.One - e) / (V.One + e), x);
        var z = x * x;
        var p = V.MultiplyAddEstimate(V.Create(T4), z, V.Create(T3));
        p = V.MultiplyAddEstimate(p, z, V.Create(T2));
        p = V.MultiplyAddEstimate(p, z, V.Create(T1));
        p = V.MultiplyAddEstimate(p, z, V.Create(T0));
        var small = V.MultiplyAddEstimate(p * z, x, x);
        // NaN fails the comparison and takes the exp branch, where it stays NaN.
        return V.ConditionalSelect(V.LessThan(y, V.Create(TanhSplit)), small, big);
    }

    /// <summary>1 - exp(-h) for h &gt;= 0 (softplus' through its output), accurate near 0.</summary>
    [MethodImpl(Inline)]
    public static V OneMinusExpNeg<V>(V h) where V : struct, ISimd<V>
    {
        var big = V.One - Exp(-h);
        // h (1 - h/2 (1 - h/3 (1 - h/4 (1 - h/5 (1 - h/6 (1 - h/7))))))
        var s = V.One - h * (1f / 7f);
        s = V.One - h * (1f / 6f) * s;
        s = V.One - h * 0.2f * s;
        s = V.One - h * 0.25f * s;
        s = V.One - h * (1f / 3f) * s;
        s = V.One - h * 0.5f * s;
        return V.ConditionalSelect(V.LessThan(h, V.Create(ExpM1Split)), h * s, big);
    }

    // ---------------- scalar (double inside; CPUs without 256-bit vectors) ----------------

    /// <summary>Stable softplus in double; p = sigmoid(a).</summary>
    [MethodImpl(Inline)]
    public static double SoftplusSigmoid(double a, out double p)
    {
        double e = Math.Exp(-Math.Abs(a));
        p = (a >= 0 ? 1.0 : e) / (1.0 + e);
        return Math.Max(a, 0.0) + Log1p(e);
    }

    /// <summary>Stable softplus in double.</summary>
    [MethodImpl(Inline)]
    public static double Softplus(double a) => Math.Max(a, 0.0) + Log1p(Math.Exp(-Math.Abs(a)));

    /// <summary>log(1 + e) for e in [0, 1] in double: below 1e-8, 1 + e would round away e (softplus(-100) = e^-100).</summary>
    [MethodImpl(Inline)]
    static double Log1p(double e) => e < 1e-8 ? e - 0.5 * e * e : Math.Log(1.0 + e);

    /// <summary>sigmoid(a) and its slope e / (1 + e)^2, in double.</summary>
    [MethodImpl(Inline)]
    public static double Sigmoid(double a, out double slope)
    {
        double e = Math.Exp(-Math.Abs(a)), u = 1.0 + e;
        slope = e / (u * u);
        return (a >= 0 ? 1.0 : e) / u;
    }

    /// <summary>1 - exp(-h) in double: below 1e-5 the series (the subtraction would keep only ~11 digits there).</summary>
    [MethodImpl(Inline)]
    public static double OneMinusExpNeg(double h) => Math.Abs(h) < 1e-5 ? h - 0.5 * h * h : 1.0 - Math.Exp(-h);
}
