// Per-vector math cores of the fused kernels: exp, log(1 + e) on [0, 1], softplus and sigmoid from one exp, tanh,
// 1 - exp(-h); each for Vector512 and Vector256 (line-for-line the same formula) plus a scalar double twin for CPUs
// without 256-bit vectors. Owns: the formulas and their accuracy (~2e-7 relative; NaN in gives NaN out; |a| = 100 and
// +/-inf give the finite or infinite limit). Must not: loop over buffers or know about layers.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>Vectorised elementwise formulas. Vector512/Vector256 overloads are kept line-for-line identical.</summary>
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

    // ---------------- partial vectors: the tail of a row as one zero-padded vector ----------------

    /// <summary>The first count (&lt; 16) floats at src in a Vector512, the other lanes 0.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> LoadPartial512(ref float src, int count)
    {
        Vector512<float> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector512<float>, byte>(ref v), ref Unsafe.As<float, byte>(ref src), (uint)count * sizeof(float));
        return v;
    }

    /// <summary>Writes the first count lanes of v to dst.</summary>
    [MethodImpl(Inline)]
    public static void StorePartial(Vector512<float> v, ref float dst, int count)
        => Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref dst), ref Unsafe.As<Vector512<float>, byte>(ref v), (uint)count * sizeof(float));

    /// <summary>All-ones in lanes below count, zero above (masks padded lanes out of sums).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> LaneMask512(int count)
        => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>The first count (&lt; 8) floats at src in a Vector256, the other lanes 0.</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> LoadPartial256(ref float src, int count)
    {
        Vector256<float> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector256<float>, byte>(ref v), ref Unsafe.As<float, byte>(ref src), (uint)count * sizeof(float));
        return v;
    }

    [MethodImpl(Inline)]
    public static void StorePartial(Vector256<float> v, ref float dst, int count)
        => Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref dst), ref Unsafe.As<Vector256<float>, byte>(ref v), (uint)count * sizeof(float));

    [MethodImpl(Inline)]
    public static Vector256<float> LaneMask256(int count)
        => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    // ---------------- Vector512 ----------------

    /// <summary>e^x, ~1 ulp; NaN stays NaN, x &lt; -104 gives 0, x &gt; 88.72 gives +inf.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var xc = Vector512.MinNative(Vector512.MaxNative(x, Vector512.Create(ExpLo)), Vector512.Create(ExpHi));
        var n = Vector512.Round(xc * Log2E);
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Hi), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(E0), r, Vector512.Create(E1));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(E5));
        p = Vector512.MultiplyAddEstimate(p, r * r, r) + Vector512<float>.One;
        var ni = Vector512.ConvertToInt32Native(n); // n is integral and in range: no saturation fix-up needed
        var n1 = Vector512.ShiftRightArithmetic(ni, 1);
        var s1 = Vector512.ShiftLeft(n1 + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - n1 + Vector512.Create(127), 23).AsSingle();
        var y = p * s1 * s2;
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), y, x); // the clamp above would have eaten a NaN
    }

    /// <summary>log(1 + e) for e in [0, 1], ~1 ulp relative down to e -&gt; 0 (no rounding of 1 + e).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Log1pUnit(Vector512<float> e)
    {
        var big = Vector512.GreaterThan(e, Vector512.Create(Sqrt2M1));
        var x = Vector512.ConditionalSelect(big, (e - Vector512<float>.One) * 0.5f, e);
        var z = x * x;
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(L0), x, Vector512.Create(L1));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L2));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L3));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L4));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L5));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L6));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L7));
        p = Vector512.MultiplyAddEstimate(p, x, Vector512.Create(L8));
        var k = big & Vector512<float>.One; // 1 where 1 + e was halved
        var y = Vector512.MultiplyAddEstimate(k, Vector512.Create(Ln2Lo), p * x * z);
        y = Vector512.MultiplyAddEstimate(z, Vector512.Create(-0.5f), y);
        return Vector512.MultiplyAddEstimate(k, Vector512.Create(Ln2Hi), x + y);
    }

    /// <summary>softplus(a) = max(a, 0) + log(1 + exp(-|a|)) and p = sigmoid(a) from the same exp (both stable).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> SoftplusSigmoid(Vector512<float> a, out Vector512<float> p)
    {
        var e = Exp(-Vector512.Abs(a));
        // sigmoid(a) = 1 / (1 + e) for a >= 0, e / (1 + e) below: never exp of a large positive number. NaN picks e.
        p = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512<float>.Zero), Vector512<float>.One, e) / (Vector512<float>.One + e);
        return Vector512.MaxNative(a, Vector512<float>.Zero) + Log1pUnit(e); // a NaN a reaches the sum through e
    }

    /// <summary>Stable softplus alone.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Softplus(Vector512<float> a)
        => Vector512.MaxNative(a, Vector512<float>.Zero) + Log1pUnit(Exp(-Vector512.Abs(a)));

    /// <summary>sigmoid(a) and its slope sigmoid(a)(1 - sigmoid(a)) = e / (1 + e)^2 (keeps digits where 1 - p rounds to 0).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Sigmoid(Vector512<float> a, out Vector512<float> slope)
    {
        var e = Exp(-Vector512.Abs(a));
        var u = Vector512<float>.One + e;
        slope = e / (u * u);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512<float>.Zero), Vector512<float>.One, e) / u;
    }

    /// <summary>tanh(x): polynomial near 0, (1 - e)/(1 + e) with e = exp(-2|x|) and the sign restored elsewhere.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var y = Vector512.Abs(x);
        var e = Exp(y * -2f);
        var big = Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
        var z = x * x;
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(T4), z, Vector512.Create(T3));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T2));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T1));
        p = Vector512.MultiplyAddEstimate(p, z, Vector512.Create(T0));
        var small = Vector512.MultiplyAddEstimate(p * z, x, x);
        // NaN fails the comparison and takes the exp branch, where it stays NaN.
        return Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512.Create(TanhSplit)), small, big);
    }

    /// <summary>1 - exp(-h) for h &gt;= 0 (softplus' through its output), accurate near 0.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> OneMinusExpNeg(Vector512<float> h)
    {
        var big = Vector512<float>.One - Exp(-h);
        // h (1 - h/2 (1 - h/3 (1 - h/4 (1 - h/5 (1 - h/6 (1 - h/7))))))
        var s = Vector512<float>.One - h * (1f / 7f);
        s = Vector512<float>.One - h * (1f / 6f) * s;
        s = Vector512<float>.One - h * 0.2f * s;
        s = Vector512<float>.One - h * 0.25f * s;
        s = Vector512<float>.One - h * (1f / 3f) * s;
        s = Vector512<float>.One - h * 0.5f * s;
        return Vector512.ConditionalSelect(Vector512.LessThan(h, Vector512.Create(ExpM1Split)), h * s, big);
    }

    // ---------------- Vector256 (the same formulas) ----------------

    /// <summary>e^x, ~1 ulp; NaN stays NaN, x &lt; -104 gives 0, x &gt; 88.72 gives +inf.</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var xc = Vector256.MinNative(Vector256.MaxNative(x, Vector256.Create(ExpLo)), Vector256.Create(ExpHi));
        var n = Vector256.Round(xc * Log2E);
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Hi), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(E0), r, Vector256.Create(E1));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(E5));
        p = Vector256.MultiplyAddEstimate(p, r * r, r) + Vector256<float>.One;
        var ni = Vector256.ConvertToInt32Native(n); // n is integral and in range: no saturation fix-up needed
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - n1 + Vector256.Create(127), 23).AsSingle();
        var y = p * s1 * s2;
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), y, x); // the clamp above would have eaten a NaN
    }

    /// <summary>log(1 + e) for e in [0, 1], ~1 ulp relative down to e -&gt; 0 (no rounding of 1 + e).</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> Log1pUnit(Vector256<float> e)
    {
        var big = Vector256.GreaterThan(e, Vector256.Create(Sqrt2M1));
        var x = Vector256.ConditionalSelect(big, (e - Vector256<float>.One) * 0.5f, e);
        var z = x * x;
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(L0), x, Vector256.Create(L1));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L2));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L3));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L4));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L5));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L6));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L7));
        p = Vector256.MultiplyAddEstimate(p, x, Vector256.Create(L8));
        var k = big & Vector256<float>.One; // 1 where 1 + e was halved
        var y = Vector256.MultiplyAddEstimate(k, Vector256.Create(Ln2Lo), p * x * z);
        y = Vector256.MultiplyAddEstimate(z, Vector256.Create(-0.5f), y);
        return Vector256.MultiplyAddEstimate(k, Vector256.Create(Ln2Hi), x + y);
    }

    /// <summary>softplus(a) = max(a, 0) + log(1 + exp(-|a|)) and p = sigmoid(a) from the same exp (both stable).</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> SoftplusSigmoid(Vector256<float> a, out Vector256<float> p)
    {
        var e = Exp(-Vector256.Abs(a));
        // sigmoid(a) = 1 / (1 + e) for a >= 0, e / (1 + e) below: never exp of a large positive number. NaN picks e.
        p = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
        return Vector256.MaxNative(a, Vector256<float>.Zero) + Log1pUnit(e); // a NaN a reaches the sum through e
    }

    /// <summary>Stable softplus alone.</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> Softplus(Vector256<float> a)
        => Vector256.MaxNative(a, Vector256<float>.Zero) + Log1pUnit(Exp(-Vector256.Abs(a)));

    /// <summary>sigmoid(a) and its slope sigmoid(a)(1 - sigmoid(a)) = e / (1 + e)^2 (keeps digits where 1 - p rounds to 0).</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> Sigmoid(Vector256<float> a, out Vector256<float> slope)
    {
        var e = Exp(-Vector256.Abs(a));
        var u = Vector256<float>.One + e;
        slope = e / (u * u);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256<float>.Zero), Vector256<float>.One, e) / u;
    }

    /// <summary>tanh(x): polynomial near 0, (1 - e)/(1 + e) with e = exp(-2|x|) and the sign restored elsewhere.</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var y = Vector256.Abs(x);
        var e = Exp(y * -2f);
        var big = Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
        var z = x * x;
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(T4), z, Vector256.Create(T3));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T2));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T1));
        p = Vector256.MultiplyAddEstimate(p, z, Vector256.Create(T0));
        var small = Vector256.MultiplyAddEstimate(p * z, x, x);
        // NaN fails the comparison and takes the exp branch, where it stays NaN.
        return Vector256.ConditionalSelect(Vector256.LessThan(y, Vector256.Create(TanhSplit)), small, big);
    }

    /// <summary>1 - exp(-h) for h &gt;= 0 (softplus' through its output), accurate near 0.</summary>
    [MethodImpl(Inline)]
    public static Vector256<float> OneMinusExpNeg(Vector256<float> h)
    {
        var big = Vector256<float>.One - Exp(-h);
        // h (1 - h/2 (1 - h/3 (1 - h/4 (1 - h/5 (1 - h/6 (1 - h/7))))))
        var s = Vector256<float>.One - h * (1f / 7f);
        s = Vector256<float>.One - h * (1f / 6f) * s;
        s = Vector256<float>.One - h * 0.2f * s;
        s = Vector256<float>.One - h * 0.25f * s;
        s = Vector256<float>.One - h * (1f / 3f) * s;
        s = Vector256<float>.One - h * 0.5f * s;
        return Vector256.ConditionalSelect(Vector256.LessThan(h, Vector256.Create(ExpM1Split)), h * s, big);
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
