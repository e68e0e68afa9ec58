// The vectorised optimizer loops against the scalar float32 formula written out per element: they must agree bit for
// bit (same operations, same order, no fused multiply-add), on lengths that exercise both vector widths and the tail.

namespace Vae.Tests.Training;

public class UpdateRuleTests
{
    static readonly int[] Lengths = [0, 1, 7, 15, 16, 17, 33, 784, 1001];

    static float[] Draw(int n, ulong seed, float std)
    {
        var v = new float[n]; new Rng(seed, RngStream.Eval).FillNormal(v, 0f, std); return v;
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.0)]
    [InlineData(OptimizerKind.Sgd, 1.0)]
    [InlineData(OptimizerKind.Adagrad, 0.0)]
    [InlineData(OptimizerKind.Adagrad, 1.0)]
    [InlineData(OptimizerKind.Adam, 0.0)]
    [InlineData(OptimizerKind.Adam, 1.0)]
    public void Vectorised_updates_equal_the_scalar_float_formula_bit_for_bit(OptimizerKind kind, double prior)
    {
        foreach (int n in Lengths)
        {
            var o = new OptimizerOptions { Kind = kind, LearningRate = 0.01, Momentum = 0.9, WeightPrior = prior };
            var opt = new Optimizer(o, n, 100);
            var theta = Draw(n, 1, 0.5f); var want = (float[])theta.Clone();
            var s1 = new float[n]; var s2 = new float[n];
            float lr = 0.01f, eps = (float)o.Epsilon, b1 = 0.9f, b2 = 0.999f, ps = (float)(prior / 100);
            for (int step = 1; step <= 3; step++)
            {
                var grad = Draw(n, (ulong)(10 + step), 1f); var g = (float[])grad.Clone();
                opt.Step(theta, grad);
                float stepSize = lr / (float)(1 - Math.Pow(0.9, step)), invBc2 = 1f / (float)Math.Sqrt(1 - Math.Pow(0.999, step));
                for (int i = 0; i < n; i++)
                {
                    float gi = g[i];
                    if (ps != 0f) gi -= ps * want[i];
                    switch (kind)
                    {
                        case OptimizerKind.Sgd: s1[i] = 0.9f * s1[i] + gi; want[i] += lr * s1[i]; break;
                        case OptimizerKind.Adagrad: s1[i] += gi * gi; want[i] += lr * gi / (MathF.Sqrt(s1[i]) + eps); break;
                        default:
                            s1[i] = b1 * s1[i] + (1 - b1) * gi; s2[i] = b2 * s2[i] + (1 - b2) * gi * gi;
                            want[i] += stepSize * s1[i] / (MathF.Sqrt(s2[i]) * invBc2 + eps);
                            break;
                    }
                    Assert.True(ps == 0f || grad[i] == gi, $"{kind} n={n}: the prior term was not written back to grad[{i}]");
                }
                for (int i = 0; i < n; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(theta[i]),
                                $"{kind} prior={prior} n={n} step {step}: theta[{i}] = {theta[i]:G9}, scalar formula {want[i]:G9}");
            }
        }
    }
}
