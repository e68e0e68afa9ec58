// The fused likelihood kernels (log p(x|z) per row + gradient in one pass) against scalar double formulas on awkward
// widths (SIMD body + padded tail), with sample-major broadcasting of x, extreme logits / log-variances and NaN.
using static Vae.Tests.Numerics.KernelTests;

namespace Vae.Tests.Numerics;

public class LikelihoodKernelTests
{
    const int M = 3, L = 2; // rows = L*M, row r pairs with x[r % M]
    const float Scale = 0.125f;

    static float[] Binary(int n, ulong seed)
    {
        var v = new float[n]; var r = new Rng(seed, RngStream.Eval);
        for (int i = 0; i < n; i++) v[i] = r.NextDouble() < 0.4 ? 1 : 0;
        if (n > 2) v[n - 1] = 0.3f; // a grey level: the kernel must not assume x is 0/1
        return v;
    }

    [Theory]
    [MemberData(nameof(LengthData), MemberType = typeof(KernelTests))]
    public void Bernoulli_log_likelihood_and_gradient_match_double_on_awkward_widths(int d)
    {
        var x = Binary(M * d, 1); var a = Values(L * M * d, 2, 4f);
        var logp = new double[L * M]; var g = new float[L * M * d];
        Likelihoods.Bernoulli(x, M, a, L * M, logp, g, Scale);
        var logpNoGrad = new double[L * M];
        Likelihoods.Bernoulli(x, M, a, L * M, logpNoGrad, Span<float>.Empty, Scale);
        for (int r = 0; r < L * M; r++)
        {
            double s = 0, mag = 0;
            for (int j = 0; j < d; j++)
            {
                double av = a[r * d + j], xv = x[(r % M) * d + j];
                double sp = Math.Max(av, 0) + Log1p(Math.Exp(-Math.Abs(av)));
                double p = 1 / (1 + Math.Exp(-av));
                s += xv * av - sp; mag += Math.Abs(xv * av) + sp;
                Near($"dLogits d={d} row {r}", j, Scale * (xv - p), g[r * d + j], 3e-7 * Scale);
            }
            Near($"logp d={d}", r, s, logp[r], 3e-7 * mag + 1e-12);
            Near($"logp (no gradient) d={d}", r, s, logpNoGrad[r], 3e-7 * mag + 1e-12);
        }
    }

    [Fact]
    public void Bernoulli_at_logits_of_plus_minus_100_is_finite_and_exact()
    {
        const int d = 17;
        var x = new float[d]; var a = new float[d];
        for (int j = 0; j < d; j++) { a[j] = j % 2 == 0 ? 100f : -100f; x[j] = j % 4 < 2 ? 1 : 0; }
        var logp = new double[1]; var g = new float[d];
        Likelihoods.Bernoulli(x, 1, a, 1, logp, g, 1f);
        double want = 0;
        for (int j = 0; j < d; j++) want += x[j] * a[j] - (Math.Max(a[j], 0) + Math.Exp(-100.0)); // log1p(e^-100) = e^-100
        Assert.True(double.IsFinite(logp[0]), $"logp = {logp[0]}");
        Near("logp at +/-100", 0, want, logp[0], 1e-9);
        for (int j = 0; j < d; j++) Near("dLogits at +/-100", j, x[j] - 1 / (1 + Math.Exp(-(double)a[j])), g[j], 1e-7);
    }

    [Fact]
    public void A_NaN_logit_makes_its_row_and_its_gradient_NaN_and_nothing_else()
    {
        const int d = 33;
        var x = Binary(M * d, 3); var a = Values(M * d, 4, 2f);
        a[1 * d + 32] = float.NaN; // row 1, in the padded tail
        var logp = new double[M]; var g = new float[M * d];
        Likelihoods.Bernoulli(x, M, a, M, logp, g, 1f);
        Assert.True(double.IsNaN(logp[1]) && float.IsNaN(g[1 * d + 32]), "the NaN logit was silently absorbed");
        Assert.True(double.IsFinite(logp[0]) && double.IsFinite(logp[2]), "NaN leaked into other rows");
        Assert.True(g.Where((_, i) => i != 1 * d + 32).All(float.IsFinite), "NaN leaked into other gradients");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gaussian_log_likelihood_mean_and_gradients_match_double(bool sigmoidMean)
    {
        foreach (int d in Lengths)
        {
            var x = Values(M * d, 5, 1f).Select(v => sigmoidMean ? 1 / (1 + MathF.Exp(-v)) : v).ToArray();
            var head = Values(L * M * d, 6, 2f); var s = Values(L * M * d, 7, 1f).Select(v => Math.Clamp(v, -6f, 6f)).ToArray();
            var mean = (float[])head.Clone();
            var logp = new double[L * M]; var gm = new float[L * M * d]; var gs = new float[L * M * d];
            Likelihoods.Gaussian(x, M, mean, s, L * M, sigmoidMean, logp, gm, gs, Scale);
            var gmMax = 0.0;
            var want = new double[L * M * d];
            for (int r = 0; r < L * M; r++)
            {
                double sum = 0, mag = 0;
                for (int j = 0; j < d; j++)
                {
                    int i = r * d + j;
                    double a = head[i], mu = sigmoidMean ? 1 / (1 + Math.Exp(-a)) : a, slope = sigmoidMean ? mu * (1 - mu) : 1;
                    double diff = x[(r % M) * d + j] - mu, prec = Math.Exp(-s[i]), sq = diff * diff * prec;
                    sum += -0.5 * (Math.Log(2 * Math.PI) + s[i] + sq); mag += 0.5 * (Math.Abs(s[i]) + sq) + 1;
                    Near($"mean d={d}", i, mu, mean[i], 2.4e-7 * Math.Abs(mu) + 1.5e-45); // + one denormal step (a = -100)
                    Near($"dLogVar d={d}", i, Scale * 0.5 * (sq - 1), gs[i], 1e-6 * Scale * (sq + 1));
                    want[i] = Scale * diff * prec * slope; gmMax = Math.Max(gmMax, Math.Abs(want[i]));
                }
                Near($"logp d={d}", r, sum, logp[r], 3e-7 * mag);
            }
            // (x - mean) cancels when the mean is computed in float, so the mean gradient is held to the tensor's scale.
            for (int i = 0; i < want.Length; i++) Near($"dMean d={d}", i, want[i], gm[i], 1e-6 * gmMax + 1e-30);
        }
    }

    [Fact]
    public void Gaussian_with_log_variance_of_plus_minus_100_stays_finite_where_the_mean_is_hit()
    {
        const int d = 19;
        var head = new float[d]; var s = new float[d]; var x = new float[d];
        for (int j = 0; j < d; j++) { head[j] = j % 3 == 0 ? 100f : j % 3 == 1 ? -100f : 0.25f; s[j] = j % 2 == 0 ? -100f : 100f; }
        var mean = (float[])head.Clone();
        Likelihoods.Gaussian(x, 1, mean, s, 1, true, new double[1], new float[d], new float[d], 1f);
        for (int j = 0; j < d; j++) x[j] = mean[j]; // x exactly at the mean: (x - mean)^2 / sigma^2 = 0 even for sigma^2 = e^-100
        mean = (float[])head.Clone();
        var logp = new double[1]; var gm = new float[d]; var gs = new float[d];
        Likelihoods.Gaussian(x, 1, mean, s, 1, true, logp, gm, gs, 1f);
        double want = 0;
        for (int j = 0; j < d; j++) want += -0.5 * (Math.Log(2 * Math.PI) + s[j]);
        Near("logp", 0, want, logp[0], 1e-9);
        Assert.True(gm.All(v => v == 0) && gs.All(v => v == -0.5f), "gradients at the mean must be 0 (mean) and -1/2 (log-variance)");
    }
}
