// Test ladder rung 5: statistics. Closed-form KL vs its Monte Carlo estimate, and E[estimator A] = E[estimator B]
// (they differ only by log p(z) - log q(z|x) + KL, whose expectation under q is 0).

namespace Vae.Tests.Model;

public class EstimatorStatisticsTests
{
    const int L = 20_000;

    /// <summary>Both decoders: every statistic here is checked for each.</summary>
    public static TheoryData<Likelihood> BothDecoders => [Likelihood.Bernoulli, Likelihood.Gaussian];

    /// <summary>Mean and its standard error from the sum and the sum of squares of L samples.</summary>
    static (double Mean, double Se) MeanAndStdErr(double s, double s2)
    {
        double mean = s / L;
        return (mean, Math.Sqrt((s2 / L - mean * mean) / L));
    }

    static (Sgvb Sgvb, float[] Theta, float[] X, float[] Eps, int M) Draw(Likelihood lik)
    {
        var c = new ModelCase("stat", ModelCase.Spec1(lik, Activation.Tanh, false), Estimator.A, 2, L);
        var (theta, x, _) = c.Draw(21);
        var eps = new float[L * c.M * c.Spec.Dz];
        new Rng(22, RngStream.Noise).FillNormal(eps);
        return (new Sgvb(c.Spec, new ManagedBlas(), c.M, L), Tol.F(theta), Tol.F(x), eps, c.M);
    }

    [Theory]
    [MemberData(nameof(BothDecoders))]
    public void Closed_form_KL_agrees_with_its_Monte_Carlo_estimate(Likelihood lik)
    {
        var (sgvb, theta, x, eps, m) = Draw(lik);
        sgvb.Forward(theta, x, m, eps, L, Estimator.A, prepareBackward: false);
        var z = sgvb.Z; int dz = z.Length / (L * m);
        var mu = sgvb.Model.Mu; var lv = sgvb.Model.LogVar;
        for (int i = 0; i < m; i++)
        {
            // per-sample log q - log p; their mean estimates KL
            double s = 0, s2 = 0;
            for (int l = 0; l < L; l++)
            {
                double d = 0;
                for (int j = 0; j < dz; j++)
                {
                    double zj = z[(l * m + i) * dz + j], e = eps[(l * m + i) * dz + j];
                    d += -0.5 * (lv[i * dz + j] + e * e) + 0.5 * zj * zj;
                }
                s += d; s2 += d * d;
            }
            var (mean, se) = MeanAndStdErr(s, s2);
            Assert.True(Math.Abs(mean - sgvb.Kl[i]) < 4 * se + 1e-6, $"datapoint {i}: MC KL {mean} +- {se} vs closed form {sgvb.Kl[i]}");
            Assert.True(Math.Abs(sgvb.LogQz[i] - sgvb.LogPz[i] - mean) < 1e-6 * (1 + Math.Abs(mean)), "LogQz - LogPz must be the same MC average");
        }
    }

    [Theory]
    [MemberData(nameof(BothDecoders))]
    public void Estimators_A_and_B_have_the_same_expectation(Likelihood lik)
    {
        var (sgvb, theta, x, eps, m) = Draw(lik);
        sgvb.Forward(theta, x, m, eps, L, Estimator.B, prepareBackward: false);
        var b = sgvb.Elbo.ToArray();
        sgvb.Forward(theta, x, m, eps, L, Estimator.A, prepareBackward: false);
        var a = sgvb.Elbo.ToArray();
        var lw = sgvb.LogWeights;
        for (int i = 0; i < m; i++)
        {
            // standard error of A - B per datapoint from the per-sample differences logw - logpxz_l + KL
            double s = 0, s2 = 0;
            for (int l = 0; l < L; l++) { double d = lw[l * m + i]; s += d; s2 += d * d; }
            var (_, se) = MeanAndStdErr(s, s2);
            Assert.True(Math.Abs(a[i] - b[i]) < 4 * se, $"datapoint {i}: A {a[i]} vs B {b[i]}, se {se}");
            Assert.True(se > 0 && se < 0.5, $"standard error {se} must be small for the test to mean something");
        }
    }
}
