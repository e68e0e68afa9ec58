// Span-in / span-out elementwise kernels for the layers: bias fused with the activation, activations and their
// derivatives, column sums. Owns: allocation-free loops, each written once generic over the vector width (Vector512
// when accelerated, else Vector256), plus the scalar fallback; row tails as one zero-padded vector. Must not: know about models or GEMM.
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
            case Activation.LeakyRelu: BiasMap<LeakyReluOp>(y, b, rows); break;
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
            case Activation.LeakyRelu: BiasMap<LeakyReluOp>(h, [], 0); break;
            case Activation.Softplus: BiasMap<SoftplusOp>(h, [], 0); break;
            case Activation.Identity: break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>
    /// dh *= act'(pre), expressed through the OUTPUT h = act(pre) so the pre-activation need not be stored:
    /// tanh' = 1 - h^2; relu' = [h &gt; 0]; leaky relu' = h &lt; 0 ? 0.2 : 1; softplus' = sigmoid(pre) = 1 - exp(-h).
    /// </summary>
    public static void ActivationBackward(Activation act, ReadOnlySpan<float> h, Span<float> dh)
    {
        if (h.Length != dh.Length) throw new ArgumentException($"h ({h.Length}) and dh ({dh.Length}) lengths differ");
        switch (act)
        {
            case Activation.Tanh: Backward<TanhOp>(h, dh); break;
            case Activation.Relu: Backward<ReluOp>(h, dh); break;
            case Activation.LeakyRelu: Backward<LeakyReluOp>(h, dh); break;
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
        int j = Vector512.IsHardwareAccelerated ? ColumnSums<V512>(dy, rows, db)
              : Vector256.IsHardwareAccelerated ? ColumnSums<V256>(dy, rows, db) : 0;
        for (; j < n; j++)
        {
            float a = db[j];
            for (int r = 0; r < rows; r++) a += dy[r * n + j];
            db[j] = a;
        }
    }

    /// <summary>The vector part of the column sums; returns the first column left to the scalar tail. Every column is
    /// summed row by row in float, so the result does not depend on the width.</summary>
    static int ColumnSums<V>(ReadOnlySpan<float> dy, int rows, Span<float> db) where V : struct, ISimd<V>
    {
        int n = db.Length, w = V.Count, j = 0;
        ref float src = ref MemoryMarshal.GetReference(dy);
        ref float dst = ref MemoryMarshal.GetReference(db);
        // Four independent accumulators hide the add latency (a single chain would wait on every row).
        for (; j <= n - 4 * w; j += 4 * w)
        {
            nuint c0 = (nuint)j, c1 = (nuint)(j + w), c2 = (nuint)(j + 2 * w), c3 = (nuint)(j + 3 * w);
            var a0 = V.Load(ref dst, c0); var a1 = V.Load(ref dst, c1); var a2 = V.Load(ref dst, c2); var a3 = V.Load(ref dst, c3);
            for (int r = 0; r < rows; r++)
            {
                nuint o = (nuint)((long)r * n);
                a0 += V.Load(ref src, o + c0); a1 += V.Load(ref src, o + c1); a2 += V.Load(ref src, o + c2); a3 += V.Load(ref src, o + c3);
            }
            a0.Store(ref dst, c0); a1.Store(ref dst, c1); a2.Store(ref dst, c2); a3.Store(ref dst, c3);
        }
        for (; j <= n - w; j += w)
        {
            var a = V.Load(ref dst, (nuint)j);
            for (int r = 0; r < rows; r++) a += V.Load(ref src, (nuint)((long)r * n + j));
            a.Store(ref dst, (nuint)j);
        }
        return j;
    }

    /// <summary>Numerically stable softplus in place: max(a, 0) + log1p(exp(-|a|)).</summary>
    public static void Softplus(Span<float> a) => BiasMap<SoftplusOp>(a, [], 0);

    // ---- drivers: one loop per shape, generic over the width; the operation a struct type argument (the JIT
    // specialises and inlines both) ----

    /// <summary>With rows = 0 (b empty) the whole of y is mapped; otherwise y[r, :] = op(y[r, :] + b).</summary>
    static void BiasMap<TOp>(Span<float> y, ReadOnlySpan<float> b, int rows) where TOp : struct, IActivationOp
    {
        if (Vector512.IsHardwareAccelerated) BiasMap<TOp, V512>(y, b, rows);
        else if (Vector256.IsHardwareAccelerated) BiasMap<TOp, V256>(y, b, rows);
        else
        {
            bool bias = rows > 0;
            int n = bias ? b.Length : y.Length;
            for (int r = 0; r < Math.Max(rows, 1); r++)
                for (int j = 0; j < n; j++) y[r * n + j] = TOp.Forward(bias ? y[r * n + j] + b[j] : y[r * n + j]);
        }
    }

    static void BiasMap<TOp, V>(Span<float> y, ReadOnlySpan<float> b, int rows) where TOp : struct, IActivationOp where V : struct, ISimd<V>
    {
        bool bias = rows > 0;
        int n = bias ? b.Length : y.Length, w = V.Count;
        if (!bias) rows = 1;
        ref float bb = ref MemoryMarshal.GetReference(b);
        for (int r = 0; r < rows; r++)
        {
            ref float yr = ref Unsafe.Add(ref MemoryMarshal.GetReference(y), (nint)r * n);
            int j = 0;
            for (; j <= n - w; j += w)
            {
                var v = V.Load(ref yr, (nuint)j);
                if (bias) v += V.Load(ref bb, (nuint)j);
                TOp.Forward(v).Store(ref yr, (nuint)j);
            }
            if (j < n)
            {
                // The tail as one zero-padded vector: same formula as the body, no slow scalar transcendental.
                var v = V.LoadPartial(ref Unsafe.Add(ref yr, j), n - j);
                if (bias) v += V.LoadPartial(ref Unsafe.Add(ref bb, j), n - j);
                TOp.Forward(v).StorePartial(ref Unsafe.Add(ref yr, j), n - j);
            }
        }
    }

    static void Backward<TOp>(ReadOnlySpan<float> h, Span<float> dh) where TOp : struct, IActivationOp
    {
        if (Vector512.IsHardwareAccelerated) Backward<TOp, V512>(h, dh);
        else if (Vector256.IsHardwareAccelerated) Backward<TOp, V256>(h, dh);
        else for (int j = 0; j < h.Length; j++) dh[j] = TOp.Backward(h[j], dh[j]);
    }

    static void Backward<TOp, V>(ReadOnlySpan<float> h, Span<float> dh) where TOp : struct, IActivationOp where V : struct, ISimd<V>
    {
        ref float hr = ref MemoryMarshal.GetReference(h);
        ref float dr = ref MemoryMarshal.GetReference(dh);
        int n = h.Length, j = 0;
        for (; j <= n - V.Count; j += V.Count)
            TOp.Backward(V.Load(ref hr, (nuint)j), V.Load(ref dr, (nuint)j)).Store(ref dr, (nuint)j);
        if (j < n)
            TOp.Backward(V.LoadPartial(ref Unsafe.Add(ref hr, j), n - j), V.LoadPartial(ref Unsafe.Add(ref dr, j), n - j))
               .StorePartial(ref Unsafe.Add(ref dr, j), n - j);
    }

    interface IActivationOp
    {
        static abstract V Forward<V>(V x) where V : struct, ISimd<V>;
        static abstract float Forward(float x);
        /// <summary>dh * act'(pre) from h = act(pre).</summary>
        static abstract V Backward<V>(V h, V dh) where V : struct, ISimd<V>;
        static abstract float Backward(float h, float dh);
    }

    struct TanhOp : IActivationOp
    {
        public static V Forward<V>(V x) where V : struct, ISimd<V> => SimdMath.Tanh(x);
        public static float Forward(float x) => (float)Math.Tanh(x);
        // 1 - h^2 as (1 - h)(1 + h): 1 - h is exact near saturation, where 1 - h*h would cancel to a few bits.
        public static V Backward<V>(V h, V dh) where V : struct, ISimd<V> => dh * ((V.One - h) * (V.One + h));
        public static float Backward(float h, float dh) => dh * ((1f - h) * (1f + h));
    }

    struct ReluOp : IActivationOp
    {
        // Max (not MaxNative) so a NaN pre-activation stays NaN; the backward keeps dh where h is NaN.
        public static V Forward<V>(V x) where V : struct, ISimd<V> => V.Max(x, V.Zero);
        public static float Forward(float x) => MathF.Max(x, 0f);
        public static V Backward<V>(V h, V dh) where V : struct, ISimd<V> => V.ConditionalSelect(V.LessThanOrEqual(h, V.Zero), V.Zero, dh);
        public static float Backward(float h, float dh) => h <= 0f ? 0f : dh;
    }

    struct LeakyReluOp : IActivationOp
    {
        // max(x, 0.2 x): the slope is positive, so the sign of h = act(pre) is the sign of pre and the backward needs only h.
        public static V Forward<V>(V x) where V : struct, ISimd<V> => V.ConditionalSelect(V.LessThan(x, V.Zero), x * Activations.LeakySlope, x);
        public static float Forward(float x) => x < 0f ? x * Activations.LeakySlope : x;
        public static V Backward<V>(V h, V dh) where V : struct, ISimd<V> => V.ConditionalSelect(V.LessThan(h, V.Zero), dh * Activations.LeakySlope, dh);
        public static float Backward(float h, float dh) => h < 0f ? dh * Activations.LeakySlope : dh;
    }

    struct SoftplusOp : IActivationOp
    {
        public static V Forward<V>(V x) where V : struct, ISimd<V> => SimdMath.Softplus(x);
        public static float Forward(float x) => (float)SimdMath.Softplus(x);
        public static V Backward<V>(V h, V dh) where V : struct, ISimd<V> => dh * SimdMath.OneMinusExpNeg(h);
        public static float Backward(float h, float dh) => dh * (float)SimdMath.OneMinusExpNeg(h);
    }

    struct IdentityOp : IActivationOp
    {
        public static V Forward<V>(V x) where V : struct, ISimd<V> => x;
        public static float Forward(float x) => x;
        public static V Backward<V>(V h, V dh) where V : struct, ISimd<V> => dh;
        public static float Backward(float h, float dh) => dh;
    }
}
