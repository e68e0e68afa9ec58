// Decoder likelihoods log p(x|z) per row (in double) and their gradient w.r.t. the decoder's head(s), fused into
// one vectorised pass per row. Owns: Bernoulli-from-logits and Gaussian (identity or sigmoid mean, log-variance head).
// Paper Appendix C.1, C.2. Must not: do GEMMs or know about estimators. Row r of the head pairs with data row r % M.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Vae.Core.Model;

/// <summary>
/// log p(x|z) kernels. Gradients are written (not accumulated), scaled by <c>scale</c>. Elementwise terms are
/// float32 (one row loop generic over the width: Vector512, else Vector256; else scalar double); each row's sum is
/// accumulated in double lanes.
/// </summary>
public static class Likelihoods
{
    const double HalfLog2Pi = 0.91893853320467274178; // 0.5 * log(2 pi)

    /// <summary>
    /// Bernoulli with logits a: log p(x|z) = sum_d x_d a_d - softplus(a_d) (never log 0).
    /// x: [M, D]; logits, dLogits: [rows, D]; logp: [rows]. dLogits = scale * (x - sigmoid(a)) unless empty.
    /// </summary>
    public static void Bernoulli(ReadOnlySpan<float> x, int m, ReadOnlySpan<float> logits, int rows,
                                 Span<double> logp, Span<float> dLogits, float scale)
    {
        int d = Check(x, m, logits, rows, logp, "logits");
        bool grad = !dLogits.IsEmpty;
        if (grad && dLogits.Length < rows * d) throw new ArgumentException($"dLogits holds {dLogits.Length} floats, rows * D = {rows} * {d} needed");
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float a0 = ref MemoryMarshal.GetReference(logits);
        ref float g0 = ref MemoryMarshal.GetReference(dLogits);
        for (int r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x0, (nint)(r % m) * d);
            ref float ar = ref Unsafe.Add(ref a0, (nint)r * d);
            ref float gr = ref grad ? ref Unsafe.Add(ref g0, (nint)r * d) : ref g0;
            logp[r] = Vector512.IsHardwareAccelerated ? BernoulliRow<V512>(ref xr, ref ar, ref gr, d, grad, scale)
                    : Vector256.IsHardwareAccelerated ? BernoulliRow<V256>(ref xr, ref ar, ref gr, d, grad, scale)
                    : BernoulliRowScalar(ref xr, ref ar, ref gr, d, grad, scale);
        }
    }

    /// <summary>
    /// Gaussian with mean head a (mean = sigmoid(a) if <paramref name="sigmoidMean"/>, else a) and log-variance head s:
    /// log p(x|z) = sum_d -0.5 (log 2pi + s_d + (x_d - mean_d)^2 exp(-s_d)).
    /// meanHead is replaced IN PLACE by the mean (so callers can show it). dMean/dLogVar: scale * gradient w.r.t. the
    /// pre-sigmoid head and s, unless empty. x: [M, D]; heads: [rows, D]; logp: [rows].
    /// </summary>
    public static void Gaussian(ReadOnlySpan<float> x, int m, Span<float> meanHead, ReadOnlySpan<float> logVar, int rows,
                                bool sigmoidMean, Span<double> logp, Span<float> dMean, Span<float> dLogVar, float scale)
    {
        int d = Check(x, m, meanHead, rows, logp, "mean head");
        if (logVar.Length < rows * d) throw new ArgumentException($"log-variance head holds {logVar.Length} floats, rows * D = {rows} * {d} needed");
        bool grad = !dMean.IsEmpty;
        if (grad && (dMean.Length < rows * d || dLogVar.Length < rows * d))
            throw new ArgumentException($"dMean ({dMean.Length}) and dLogVar ({dLogVar.Length}) must hold rows * D = {rows} * {d} floats");
        var p = new GaussRow(sigmoidMean, grad, scale);
        for (int r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), (nint)(r % m) * d);
            ref float ar = ref Unsafe.Add(ref MemoryMarshal.GetReference(meanHead), (nint)r * d);
            ref float sr = ref Unsafe.Add(ref MemoryMarshal.GetReference(logVar), (nint)r * d);
            ref float gm = ref grad ? ref Unsafe.Add(ref MemoryMarshal.GetReference(dMean), (nint)r * d) : ref MemoryMarshal.GetReference(dMean);
            ref float gs = ref grad ? ref Unsafe.Add(ref MemoryMarshal.GetReference(dLogVar), (nint)r * d) : ref MemoryMarshal.GetReference(dLogVar);
            // sum_d (s_d + sq_d); the constant is added once per row.
            double sum = Vector512.IsHardwareAccelerated ? GaussianRow<V512>(ref xr, ref ar, ref sr, ref gm, ref gs, d, p)
                       : Vector256.IsHardwareAccelerated ? GaussianRow<V256>(ref xr, ref ar, ref sr, ref gm, ref gs, d, p)
                       : GaussianRowScalar(ref xr, ref ar, ref sr, ref gm, ref gs, d, p);
            logp[r] = -(d * HalfLog2Pi) - 0.5 * sum;
        }
    }

    static int Check(ReadOnlySpan<float> x, int m, ReadOnlySpan<float> head, int rows, Span<double> logp, string what)
    {
        if (m <= 0 || x.Length % m != 0) throw new ArgumentException($"x holds {x.Length} floats, not a multiple of M = {m}");
        int d = x.Length / m;
        if (rows < 0 || head.Length < (long)rows * d) throw new ArgumentException($"{what} holds {head.Length} floats, rows * D = {rows} * {d} needed");
        if (logp.Length < rows) throw new ArgumentException($"logp holds {logp.Length} values, rows = {rows} needed");
        return d;
    }

    // ---------------- Bernoulli rows ----------------

    static double BernoulliRow<V>(ref float x, ref float a, ref float g, int d, bool grad, float scale) where V : struct, ISimd<V>
    {
        V acc0 = V.Zero, acc1 = V.Zero;
        var vs = V.Create(scale);
        int j = 0;
        for (; j <= d - V.Count; j += V.Count)
        {
            var av = V.Load(ref a, (nuint)j); var xv = V.Load(ref x, (nuint)j);
            V t;
            if (grad)
            {
                t = xv * av - SimdMath.SoftplusSigmoid(av, out var p);
                (vs * (xv - p)).Store(ref g, (nuint)j);
            }
            else t = xv * av - SimdMath.Softplus(av);
            V.AccumulateDouble(t, ref acc0, ref acc1);
        }
        if (j < d)
        {
            int c = d - j;
            var av = V.LoadPartial(ref Unsafe.Add(ref a, j), c); var xv = V.LoadPartial(ref Unsafe.Add(ref x, j), c);
            var t = xv * av - SimdMath.SoftplusSigmoid(av, out var p);
            if (grad) (vs * (xv - p)).StorePartial(ref Unsafe.Add(ref g, j), c);
            V.AccumulateDouble(t & V.LaneMask(c), ref acc0, ref acc1);
        }
        return V.SumDouble(acc0, acc1);
    }

    static double BernoulliRowScalar(ref float x, ref float a, ref float g, int d, bool grad, float scale)
    {
        double s = 0;
        for (int j = 0; j < d; j++)
        {
            double av = Unsafe.Add(ref a, j), xv = Unsafe.Add(ref x, j);
            s += xv * av - SimdMath.SoftplusSigmoid(av, out double p);
            if (grad) Unsafe.Add(ref g, j) = scale * (float)(xv - p);
        }
        return s;
    }

    // ---------------- Gaussian rows ----------------

    readonly record struct GaussRow(bool SigmoidMean, bool Grad, float Scale);

    /// <summary>Returns sum_d (s_d + (x_d - mean_d)^2 exp(-s_d)); writes the mean over the head and the gradients.</summary>
    static double GaussianRow<V>(ref float x, ref float a, ref float s, ref float gm, ref float gs, int d, GaussRow p) where V : struct, ISimd<V>
    {
        V acc0 = V.Zero, acc1 = V.Zero;
        int j = 0;
        for (; j < d; j += V.Count)
        {
            int c = Math.Min(V.Count, d - j);
            bool full = c == V.Count;
            var av = full ? V.Load(ref a, (nuint)j) : V.LoadPartial(ref Unsafe.Add(ref a, j), c);
            var sv = full ? V.Load(ref s, (nuint)j) : V.LoadPartial(ref Unsafe.Add(ref s, j), c);
            var xv = full ? V.Load(ref x, (nuint)j) : V.LoadPartial(ref Unsafe.Add(ref x, j), c);
            var slope = V.One;
            var mean = p.SigmoidMean ? SimdMath.Sigmoid(av, out slope) : av;
            var diff = xv - mean;
            var invSigma = SimdMath.Exp(sv * -0.5f);
            // (x - mean)^2 / sigma^2 as a square of (x - mean) / sigma: a mean hit exactly stays 0 even where
            // exp(-s) alone would overflow (s < -88), instead of 0 * inf = NaN.
            var rv = diff * invSigma;
            var sq = rv * rv;
            var dp = rv * invSigma; // (x - mean) / sigma^2
            var t = sv + sq;
            if (!full) t &= V.LaneMask(c);
            V.AccumulateDouble(t, ref acc0, ref acc1);
            var gMean = V.Create(p.Scale) * (dp * slope);
            var gLogVar = V.Create(0.5f * p.Scale) * (sq - V.One);
            if (full)
            {
                if (p.SigmoidMean) mean.Store(ref a, (nuint)j);
                if (p.Grad) { gMean.Store(ref gm, (nuint)j); gLogVar.Store(ref gs, (nuint)j); }
            }
            else
            {
                if (p.SigmoidMean) mean.StorePartial(ref Unsafe.Add(ref a, j), c);
                if (p.Grad) { gMean.StorePartial(ref Unsafe.Add(ref gm, j), c); gLogVar.StorePartial(ref Unsafe.Add(ref gs, j), c); }
            }
        }
        return V.SumDouble(acc0, acc1);
    }

    static double GaussianRowScalar(ref float x, ref float a, ref float s, ref float gm, ref float gs, int d, GaussRow p)
    {
        double sum = 0;
        for (int j = 0; j < d; j++)
        {
            double av = Unsafe.Add(ref a, j), sv = Unsafe.Add(ref s, j), slope = 1;
            double mean = p.SigmoidMean ? (float)SimdMath.Sigmoid(av, out slope) : av; // the float mean, as stored
            if (p.SigmoidMean) Unsafe.Add(ref a, j) = (float)mean;
            double invSigma = Math.Exp(-0.5 * sv), rv = (Unsafe.Add(ref x, j) - mean) * invSigma, sq = rv * rv, dp = rv * invSigma;
            sum += sv + sq;
            if (p.Grad)
            {
                Unsafe.Add(ref gm, j) = p.Scale * (float)(dp * slope);
                Unsafe.Add(ref gs, j) = 0.5f * p.Scale * (float)(sq - 1);
            }
        }
        return sum;
    }
}
