// The vector width as a type argument: V512 and V256 wrap Vector512<float> / Vector256<float> behind one interface,
// so each SIMD kernel is written once, generic over the width (the JIT specialises a struct type argument and inlines
// the wrappers to the bare intrinsics). Owns: the per-width primitives only. Must not: hold formulas or loops.
// (.NET's own ISimdVector<TSelf, T> would serve, but it is internal in .NET 10.)
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>A float vector of a fixed width. Comparisons return lane masks (all bits set or clear) of the same type.</summary>
internal interface ISimd<TSelf> where TSelf : struct, ISimd<TSelf>
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf One { get; }
    static abstract TSelf Create(float x);
    static abstract TSelf Load(ref float src, nuint i);
    void Store(ref float dst, nuint i);
    /// <summary>The first count (&lt; Count) floats at src, the other lanes 0.</summary>
    static abstract TSelf LoadPartial(ref float src, int count);
    /// <summary>Writes the first count lanes to dst.</summary>
    void StorePartial(ref float dst, int count);
    /// <summary>All-ones in lanes below count, zero above (masks padded lanes out of sums).</summary>
    static abstract TSelf LaneMask(int count);
    /// <summary>Lane 0 (tests and diagnostics).</summary>
    float ToScalar();

    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, float b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    static abstract TSelf operator &(TSelf a, TSelf b);

    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Sqrt(TSelf a);
    static abstract TSelf Round(TSelf a);
    static abstract TSelf CopySign(TSelf value, TSelf sign);
    /// <summary>IEEE max (a NaN operand gives NaN).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf MaxNative(TSelf a, TSelf b);
    static abstract TSelf MinNative(TSelf a, TSelf b);
    /// <summary>a * b + c, fused where the hardware has FMA.</summary>
    static abstract TSelf MultiplyAddEstimate(TSelf a, TSelf b, TSelf c);
    static abstract TSelf ConditionalSelect(TSelf mask, TSelf ifTrue, TSelf ifFalse);
    static abstract TSelf Equals(TSelf a, TSelf b);
    static abstract TSelf GreaterThan(TSelf a, TSelf b);
    static abstract TSelf GreaterThanOrEqual(TSelf a, TSelf b);
    static abstract TSelf LessThan(TSelf a, TSelf b);
    static abstract TSelf LessThanOrEqual(TSelf a, TSelf b);
    /// <summary>p * 2^n for integral n in [-253, 255], built in two halves so denormal and overflowing results come out right.</summary>
    static abstract TSelf ScaleByPow2(TSelf p, TSelf n);
    /// <summary>Adds the lanes of t, widened to double, to two double accumulators held in the bits of acc0 and acc1.</summary>
    static abstract void AccumulateDouble(TSelf t, ref TSelf acc0, ref TSelf acc1);
    /// <summary>The sum of all double lanes of two accumulators filled by <see cref="AccumulateDouble"/> (Zero = 0.0 lanes).</summary>
    static abstract double SumDouble(TSelf acc0, TSelf acc1);
}

internal readonly struct V512 : ISimd<V512>
{
    const MethodImplOptions Inline = MethodImplOptions.AggressiveInlining;
    readonly Vector512<float> _v;
    V512(Vector512<float> v) => _v = v;

    public static int Count => Vector512<float>.Count;
    public static V512 Zero => new(Vector512<float>.Zero);
    public static V512 One => new(Vector512<float>.One);
    [MethodImpl(Inline)] public static V512 Create(float x) => new(Vector512.Create(x));
    [MethodImpl(Inline)] public static V512 Load(ref float src, nuint i) => new(Vector512.LoadUnsafe(ref src, i));
    [MethodImpl(Inline)] public void Store(ref float dst, nuint i) => _v.StoreUnsafe(ref dst, i);
    [MethodImpl(Inline)]
    public static V512 LoadPartial(ref float src, int count)
    {
        Vector512<float> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector512<float>, byte>(ref v), ref Unsafe.As<float, byte>(ref src), (uint)count * sizeof(float));
        return new(v);
    }
    [MethodImpl(Inline)]
    public void StorePartial(ref float dst, int count)
    {
        var v = _v;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref dst), ref Unsafe.As<Vector512<float>, byte>(ref v), (uint)count * sizeof(float));
    }
    public float ToScalar() => _v.ToScalar();
    [MethodImpl(Inline)] public static V512 LaneMask(int count) => new(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle());

    [MethodImpl(Inline)] public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);
    [MethodImpl(Inline)] public static V512 operator -(V512 a, V512 b) => new(a._v - b._v);
    [MethodImpl(Inline)] public static V512 operator *(V512 a, V512 b) => new(a._v * b._v);
    [MethodImpl(Inline)] public static V512 operator *(V512 a, float b) => new(a._v * b);
    [MethodImpl(Inline)] public static V512 operator /(V512 a, V512 b) => new(a._v / b._v);
    [MethodImpl(Inline)] public static V512 operator -(V512 a) => new(-a._v);
    [MethodImpl(Inline)] public static V512 operator &(V512 a, V512 b) => new(a._v & b._v);

    [MethodImpl(Inline)] public static V512 Abs(V512 a) => new(Vector512.Abs(a._v));
    [MethodImpl(Inline)] public static V512 Sqrt(V512 a) => new(Vector512.Sqrt(a._v));
    [MethodImpl(Inline)] public static V512 Round(V512 a) => new(Vector512.Round(a._v));
    [MethodImpl(Inline)] public static V512 CopySign(V512 value, V512 sign) => new(Vector512.CopySign(value._v, sign._v));
    [MethodImpl(Inline)] public static V512 Max(V512 a, V512 b) => new(Vector512.Max(a._v, b._v));
    [MethodImpl(Inline)] public static V512 MaxNative(V512 a, V512 b) => new(Vector512.MaxNative(a._v, b._v));
    [MethodImpl(Inline)] public static V512 MinNative(V512 a, V512 b) => new(Vector512.MinNative(a._v, b._v));
    [MethodImpl(Inline)] public static V512 MultiplyAddEstimate(V512 a, V512 b, V512 c) => new(Vector512.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(Inline)] public static V512 ConditionalSelect(V512 mask, V512 t, V512 f) => new(Vector512.ConditionalSelect(mask._v, t._v, f._v));
    [MethodImpl(Inline)] public static V512 Equals(V512 a, V512 b) => new(Vector512.Equals(a._v, b._v));
    [MethodImpl(Inline)] public static V512 GreaterThan(V512 a, V512 b) => new(Vector512.GreaterThan(a._v, b._v));
    [MethodImpl(Inline)] public static V512 GreaterThanOrEqual(V512 a, V512 b) => new(Vector512.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(Inline)] public static V512 LessThan(V512 a, V512 b) => new(Vector512.LessThan(a._v, b._v));
    [MethodImpl(Inline)] public static V512 LessThanOrEqual(V512 a, V512 b) => new(Vector512.LessThanOrEqual(a._v, b._v));
    [MethodImpl(Inline)]
    public static V512 ScaleByPow2(V512 p, V512 n)
    {
        var ni = Vector512.ConvertToInt32Native(n._v); // n is integral and in range: no saturation fix-up needed
        var n1 = Vector512.ShiftRightArithmetic(ni, 1);
        var s1 = Vector512.ShiftLeft(n1 + Vector512.Create(127), 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - n1 + Vector512.Create(127), 23).AsSingle();
        return new(p._v * s1 * s2);
    }
    [MethodImpl(Inline)]
    public static void AccumulateDouble(V512 t, ref V512 acc0, ref V512 acc1)
    {
        var (lo, hi) = Vector512.Widen(t._v);
        acc0 = new((acc0._v.AsDouble() + lo).AsSingle()); acc1 = new((acc1._v.AsDouble() + hi).AsSingle());
    }
    [MethodImpl(Inline)] public static double SumDouble(V512 acc0, V512 acc1) => Vector512.Sum(acc0._v.AsDouble() + acc1._v.AsDouble());
}

internal readonly struct V256 : ISimd<V256>
{
    const MethodImplOptions Inline = MethodImplOptions.AggressiveInlining;
    readonly Vector256<float> _v;
    V256(Vector256<float> v) => _v = v;

    public static int Count => Vector256<float>.Count;
    public static V256 Zero => new(Vector256<float>.Zero);
    public static V256 One => new(Vector256<float>.One);
    [MethodImpl(Inline)] public static V256 Create(float x) => new(Vector256.Create(x));
    [MethodImpl(Inline)] public static V256 Load(ref float src, nuint i) => new(Vector256.LoadUnsafe(ref src, i));
    [MethodImpl(Inline)] public void Store(ref float dst, nuint i) => _v.StoreUnsafe(ref dst, i);
    [MethodImpl(Inline)]
    public static V256 LoadPartial(ref float src, int count)
    {
        Vector256<float> v = default;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<Vector256<float>, byte>(ref v), ref Unsafe.As<float, byte>(ref src), (uint)count * sizeof(float));
        return new(v);
    }
    [MethodImpl(Inline)]
    public void StorePartial(ref float dst, int count)
    {
        var v = _v;
        Unsafe.CopyBlockUnaligned(ref Unsafe.As<float, byte>(ref dst), ref Unsafe.As<Vector256<float>, byte>(ref v), (uint)count * sizeof(float));
    }
    public float ToScalar() => _v.ToScalar();
    [MethodImpl(Inline)] public static V256 LaneMask(int count) => new(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle());

    [MethodImpl(Inline)] public static V256 operator +(V256 a, V256 b) => new(a._v + b._v);
    [MethodImpl(Inline)] public static V256 operator -(V256 a, V256 b) => new(a._v - b._v);
    [MethodImpl(Inline)] public static V256 operator *(V256 a, V256 b) => new(a._v * b._v);
    [MethodImpl(Inline)] public static V256 operator *(V256 a, float b) => new(a._v * b);
    [MethodImpl(Inline)] public static V256 operator /(V256 a, V256 b) => new(a._v / b._v);
    [MethodImpl(Inline)] public static V256 operator -(V256 a) => new(-a._v);
    [MethodImpl(Inline)] public static V256 operator &(V256 a, V256 b) => new(a._v & b._v);

    [MethodImpl(Inline)] public static V256 Abs(V256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(Inline)] public static V256 Sqrt(V256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(Inline)] public static V256 Round(V256 a) => new(Vector256.Round(a._v));
    [MethodImpl(Inline)] public static V256 CopySign(V256 value, V256 sign) => new(Vector256.CopySign(value._v, sign._v));
    [MethodImpl(Inline)] public static V256 Max(V256 a, V256 b) => new(Vector256.Max(a._v, b._v));
    [MethodImpl(Inline)] public static V256 MaxNative(V256 a, V256 b) => new(Vector256.MaxNative(a._v, b._v));
    [MethodImpl(Inline)] public static V256 MinNative(V256 a, V256 b) => new(Vector256.MinNative(a._v, b._v));
    [MethodImpl(Inline)] public static V256 MultiplyAddEstimate(V256 a, V256 b, V256 c) => new(Vector256.MultiplyAddEstimate(a._v, b._v, c._v));
    [MethodImpl(Inline)] public static V256 ConditionalSelect(V256 mask, V256 t, V256 f) => new(Vector256.ConditionalSelect(mask._v, t._v, f._v));
    [MethodImpl(Inline)] public static V256 Equals(V256 a, V256 b) => new(Vector256.Equals(a._v, b._v));
    [MethodImpl(Inline)] public static V256 GreaterThan(V256 a, V256 b) => new(Vector256.GreaterThan(a._v, b._v));
    [MethodImpl(Inline)] public static V256 GreaterThanOrEqual(V256 a, V256 b) => new(Vector256.GreaterThanOrEqual(a._v, b._v));
    [MethodImpl(Inline)] public static V256 LessThan(V256 a, V256 b) => new(Vector256.LessThan(a._v, b._v));
    [MethodImpl(Inline)] public static V256 LessThanOrEqual(V256 a, V256 b) => new(Vector256.LessThanOrEqual(a._v, b._v));
    [MethodImpl(Inline)]
    public static V256 ScaleByPow2(V256 p, V256 n)
    {
        var ni = Vector256.ConvertToInt32Native(n._v);
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var s1 = Vector256.ShiftLeft(n1 + Vector256.Create(127), 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - n1 + Vector256.Create(127), 23).AsSingle();
        return new(p._v * s1 * s2);
    }
    [MethodImpl(Inline)]
    public static void AccumulateDouble(V256 t, ref V256 acc0, ref V256 acc1)
    {
        var (lo, hi) = Vector256.Widen(t._v);
        acc0 = new((acc0._v.AsDouble() + lo).AsSingle()); acc1 = new((acc1._v.AsDouble() + hi).AsSingle());
    }
    [MethodImpl(Inline)] public static double SumDouble(V256 acc0, V256 acc1) => Vector256.Sum(acc0._v.AsDouble() + acc1._v.AsDouble());
}
