// Update rules against their textbook definitions in double, step by step, and the weight prior's per-datapoint scale.

namespace Vae.Tests.Training;

public class OptimizerTests
{
    static readonly float[] G1 = [0.5f, -1.5f, 2f, 0f, 1e-3f, -3f, 0.25f, 0.7f, -0.1f, 4f, 0.3f]; // odd length: SIMD tail too
    static readonly float[] G2 = [-0.2f, 0.5f, 1f, 0.1f, -2e-3f, 1f, -0.25f, 0.1f, 0.4f, -1f, 0.2f];

    [Fact]
    public void Sgd_with_momentum_follows_v_equals_mu_v_plus_g_and_ascends()
    {
        var o = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.1, Momentum = 0.9 }, G1.Length, 10);
        var theta = new float[G1.Length];
        o.Step(theta, (float[])G1.Clone()); o.Step(theta, (float[])G2.Clone());
        for (int i = 0; i < theta.Length; i++)
        {
            double v1 = G1[i], v2 = 0.9 * v1 + G2[i];
            Assert.Equal(0.1 * v1 + 0.1 * v2, theta[i], 1e-6);
        }
    }

    [Fact]
    public void Adagrad_divides_by_the_root_of_the_summed_squared_gradients()
    {
        var o = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Adagrad, LearningRate = 0.02, Epsilon = 1e-10 }, G1.Length, 10);
        var theta = new float[G1.Length];
        o.Step(theta, (float[])G1.Clone()); o.Step(theta, (float[])G2.Clone());
        for (int i = 0; i < theta.Length; i++)
        {
            double s1 = G1[i] * (double)G1[i], s2 = s1 + G2[i] * (double)G2[i];
            double expected = 0.02 * G1[i] / (Math.Sqrt(s1) + 1e-10) + 0.02 * G2[i] / (Math.Sqrt(s2) + 1e-10);
            Assert.Equal(expected, theta[i], 1e-6);
        }
    }

    [Fact]
    public void Adam_matches_the_bias_corrected_rule_in_double()
    {
        var o = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = 0.01 }, G1.Length, 10);
        var theta = new float[G1.Length];
        o.Step(theta, (float[])G1.Clone()); o.Step(theta, (float[])G2.Clone());
        for (int i = 0; i < theta.Length; i++)
        {
            double m = 0, v = 0, th = 0; int t = 0;
            foreach (double g in new double[] { G1[i], G2[i] })
            {
                t++; m = 0.9 * m + 0.1 * g; v = 0.999 * v + 0.001 * g * g;
                th += 0.01 * (m / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v / (1 - Math.Pow(0.999, t))) + 1e-8);
            }
            Assert.Equal(th, theta[i], 1e-5);
        }
    }

    [Fact]
    public void Weight_prior_pulls_parameters_to_zero_scaled_per_datapoint()
    {
        const int n = 50;
        var o = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.5, WeightPrior = 1.0 }, 3, n);
        float[] theta = [2f, -4f, 0f];
        o.Step(theta, new float[3]); // zero likelihood gradient: only the prior acts, gradient -theta / N
        Assert.Equal(2f - 0.5f * 2f / n, theta[0], 1e-6f);
        Assert.Equal(-4f + 0.5f * 4f / n, theta[1], 1e-6f);
        Assert.Equal(0f, theta[2]);
    }

    [Theory]
    [InlineData(-1.0, "learning rate")]
    [InlineData(0.0, "learning rate")]
    [InlineData(double.NaN, "learning rate")]
    public void Nonsense_learning_rates_are_rejected_with_the_value(double lr, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => new OptimizerOptions { LearningRate = lr }.Validate());
        Assert.Contains(expected, ex.Message);
    }
}
