// Span-in / span-out elementwise kernels for the layers: bias fused with the activation, activations and their
// derivatives, column sums. Owns: allocation-free loops, Vector512 when accelerated, else Vector256, else scalar,
// with a scalar tail for widths that are not a multiple of the vector. Must not: know about models or GEMM.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>Allocation-free kernels on row-major [rows, n] blocks.</summary>
public static class Kernels
{
    /// <summary>Vector width the elementwise kernels run at on this machine: 512, 256, or 0 (scalar double).</summary>
    public static int SimdWidthBits => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 0;

    /// <summary>y[r, :] += b for every row r. y: [rows, n], b: [n].</summary>
    public static void AddBiasRows(Span<float> y, ReadOnlySpan<float> b, int rows) => BiasActivation(y, b, rows, Activation.Identity);

    /// <summary>y[r, :] = act(y[r, :] + b) for every row r, in one pass. y: [rows, n], b: [n].</summary>
    public static void BiasActivation(Span<float> y, ReadOnlySpan<float> b, int rows, Activation act)
    {
        if (rows < 0 || (long)rows * b.Length > y.Length)
            throw new ArgumentException($"bias: y holds {y.Length} floats, rows * n = {rows} * {b.Length} needed");
        switch (act)
        {
            case Activation.Tanh: BiasMap<TanhOp>(y, b, rows); break;
            case Activation.Relu: BiasMap<ReluOp>(y, b, rows); break;
            case Activation.Softplus: BiasMap<SoftplusOp>(y, b, rows); break;
            case Activation.Identity: BiasMap<IdentityOp>(y, b, rows); break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>h = act(h) in place.</summary>
    public static void ActivationForward(Activation act, Span<float> h)
    {
        switch (act)
        {
            case Activation.Tanh: BiasMap<TanhOp>(h, [], 0); break;
            case Activation.Relu: BiasMap<ReluOp>(h, [], 0); break;
            case Activation.Softplus: BiasMap<SoftplusOp>(h, [], 0); break;
            case Activation.Identity: break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>
    /// dh *= act'(pre), expressed through the OUTPUT h = act(pre) so the pre-activation need not be stored:
    /// tanh' = 1 - h^2; relu' = [h &gt; 0]; softplus' = sigmoid(pre) = 1 - exp(-h).
    /// </summary>
    public static void ActivationBackward(Activation act, ReadOnlySpan<float> h, Span<float> dh)
    {
        if (h.Length != dh.Length) throw new ArgumentException($"h ({h.Length}) and dh ({dh.Length}) lengths differ");
        switch (act)
        {
            case Activation.Tanh: Backward<TanhOp>(h, dh); break;
            case Activation.Relu: Backward<ReluOp>(h, dh); break;
            case Activation.Softplus: Backward<SoftplusOp>(h, dh); break;
            case Activation.Identity: break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>db += sum over rows of dy. dy: [rows, n], db: [n]. Columns in vector registers, rows streamed.</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> dy, int rows, Span<float> db)
    {
        int n = db.Length;
        if (rows < 0 || (long)rows * n > dy.Length)
            throw new ArgumentException($"column sums: dy holds {dy.Length} floats, rows * n = {rows} * {n} needed");
        ref float src = ref MemoryMarshal.GetReference(dy);
        ref float dst = ref MemoryMarshal.GetReference(db);
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Four independent accumulators hide the add latency (a single chain would wait on every row).
            for (; j <= n - 64; j += 64)
            {
                var a0 = Vector512.LoadUnsafe(ref dst, (nuint)j); var a1 = Vector512.LoadUnsafe(ref dst, (nuint)(j + 16));
                var a2 = Vector512.LoadUnsafe(ref dst, (nuint)(j + 32)); var a3 = Vector512.LoadUnsafe(ref dst, (nuint)(j + 48));
                for (int r = 0; r < rows; r++)
                {
                    nuint o = (nuint)((long)r * n + j);
                    a0 += Vector512.LoadUnsafe(ref src, o); a1 += Vector512.LoadUnsafe(ref src, o + 16);
                    a2 += Vector512.LoadUnsafe(ref src, o + 32); a3 += Vector512.LoadUnsafe(ref src, o + 48);
                }
                a0.StoreUnsafe(ref dst, (nuint)j); a1.StoreUnsafe(ref dst, (nuint)(j + 16));
                a2.StoreUnsafe(ref dst, (nuint)(j + 32)); a3.StoreUnsafe(ref dst, (nuint)(j + 48));
            }
            for (; j <= n - 16; j += 16)
            {
                var a = Vector512.LoadUnsafe(ref dst, (nuint)j);
                for (int r = 0; r < rows; r++) a += Vector512.LoadUnsafe(ref src, (nuint)((long)r * n + j));
                a.StoreUnsafe(ref dst, (nuint)j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
            {
                var a = Vector256.LoadUnsafe(ref dst, (nuint)j);
                for (int r = 0; r < rows; r++) a += Vector256.LoadUnsafe(ref src, (nuint)((long)r * n + j));
                a.StoreUnsafe(ref dst, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            float a = db[j];
            for (int r = 0; r < rows; r++) a += dy[r * n + j];
            db[j] = a;
        }
    }

    /// <summary>Numerically stable softplus in place: max(a, 0) + log1p(exp(-|a|)).</summary>
    public static void Softplus(Span<float> a) => BiasMap<SoftplusOp>(a, [], 0);

    // ---- drivers: one loop per shape, the operation a struct type argument (the JIT specialises and inlines it) ----

    /// <summary>With rows = 0 (b empty) the whole of y is mapped; otherwise y[r, :] = op(y[r, :] + b).</summary>
    static void BiasMap<TOp>(Span<float> y, ReadOnlySpan<float> b, int rows) where TOp : struct, IActivationOp
    {
        bool bias = rows > 0;
        int n = bias ? b.Length : y.Length;
        if (!bias) rows = 1;
        ref float bb = ref MemoryMarshal.GetReference(b);
        for (int r = 0; r < rows; r++)
        {
            ref float yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), (nint)r * n);
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (; j <= n - 16; j += 16)
                {
                    var v = Vector512.LoadUnsafe(ref yr, (nuint)j);
                    if (bias) v += Vector512.LoadUnsafe(ref bb, (nuint)j);
                    TOp.Forward(v).StoreUnsafe(ref yr, (nuint)j);
                }
                if (j < n)
                {
                    // The tail as one zero-padded vector: same formula as the body, no slow scalar transcendental.
                    var v = SimdMath.LoadPartial512(ref Unsafe.Add(ref yr, j), n - j);
                    if (bias) v += SimdMath.LoadPartial512(ref Unsafe.Add(ref bb, j), n - j);
                    SimdMath.StorePartial(TOp.Forward(v), ref Unsafe.Add(ref yr, j), n - j);
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= n - 8; j += 8)
                {
                    var v = Vector256.LoadUnsafe(ref yr, (nuint)j);
                    if (bias) v += Vector256.LoadUnsafe(ref bb, (nuint)j);
                    TOp.Forward(v).StoreUnsafe(ref yr, (nuint)j);
                }
                if (j < n)
                {
                    var v = SimdMath.LoadPartial256(ref Unsafe.Add(ref yr, j), n - j);
                    if (bias) v += SimdMath.LoadPartial256(ref Unsafe.Add(ref bb, j), n - j);
                    SimdMath.StorePartial(TOp.Forward(v), ref Unsafe.Add(ref yr, j), n - j);
                }
            }
            else
            {
                for (; j < n; j++)
                {
                    float v = Unsafe.Add(ref yr, j);
                    if (bias) v += Unsafe.Add(ref bb, j);
                    Unsafe.Add(ref yr, j) = TOp.Forward(v);
                }
            }
        }
    }

    static void Backward<TOp>(ReadOnlySpan<float> h, Span<float> dh) where TOp : struct, IActivationOp
    {
        ref float hr = ref MemoryMarshal.GetReference(h);
        ref float dr = ref MemoryMarshal.GetReference(dh);
        int n = h.Length, j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j <= n - 16; j += 16)
                TOp.Backward(Vector512.LoadUnsafe(ref hr, (nuint)j), Vector512.LoadUnsafe(ref dr, (nuint)j)).StoreUnsafe(ref dr, (nuint)j);
            if (j < n)
                SimdMath.StorePartial(TOp.Backward(SimdMath.LoadPartial512(ref Unsafe.Add(ref hr, j), n - j),
                                                   SimdMath.LoadPartial512(ref Unsafe.Add(ref dr, j), n - j)), ref Unsafe.Add(ref dr, j), n - j);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - 8; j += 8)
                TOp.Backward(Vector256.LoadUnsafe(ref hr, (nuint)j), Vector256.LoadUnsafe(ref dr, (nuint)j)).StoreUnsafe(ref dr, (nuint)j);
            if (j < n)
                SimdMath.StorePartial(TOp.Backward(SimdMath.LoadPartial256(ref Unsafe.Add(ref hr, j), n - j),
                                                   SimdMath.LoadPartial256(ref Unsafe.Add(ref dr, j), n - j)), ref Unsafe.Add(ref dr, j), n - j);
        }
        else
            for (; j < n; j++) Unsafe.Add(ref dr, j) = TOp.Backward(Unsafe.Add(ref hr, j), Unsafe.Add(ref dr, j));
    }

    interface IActivationOp
    {
        static abstract Vector512<float> Forward(Vector512<float> x);
        static abstract Vector256<float> Forward(Vector256<float> x);
        static abstract float Forward(float x);
        /// <summary>dh * act'(pre) from h = act(pre).</summary>
        static abstract Vector512<float> Backward(Vector512<float> h, Vector512<float> dh);
        static abstract Vector256<float> Backward(Vector256<float> h, Vector256<float> dh);
        static abstract float Backward(float h, float dh);
    }

    struct TanhOp : IActivationOp
    {
        public static Vector512<float> Forward(Vector512<float> x) => SimdMath.Tanh(x);
        public static Vector256<float> Forward(Vector256<float> x) => SimdMath.Tanh(x);
        public static float Forward(float x) => (float)Math.Tanh(x);
        // 1 - h^2 as (1 - h)(1 + h): 1 - h is exact near saturation, where 1 - h*h would cancel to a few bits.
        public static Vector512<float> Backward(Vector512<float> h, Vector512<float> dh) => dh * ((Vector512<float>.One - h) * (Vector512<float>.One + h));
        public static Vector256<float> Backward(Vector256<float> h, Vector256<float> dh) => dh * ((Vector256<float>.One - h) * (Vector256<float>.One + h));
        public static float Backward(float h, float dh) => dh * ((1f - h) * (1f + h));
    }

    struct ReluOp : IActivationOp
    {
        // Max (not MaxNative) so a NaN pre-activation stays NaN; the backward keeps dh where h is NaN.
        public static Vector512<float> Forward(Vector512<float> x) => Vector512.Max(x, Vector512<float>.Zero);
        public static Vector256<float> Forward(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
        public static float Forward(float x) => MathF.Max(x, 0f);
        public static Vector512<float> Backward(Vector512<float> h, Vector512<float> dh)
            => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(h, Vector512<float>.Zero), Vector512<float>.Zero, dh);
        public static Vector256<float> Backward(Vector256<float> h, Vector256<float> dh)
            => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(h, Vector256<float>.Zero), Vector256<float>.Zero, dh);
        public static float Backward(float h, float dh) => h <= 0f ? 0f : dh;
    }

    struct SoftplusOp : IActivationOp
    {
        public static Vector512<float> Forward(Vector512<float> x) => SimdMath.Softplus(x);
        public static Vector256<float> Forward(Vector256<float> x) => SimdMath.Softplus(x);
        public static float Forward(float x) => (float)SimdMath.Softplus(x);
        public static Vector512<float> Backward(Vector512<float> h, Vector512<float> dh) => dh * SimdMath.OneMinusExpNeg(h);
        public static Vector256<float> Backward(Vector256<float> h, Vector256<float> dh) => dh * SimdMath.OneMinusExpNeg(h);
        public static float Backward(float h, float dh) => dh * (float)SimdMath.OneMinusExpNeg(h);
    }

    struct IdentityOp : IActivationOp
    {
        public static Vector512<float> Forward(Vector512<float> x) => x;
        public static Vector256<float> Forward(Vector256<float> x) => x;
        public static float Forward(float x) => x;
        public static Vector512<float> Backward(Vector512<float> h, Vector512<float> dh) => dh;
        public static Vector256<float> Backward(Vector256<float> h, Vector256<float> dh) => dh;
        public static float Backward(float h, float dh) => dh;
    }
}
