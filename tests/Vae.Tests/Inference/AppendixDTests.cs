// The Appendix D estimator against answers: the exact log p(x) of the linear-Gaussian oracle (probabilistic PCA), the
// importance-sampled estimate on a small trained VAE with Dz = 3, MCEM's marginal likelihood rising on 100 training
// points, and the refusal of large latent spaces.
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Tests.Inference;

public class AppendixDTests
{
    /// <summary>Mean and standard error of the paired differences a - b.</summary>
    static (double Mean, double Se) Paired(double[] a, double[] b)
    {
        var d = a.Zip(b, (u, v) => u - v).ToArray();
        double mean = d.Average();
        return (mean, Math.Sqrt(d.Sum(v => (v - mean) * (v - mean)) / (d.Length - 1) / d.Length));
    }

    [Fact]
    public void Appendix_d_and_importance_sampling_agree_with_the_exact_log_likelihood_of_the_oracle()
    {
        var o = LinearGaussianOracleTests.Build();
        const int n = 100;
        var x = o.X.AsSpan(0, n * o.Spec.D);
        var exact = o.ExactLogPx.AsSpan(0, n).ToArray();

        var hmc = new double[n];
        var r = new AppendixDEstimator(o.Spec, new ManagedBlas()).Estimate(o.Theta, x, new Rng(51, RngStream.Eval), hmc);
        Assert.Equal(n, r.N); Assert.Equal(400, r.K);
        Assert.True(Math.Abs(r.Acceptance - 0.9) < 0.08, $"HMC acceptance {r.Acceptance:F3}");
        var (dh, seh) = Paired(hmc, exact);
        Assert.True(Math.Abs(dh) <= 3 * seh + 0.01, $"Appendix D - exact = {dh:F4} (se {seh:F4})");
        Assert.True(seh < 0.02, $"Appendix D standard error {seh:F4} is too loose to mean anything");

        var iw = new double[n];
        new Evaluator(o.Spec, new ManagedBlas(), batch: 100, kChunk: 250).LogLikelihood(o.Theta, x, 5000, new Rng(52, RngStream.Eval), iw);
        var (di, sei) = Paired(iw, exact);
        Assert.True(Math.Abs(di) <= 3 * sei + 0.01, $"IS - exact = {di:F4} (se {sei:F4})");
        Assert.Equal(r.LogPx, hmc.Average(), 9);
    }

    [Fact]
    public void Appendix_d_and_importance_sampling_agree_on_a_small_trained_vae_with_three_latents()
    {
        var data = WakeSleepTests.Manifold(400, 5);
        var t = new Trainer(WakeSleepTests.Small(TrainingMethod.Aevb, seed: 5, dz: 3), new ManagedBlas(), data);
        t.TrainSteps(1000);
        const int n = 40;
        var x = data.Test.X.AsSpan(0, n * data.Test.D);
        var spec = t.Options.Model;
        var hmc = new double[n]; var iw = new double[n];
        var r = new AppendixDEstimator(spec, new ManagedBlas()).Estimate(t.Theta, x, new Rng(53, RngStream.Eval), hmc);
        new Evaluator(spec, new ManagedBlas(), batch: 40, kChunk: 250).LogLikelihood(t.Theta, x, 5000, new Rng(54, RngStream.Eval), iw);
        var (d, se) = Paired(hmc, iw);
        Assert.True(hmc.All(double.IsFinite), "non-finite Appendix D estimate");
        Assert.True(Math.Abs(d) <= 3 * se + 0.05, $"Appendix D {hmc.Average():F3} vs IS {iw.Average():F3}: difference {d:F4} (se {se:F4}), acceptance {r.Acceptance:F3}");
        double elbo = t.TestElbo(n).Elbo;
        Assert.True(iw.Average() > elbo && hmc.Average() > elbo, $"both estimates ({hmc.Average():F3}, {iw.Average():F3}) should exceed the ELBO {elbo:F3}");
    }

    [Fact]
    public void Mcem_marginal_likelihood_on_100_training_points_is_finite_and_improves()
    {
        var data = WakeSleepTests.Manifold(100, 6);
        var o = WakeSleepTests.Small(TrainingMethod.Mcem, seed: 6);
        var t = new Trainer(o, new ManagedBlas(), data);
        var est = new AppendixDEstimator(o.Model, new ManagedBlas(), new AppendixDOptions { Samples = 60, Chains = 2, BurnIn = 60 });
        var x = t.Data.Train.X;
        double before = est.Estimate(t.Theta, x, new Rng(55, RngStream.Eval)).LogPx;
        t.TrainSteps(300); // 60 epochs of 5 minibatches, 1,500 decoder updates
        var after = est.Estimate(t.Theta, x, new Rng(55, RngStream.Eval));
        Assert.True(double.IsFinite(before) && double.IsFinite(after.LogPx), $"log p(x) {before} -> {after.LogPx}");
        Assert.True(after.LogPx > before + 2, $"MCEM training log p(x) {before:F3} -> {after.LogPx:F3} (se {after.StdErr:F3}) should improve");
    }

    [Fact]
    public void A_large_latent_space_is_refused_with_what_to_use_instead()
    {
        var spec = new ModelSpec { D = 784, Dz = 200 };
        var ex = Assert.Throws<ArgumentException>(() => new AppendixDEstimator(spec, new ManagedBlas()));
        Assert.Contains("Dz = 200", ex.Message);
        Assert.Contains("--estimator is", ex.Message);
    }
}
