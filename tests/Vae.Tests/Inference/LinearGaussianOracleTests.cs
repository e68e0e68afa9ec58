// Evaluation against a model with a known answer: a linear-Gaussian VAE (probabilistic PCA: x = c + z A + noise,
// noise ~ N(0, diag psi)) has exact log p(x) = log N(x; c, A^T A + diag psi). The importance-sampled estimate must
// converge to it, the ELBO must stay below it, and the bound must grow with K (pythae's sign bug would fail here).

namespace Vae.Tests.Inference;

public class LinearGaussianOracleTests
{
    internal const int D = 5, Dz = 2, H = 3, N = 200;

    /// <summary>PostCov: the exact posterior covariance S (the same for every x) as [s00, s01, s11]; the encoder's Mu is
    /// the exact posterior mean.</summary>
    internal sealed record Oracle(float[] Theta, ModelSpec Spec, float[] X, double[] ExactLogPx, double[] PostCov)
    {
        public double ExactMean => ExactLogPx.Average();
    }

    internal static Oracle Build()
    {
        var spec = new ModelSpec { D = D, Dz = Dz, EncoderHidden = [D], DecoderHidden = [H], Likelihood = Likelihood.Gaussian, SigmoidMean = false, Activation = Activation.Identity };
        var ps = new ParameterSet(ModelLayout.For(spec));
        var rng = new Rng(5, RngStream.Init);
        rng.FillNormal(ps["dec.0.W"], 0, 0.8f); rng.FillNormal(ps["dec.0.b"], 0, 0.5f);
        rng.FillNormal(ps["dec.mean.W"], 0, 0.8f); rng.FillNormal(ps["dec.mean.b"], 0, 0.5f);
        var psi = new double[D];
        for (int j = 0; j < D; j++) { psi[j] = 0.1 + 0.4 * rng.NextDouble(); ps["dec.logvar.b"][j] = (float)Math.Log(psi[j]); }
        // A = W1 W2 [Dz, D], c = b1 W2 + b2 [D] (computed from the float32 parameters, in double)
        var w1 = ps["dec.0.W"].ToArray(); var b1 = ps["dec.0.b"].ToArray(); var w2 = ps["dec.mean.W"].ToArray(); var b2 = ps["dec.mean.b"].ToArray();
        var a = new double[Dz, D]; var c = new double[D];
        for (int j = 0; j < D; j++)
        {
            c[j] = b2[j];
            for (int h = 0; h < H; h++) { c[j] += b1[h] * w2[h * D + j]; for (int i = 0; i < Dz; i++) a[i, j] += w1[i * H + h] * w2[h * D + j]; }
        }
        // Posterior covariance S = (I + A Psi^-1 A^T)^-1 [Dz, Dz]; proposal q = N(exact posterior mean, 2 lambda_max(S) I).
        double l00 = 1, l01 = 0, l11 = 1;
        for (int j = 0; j < D; j++) { l00 += a[0, j] * a[0, j] / psi[j]; l01 += a[0, j] * a[1, j] / psi[j]; l11 += a[1, j] * a[1, j] / psi[j]; }
        double det = l00 * l11 - l01 * l01;
        double s00 = l11 / det, s01 = -l01 / det, s11 = l00 / det;
        double lamMax = 0.5 * (s00 + s11) + Math.Sqrt(0.25 * (s00 - s11) * (s00 - s11) + s01 * s01);
        // Encoder: h = x (identity layer), mu = (x - c) Psi^-1 A^T S  ->  Wmu = Psi^-1 A^T S [D, Dz], bmu = -c Wmu.
        var encW = ps["enc.0.W"]; for (int j = 0; j < D; j++) encW[j * D + j] = 1;
        var wmu = ps["enc.mu.W"]; var bmu = ps["enc.mu.b"];
        for (int j = 0; j < D; j++)
        {
            double t0 = a[0, j] / psi[j], t1 = a[1, j] / psi[j];
            wmu[j * Dz + 0] = (float)(t0 * s00 + t1 * s01);
            wmu[j * Dz + 1] = (float)(t0 * s01 + t1 * s11);
        }
        for (int i = 0; i < Dz; i++) { double s = 0; for (int j = 0; j < D; j++) s -= c[j] * wmu[j * Dz + i]; bmu[i] = (float)s; }
        ps["enc.logvar.b"].Fill((float)Math.Log(2 * lamMax));

        // Data from the model, and exact log N(x; c, C) with C = A^T A + diag psi via Cholesky.
        var cov = new double[D, D];
        for (int p = 0; p < D; p++) for (int q = 0; q < D; q++) { double s = p == q ? psi[p] : 0; for (int i = 0; i < Dz; i++) s += a[i, p] * a[i, q]; cov[p, q] = s; }
        var chol = Cholesky(cov);
        double logDet = 0; for (int p = 0; p < D; p++) logDet += 2 * Math.Log(chol[p, p]);
        var x = new float[N * D]; var exact = new double[N]; var data = new Rng(6, RngStream.Split);
        for (int n = 0; n < N; n++)
        {
            double z0 = data.NextNormal(), z1 = data.NextNormal();
            for (int j = 0; j < D; j++) x[n * D + j] = (float)(c[j] + z0 * a[0, j] + z1 * a[1, j] + Math.Sqrt(psi[j]) * data.NextNormal());
            var r = new double[D]; // solve L y = (x - c): maha = |y|^2
            for (int p = 0; p < D; p++) { double s = x[n * D + p] - c[p]; for (int q = 0; q < p; q++) s -= chol[p, q] * r[q]; r[p] = s / chol[p, p]; }
            double maha = r.Sum(v => v * v);
            exact[n] = -0.5 * (D * Math.Log(2 * Math.PI) + logDet + maha);
        }
        return new Oracle(ps.Data, spec, x, exact, [s00, s01, s11]);
    }

    static double[,] Cholesky(double[,] a)
    {
        int n = a.GetLength(0); var l = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++)
        {
            double s = a[i, j]; for (int k = 0; k < j; k++) s -= l[i, k] * l[j, k];
            l[i, j] = i == j ? Math.Sqrt(s) : s / l[j, j];
        }
        return l;
    }

    [Fact]
    public void Importance_sampled_log_px_converges_to_the_exact_value_at_K_5000()
    {
        var o = Build();
        var eval = new Evaluator(o.Spec, new ManagedBlas(), batch: 100, kChunk: 250);
        var r = eval.LogLikelihood(o.Theta, o.X, 5000, new Rng(7, RngStream.Eval));
        Assert.Equal(5000, r.K); Assert.Equal(N, r.N);
        Assert.True(Math.Abs(r.LogPx - o.ExactMean) < 0.05, $"IS log p(x) {r.LogPx:F4} vs exact {o.ExactMean:F4}");
        var fast = new ImportanceSampler(o.Spec, new ManagedBlas(2), batch: 100, kChunk: 250).LogLikelihood(o.Theta, o.X, 5000, new Rng(7, RngStream.Eval));
        Assert.True(Math.Abs(fast.LogPx - o.ExactMean) < 0.05, $"parallel IS log p(x) {fast.LogPx:F4} vs exact {o.ExactMean:F4}");
    }

    [Fact]
    public void Importance_sampling_reports_progress_per_minibatch_and_the_same_numbers_as_without()
    {
        var o = Build();
        var eval = new Evaluator(o.Spec, new ManagedBlas(), batch: 100, kChunk: 50);
        var calls = new List<(int Done, int Total)>();
        var with = eval.LogLikelihood(o.Theta, o.X, 200, new Rng(11, RngStream.Eval), progress: (d, t) => calls.Add((d, t)));
        var without = eval.LogLikelihood(o.Theta, o.X, 200, new Rng(11, RngStream.Eval));
        Assert.Equal(without.LogPx, with.LogPx);
        var expected = Enumerable.Range(0, (N + 99) / 100 + 1).Select(b => (Math.Min(b * 100, N), N)).ToList();
        Assert.Equal(expected, calls);
    }

    [Fact]
    public void Elbo_never_exceeds_the_exact_log_likelihood_and_the_bound_grows_with_K()
    {
        var o = Build();
        var eval = new Evaluator(o.Spec, new ManagedBlas(), batch: 100, kChunk: 100);
        var elbo = eval.Elbo(o.Theta, o.X, new Rng(8, RngStream.Eval), l: 100, est: Estimator.B);
        Assert.True(elbo.Elbo + 3 * elbo.StdErr < o.ExactMean, $"ELBO {elbo.Elbo:F4} vs exact {o.ExactMean:F4}");
        double prev = double.NegativeInfinity;
        foreach (int k in new[] { 1, 10, 100, 1000 })
        {
            // The same noise stream for every K keeps the comparison paired; the expected bound is monotone in K.
            double v = eval.LogLikelihood(o.Theta, o.X, k, new Rng(9, RngStream.Eval)).LogPx;
            Assert.True(v > prev - 0.005, $"bound at K={k} ({v:F4}) fell below the previous K ({prev:F4})");
            Assert.True(v < o.ExactMean + 0.02, $"bound at K={k} ({v:F4}) exceeds exact log p(x) ({o.ExactMean:F4})");
            prev = v;
        }
        Assert.True(prev - elbo.Elbo > 0.05, $"K=1000 bound {prev:F4} should clearly beat the ELBO {elbo.Elbo:F4} here");
    }

    [Fact]
    public void Active_units_count_latents_whose_posterior_mean_varies()
    {
        var o = Build();
        var eval = new Evaluator(o.Spec, new ManagedBlas());
        var d = eval.Diagnose(o.Theta, o.X);
        Assert.Equal(2, d.ActiveUnits);
        // Collapse one unit: its posterior mean becomes constant, KL of that unit becomes that of a fixed Gaussian.
        var theta = (float[])o.Theta.Clone(); var layout = ModelLayout.For(o.Spec);
        var w = layout["enc.mu.W"]; for (int j = 0; j < D; j++) theta[w.Offset + j * Dz + 1] = 0;
        var collapsed = eval.Diagnose(theta, o.X);
        Assert.Equal(1, collapsed.ActiveUnits);
        Assert.True(collapsed.PosteriorMeanVariance[1] < 1e-10, $"variance {collapsed.PosteriorMeanVariance[1]}");
    }
}
