// Per-vector math cores of the fused kernels: softplus and sigmoid from one exp, log(1 + e) on [0, 1], tanh,
// 1 - exp(-h); each for Vector512 and Vector256 (same formula) plus a scalar double twin for tails and old CPUs.
// Owns: the formulas and their accuracy (~1e-7 relative, NaN in gives NaN out, +/-inf and |a| = 100 stay finite
// where the function is). Must not: loop over buffers or know about layers (Kernels, LikelihoodKernels drive these).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>Vectorised elementwise formulas. Vector512/Vector256 overloads are kept line-for-line identical.</summary>
internal static class SimdMath
{
    const MethodImplOptions Inline = MethodImplOptions.AggressiveInlining;

    // tanh on |x| < 0.625: Cephes tanhf's odd minimax polynomial, ~1e-7 relative (no cancellation near 0);
    // beyond it (1 - e) / (1 + e) with e = exp(-2|x|) <= 0.29 cancels nothing either.
    const float TanhSplit = 0.625f;
    const float T0 = -3.33332819422e-1f, T1 = 1.33314422036e-1f, T2 = -5.37397155531e-2f,
                T3 = 2.06390887954e-2f, T4 = -5.70498872745e-3f;

    // 1 - exp(-h) below 0.25 by its Taylor series to h^7 (truncation < 4e-10 relative), above by the subtraction
    // (exp(-h) <= 0.78 there, so at most ~2 ulp are lost).
    const float ExpM1Split = 0.25f;

    // ---------------- partial vectors: the tail of a row as one vector, zero-padded ----------------

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

    /// <summary>All-ones in lanes below count, zero above (for masking padded lanes out of sums).</summary>
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

    /// <summary>
    /// log(1 + e) for e in [0, 1] given u = 1 + e (rounded). u - 1 is exact in [1, 2], so c = e - (u - 1) is the
    /// rounding error and log(1 + e) = log(u) + log(1 + c/u) = log(u) + c within |c| e: log1p accuracy, no division.
    /// </summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Log1pUnit(Vector512<float> e, Vector512<float> u)
        => Vector512.Log(u) + (e - (u - Vector512<float>.One));

    /// <summary>softplus(a) = max(a, 0) + log(1 + exp(-|a|)) and p = sigmoid(a) from the same exp (both stable).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> SoftplusSigmoid(Vector512<float> a, out Vector512<float> p)
    {
        var e = Vector512.Exp(-Vector512.Abs(a));
        var u = Vector512<float>.One + e;
        // sigmoid(a) = 1 / (1 + e) for a >= 0, e / (1 + e) below: never exp of a large positive number. NaN picks e.
        p = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512<float>.Zero), Vector512<float>.One, e) / u;
        return Vector512.MaxNative(a, Vector512<float>.Zero) + Log1pUnit(e, u);
    }

    /// <summary>Stable softplus alone.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Softplus(Vector512<float> a)
    {
        var e = Vector512.Exp(-Vector512.Abs(a));
        return Vector512.MaxNative(a, Vector512<float>.Zero) + Log1pUnit(e, Vector512<float>.One + e);
    }

    /// <summary>sigmoid(a) and its derivative sigmoid(a)(1 - sigmoid(a)) = e / (1 + e)^2 (keeps digits where 1 - p rounds to 0).</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Sigmoid(Vector512<float> a, out Vector512<float> slope)
    {
        var e = Vector512.Exp(-Vector512.Abs(a));
        var u = Vector512<float>.One + e;
        slope = e / (u * u);
        return Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(a, Vector512<float>.Zero), Vector512<float>.One, e) / u;
    }

    /// <summary>tanh(x): polynomial near 0, (1 - e)/(1 + e) with e = exp(-2|x|) and the sign restored elsewhere.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var y = Vector512.Abs(x);
        var e = Vector512.Exp(y * -2f);
        var big = Vector512.CopySign((Vector512<float>.One - e) / (Vector512<float>.One + e), x);
        var z = x * x;
        var poly = (((Vector512.Create(T4) * z + Vector512.Create(T3)) * z + Vector512.Create(T2)) * z + Vector512.Create(T1)) * z + Vector512.Create(T0);
        var small = poly * z * x + x;
        // NaN fails the comparison and takes the exp branch, where it stays NaN.
        return Vector512.ConditionalSelect(Vector512.LessThan(y, Vector512.Create(TanhSplit)), small, big);
    }

    /// <summary>1 - exp(-h) for h &gt;= 0 (softplus' through its output), accurate near 0.</summary>
    [MethodImpl(Inline)]
    public static Vector512<float> OneMinusExpNeg(Vector512<float> h)
    {
        var big = Vector512<float>.One - Vector512.Exp(-h);
        var t = h * (1f / 7f);
        var small = h * (Vector512<float>.One - h * 0.5f * (Vector512<float>.One - h * (1f / 3f) * (Vector512<float>.One - h * 0.25f * (Vector512<float>.One - h * 0.2f * (Vector512<float>.One - h * (1f / 6f) * (Vector512<float>.One - t))))));
        return Vector512.ConditionalSelect(Vector512.LessThan(h, Vector512.Create(ExpM1Split)), small, big);
    }

    // ---------------- Vector256 (same formulas) ----------------

    [MethodImpl(Inline)]
    public static Vector256<float> Log1pUnit(Vector256<float> e, Vector256<float> u)
        => Vector256.Log(u) + (e - (u - Vector256<float>.One));

    [MethodImpl(Inline)]
    public static Vector256<float> SoftplusSigmoid(Vector256<float> a, out Vector256<float> p)
    {
        var e = Vector256.Exp(-Vector256.Abs(a));
        var u = Vector256<float>.One + e;
        p = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256<float>.Zero), Vector256<float>.One, e) / u;
        return Vector256.MaxNative(a, Vector256<float>.Zero) + Log1pUnit(e, u);
    }

    [MethodImpl(Inline)]
    public static Vector256<float> Softplus(Vector256<float> a)
    {
        var e = Vector256.Exp(-Vector256.Abs(a));
        return Vector256.MaxNative(a, Vector256<float>.Zero) + Log1pUnit(e, Vector256<float>.One + e);
    }

    [MethodImpl(Inline)]
    public static Vector256<float> Sigmoid(Vector256<float> a, out Vector256<float> slope)
    {
        var e = Vector256.Exp(-Vector256.Abs(a));
        var u = Vector256<float>.One + e;
        slope = e / (u * u);
        return Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(a, Vector256<float>.Zero), Vector256<float>.One, e) / u;
    }

    [MethodImpl(Inline)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var y = Vector256.Abs(x);
        var e = Vector256.Exp(y * -2f);
        var big = Vector256.CopySign((Vector256<float>.One - e) / (Vector256<float>.One + e), x);
        var z = x * x;
        var poly = (((Vector256.Create(T4) * z + Vector256.Create(T3)) * z + Vector256.Create(T2)) * z + Vector256.Create(T1)) * z + Vector256.Create(T0);
        var small = poly * z * x + x;
        return Vector256.ConditionalSelect(Vector256.LessThan(y, Vector256.Create(TanhSplit)), small, big);
    }

    [MethodImpl(Inline)]
    public static Vector256<float> OneMinusExpNeg(Vector256<float> h)
    {
        var big = Vector256<float>.One - Vector256.Exp(-h);
        var t = h * (1f / 7f);
        var small = h * (Vector256<float>.One - h * 0.5f * (Vector256<float>.One - h * (1f / 3f) * (Vector256<float>.One - h * 0.25f * (Vector256<float>.One - h * 0.2f * (Vector256<float>.One - h * (1f / 6f) * (Vector256<float>.One - t))))));
        return Vector256.ConditionalSelect(Vector256.LessThan(h, Vector256.Create(ExpM1Split)), small, big);
    }

    // ---------------- scalar (double inside; tails and CPUs without 256-bit vectors) ----------------

    /// <summary>Stable softplus in double; p = sigmoid(a).</summary>
    [MethodImpl(Inline)]
    public static double SoftplusSigmoid(double a, out double p)
    {
        double e = Math.Exp(-Math.Abs(a)), u = 1.0 + e;
        p = (a >= 0 ? 1.0 : e) / u;
        return Math.Max(a, 0.0) + Math.Log(u) + (e - (u - 1.0));
    }

    /// <summary>sigmoid(a) and its slope e / (1 + e)^2, in double.</summary>
    [MethodImpl(Inline)]
    public static double Sigmoid(double a, out double slope)
    {
        double e = Math.Exp(-Math.Abs(a)), u = 1.0 + e;
        slope = e / (u * u);
        return (a >= 0 ? 1.0 : e) / u;
    }

    /// <summary>Stable softplus in double.</summary>
    [MethodImpl(Inline)]
    public static double Softplus(double a) => Math.Max(a, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(a)));

    /// <summary>1 - exp(-h) in double: below 1e-5 the series (the subtraction would keep only ~11 digits there).</summary>
    [MethodImpl(Inline)]
    public static double OneMinusExpNeg(double h) => Math.Abs(h) < 1e-5 ? h - 0.5 * h * h : 1.0 - Math.Exp(-h);
}
