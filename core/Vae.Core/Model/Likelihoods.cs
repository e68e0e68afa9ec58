// Decoder likelihoods log p(x|z) per row (in double) and their gradient w.r.t. the decoder's head(s).
// Owns: Bernoulli-from-logits and Gaussian (identity or sigmoid mean, log-variance head). Paper Appendix C.1, C.2.
// Must not: do GEMMs or know about estimators. Row r of the head pairs with data row r % M (samples are sample-major).
using System.Numerics.Tensors;

namespace Vae.Core.Model;

/// <summary>log p(x|z) kernels. Gradients are written (not accumulated), scaled by <c>scale</c>.</summary>
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
        int d = x.Length / m;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice((r % m) * d, d);
            var ar = logits.Slice(r * d, d);
            double s = 0;
            if (dLogits.IsEmpty)
            {
                for (int j = 0; j < d; j++) { float a = ar[j]; s += xr[j] * a - SoftplusF(a); }
            }
            else
            {
                var gr = dLogits.Slice(r * d, d);
                TensorPrimitives.Sigmoid(ar, gr); // gr = sigmoid(a), reused below
                for (int j = 0; j < d; j++)
                {
                    float a = ar[j], p = gr[j];
                    // softplus(a) = max(a,0) - log(max(p, 1-p)): the log argument is in [0.5, 1], so no overflow.
                    s += xr[j] * a - MathF.Max(a, 0f) + MathF.Log(MathF.Max(p, 1f - p));
                    gr[j] = scale * (xr[j] - p);
                }
            }
            logp[r] = s;
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
        int d = x.Length / m;
        if (sigmoidMean) TensorPrimitives.Sigmoid(meanHead.Slice(0, rows * d), meanHead.Slice(0, rows * d));
        bool grad = !dMean.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice((r % m) * d, d);
            var mu = meanHead.Slice(r * d, d);
            var lv = logVar.Slice(r * d, d);
            double s = 0;
            for (int j = 0; j < d; j++)
            {
                float diff = xr[j] - mu[j];
                float prec = MathF.Exp(-lv[j]);
                float sq = diff * diff * prec;
                s -= HalfLog2Pi + 0.5 * (lv[j] + sq);
                if (grad)
                {
                    float dmu = diff * prec;
                    if (sigmoidMean) dmu *= mu[j] * (1f - mu[j]);
                    dMean[r * d + j] = scale * dmu;
                    dLogVar[r * d + j] = scale * 0.5f * (sq - 1f);
                }
            }
            logp[r] = s;
        }
    }

    static float SoftplusF(float a) => MathF.Max(a, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(a)));
}
