// HMC leaves known targets invariant: a correlated 2-D Gaussian and the exact posterior of the linear-Gaussian oracle
// (probabilistic PCA) are reproduced in mean and covariance within Monte Carlo error, from many independent seeded chains.
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;

namespace Vae.Tests.Inference;

public class HmcTests
{
    /// <summary>N(mean, cov) in 2-D: sigma = (1, 0.3), correlation 0.9 (condition number ~ 200 in the precision).</summary>
    sealed class Gaussian2D : ILogDensity
    {
        public static readonly double[] Mean = [1.0, -2.0];
        public static readonly double[] Cov = [1.0, 0.27, 0.0 + 0.27, 0.09];
        readonly double _p00, _p01, _p11;
        public Gaussian2D()
        {
            double det = Cov[0] * Cov[3] - Cov[1] * Cov[2];
            (_p00, _p01, _p11) = (Cov[3] / det, -Cov[1] / det, Cov[0] / det);
        }
        public int Dim => 2;
        public void Evaluate(ReadOnlySpan<float> z, int rows, Span<double> logp, Span<float> grad)
        {
            for (int r = 0; r < rows; r++)
            {
                double a = z[2 * r] - Mean[0], b = z[2 * r + 1] - Mean[1];
                double ga = -(_p00 * a + _p01 * b), gb = -(_p01 * a + _p11 * b);
                logp[r] = 0.5 * (a * ga + b * gb);
                grad[2 * r] = (float)ga; grad[2 * r + 1] = (float)gb;
            }
        }
        /// <summary>Exact draws: mean + chol(cov) * N(0, I).</summary>
        public static void Draw(Span<float> z, int rows, Rng rng)
        {
            double l00 = Math.Sqrt(Cov[0]), l10 = Cov[1] / l00, l11 = Math.Sqrt(Cov[3] - l10 * l10);
            for (int r = 0; r < rows; r++)
            {
                double u = rng.NextNormal(), v = rng.NextNormal();
                z[2 * r] = (float)(Mean[0] + l00 * u); z[2 * r + 1] = (float)(Mean[1] + l10 * u + l11 * v);
            }
        }
    }

    /// <summary>Asserts sample mean and covariance of rows of z [n, 2] (independent draws) within k standard errors.</summary>
    static void AssertMoments(string what, ReadOnlySpan<float> z, int n, double[] mean, double[] cov, double k = 4.5)
    {
        double m0 = 0, m1 = 0;
        for (int r = 0; r < n; r++) { m0 += z[2 * r]; m1 += z[2 * r + 1]; }
        m0 /= n; m1 /= n;
        double c00 = 0, c01 = 0, c11 = 0;
        for (int r = 0; r < n; r++)
        {
            double a = z[2 * r] - m0, b = z[2 * r + 1] - m1;
            c00 += a * a; c01 += a * b; c11 += b * b;
        }
        c00 /= n - 1; c01 /= n - 1; c11 /= n - 1;
        double[] got = [m0, m1, c00, c01, c11];
        double[] want = [mean[0], mean[1], cov[0], cov[1], cov[3]];
        // Standard errors: sqrt(var/n) for means; sqrt((S_ii S_jj + S_ij^2)/n) for covariance entries.
        double[] se =
        [
            Math.Sqrt(cov[0] / n), Math.Sqrt(cov[3] / n),
            Math.Sqrt(2 * cov[0] * cov[0] / n), Math.Sqrt((cov[0] * cov[3] + cov[1] * cov[1]) / n), Math.Sqrt(2 * cov[3] * cov[3] / n),
        ];
        string[] names = ["mean[0]", "mean[1]", "cov[0,0]", "cov[0,1]", "cov[1,1]"];
        for (int i = 0; i < 5; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= k * se[i], $"{what} {names[i]}: {got[i]:F4} vs exact {want[i]:F4} (se {se[i]:F4})");
    }

    [Fact]
    public void Hmc_with_a_fixed_step_keeps_exact_draws_of_a_correlated_gaussian_exactly_distributed()
    {
        const int chains = 4000;
        var target = new Gaussian2D();
        var hmc = new Hmc(new HmcOptions(), 2, chains);
        var rng = new Rng(41, RngStream.Eval);
        var z = new float[chains * 2]; var step = new float[chains]; var lp = new double[chains];
        Gaussian2D.Draw(z, chains, rng);
        step.AsSpan().Fill(0.1f);
        double acc = 0;
        for (int t = 0; t < 15; t++) acc += hmc.Transition(target, z, step, lp, chains, rng, adapt: false);
        Assert.True(acc / 15 is > 0.5 and < 1.0, $"acceptance {acc / 15:F3}");
        AssertMoments("fixed-step HMC from the target", z, chains, Gaussian2D.Mean, Gaussian2D.Cov);
    }

    [Fact]
    public void Hmc_adapts_its_step_to_about_90_percent_acceptance_and_converges_from_a_far_start()
    {
        const int chains = 4000;
        var target = new Gaussian2D();
        var hmc = new Hmc(new HmcOptions(), 2, chains);
        var rng = new Rng(42, RngStream.Eval);
        var z = new float[chains * 2]; var step = new float[chains]; var lp = new double[chains];
        for (int r = 0; r < chains; r++) { z[2 * r] = 6f; z[2 * r + 1] = 4f; }
        step.AsSpan().Fill((float)hmc.Options.InitialStepSize);
        for (int t = 0; t < 80; t++) hmc.Transition(target, z, step, lp, chains, rng, adapt: true);
        double acc = 0;
        for (int t = 0; t < 20; t++) acc += hmc.Transition(target, z, step, lp, chains, rng, adapt: false);
        Assert.True(Math.Abs(acc / 20 - 0.9) < 0.05, $"acceptance after adaptation {acc / 20:F3}, target 0.9");
        AssertMoments("adapted HMC from (6, 4)", z, chains, Gaussian2D.Mean, Gaussian2D.Cov);
        // The target's log density at the returned states is reported (used by the Appendix D estimator).
        var check = new double[chains]; var g = new float[chains * 2];
        target.Evaluate(z, chains, check, g);
        Assert.Equal(check, lp);
    }

    [Fact]
    public void Hmc_on_the_linear_gaussian_vae_reproduces_its_exact_posterior()
    {
        var o = LinearGaussianOracleTests.Build();
        const int points = 2, chains = 800, rows = points * chains;
        var target = new JointDensity(o.Spec, new ManagedBlas(), rows);
        target.Condition(o.Theta, o.X, points);
        var hmc = new Hmc(new HmcOptions(), o.Spec.Dz, rows);
        var rng = new Rng(43, RngStream.Eval);
        var z = new float[rows * 2]; var step = new float[rows]; var lp = new double[rows];
        rng.FillNormal(z);
        step.AsSpan().Fill((float)hmc.Options.InitialStepSize);
        for (int t = 0; t < 50; t++) hmc.Transition(target, z, step, lp, rows, rng, adapt: true);
        for (int t = 0; t < 10; t++) hmc.Transition(target, z, step, lp, rows, rng, adapt: false);

        var model = new VaeModel(o.Spec, new ManagedBlas(), points, 1);
        model.Encode(o.Theta, o.X, points); // the oracle's encoder outputs the exact posterior mean
        double[] cov = [o.PostCov[0], o.PostCov[1], o.PostCov[1], o.PostCov[2]];
        for (int i = 0; i < points; i++)
        {
            var zi = new float[chains * 2];
            for (int c = 0; c < chains; c++) { zi[2 * c] = z[(c * points + i) * 2]; zi[2 * c + 1] = z[(c * points + i) * 2 + 1]; }
            AssertMoments($"posterior of x[{i}]", zi, chains, [model.Mu[2 * i], model.Mu[2 * i + 1]], cov);
        }
    }
}
