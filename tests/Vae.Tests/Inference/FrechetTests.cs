// The Fréchet distance and its inputs: a set against itself is 0, closed forms for Gaussians (diagonal, 1-D, and a general
// pair through the eigenvalues of Σa Σb), symmetry, growth with a shift, the feature statistics, and the label distribution.
using MathNet.Numerics.LinearAlgebra;
using Vae.Core.Inference;
using Vae.Core.Numerics;

namespace Vae.Tests.Inference;

public class FrechetTests
{
    static Matrix<double> M(double[,] a) => Matrix<double>.Build.DenseOfArray(a);
    static Vector<double> V(params double[] a) => Vector<double>.Build.DenseOfArray(a);
    static FeatureStats G(Vector<double> mean, Matrix<double> cov) => new(mean, cov, 100);

    /// <summary>Correlated features [n, f]: x = A z + mean with z ~ N(0, I), so the covariance is full and not diagonal.</summary>
    static float[] Correlated(ulong seed, int n, int f, double shift = 0)
    {
        var rng = new Rng(seed, RngStream.Eval);
        var a = new double[f, f];
        var mix = new Rng(99, RngStream.Init);
        for (int i = 0; i < f; i++) for (int j = 0; j < f; j++) a[i, j] = (i == j ? 1 : 0) + 0.4 * mix.NextNormal();
        var x = new float[n * f]; var z = new double[f];
        for (int r = 0; r < n; r++)
        {
            for (int j = 0; j < f; j++) z[j] = rng.NextNormal();
            for (int i = 0; i < f; i++) { double s = shift + 0.1 * i; for (int j = 0; j < f; j++) s += a[i, j] * z[j]; x[r * f + i] = (float)s; }
        }
        return x;
    }

    [Fact]
    public void A_set_against_itself_is_zero()
    {
        var s = FeatureStats.Of(Correlated(1, 2000, 12), 2000, 12);
        double d = Frechet.Distance(s, s);
        Assert.True(Math.Abs(d) < 1e-9 * s.Covariance.Trace(), $"d(S, S) = {d}");
    }

    [Fact]
    public void Diagonal_gaussians_have_the_closed_form()
    {
        // Commuting covariances: d² = |μa - μb|² + Σ (√a_i - √b_i)².
        var a = G(V(0, 1, 2), M(new double[,] { { 4, 0, 0 }, { 0, 1, 0 }, { 0, 0, 9 } }));
        var b = G(V(1, 1, 0), M(new double[,] { { 1, 0, 0 }, { 0, 4, 0 }, { 0, 0, 9 } }));
        double expected = (1 + 0 + 4) + (1 + 1 + 0);
        Assert.Equal(expected, Frechet.Distance(a, b), 10);
        // One dimension: (μa - μb)² + (σa - σb)².
        Assert.Equal(9.0 + 1.0, Frechet.Distance(G(V(0), M(new double[,] { { 4 } })), G(V(3), M(new double[,] { { 9 } }))), 10);
    }

    [Fact]
    public void General_gaussians_match_the_eigenvalues_of_the_covariance_product()
    {
        // tr (Σa^½ Σb Σa^½)^½ = Σ √λ_i(Σa Σb): the product is similar to a PSD matrix, so its eigenvalues are real and >= 0.
        // This route (a non-symmetric eigen-solve of Σa Σb) shares nothing with the implementation's two symmetric roots.
        var sa = FeatureStats.Of(Correlated(2, 3000, 6), 3000, 6);
        var sb = FeatureStats.Of(Correlated(3, 3000, 6, shift: 0.5), 3000, 6);
        var prod = sa.Covariance * sb.Covariance;
        double trRoot = prod.Evd().EigenValues.Sum(l => Math.Sqrt(Math.Max(l.Real, 0)));
        double expected = (sa.Mean - sb.Mean).DotProduct(sa.Mean - sb.Mean) + sa.Covariance.Trace() + sb.Covariance.Trace() - 2 * trRoot;
        Assert.Equal(expected, Frechet.Distance(sa, sb), 8);
    }

    [Fact]
    public void It_is_symmetric_and_grows_with_a_shift()
    {
        var x = Correlated(4, 1500, 8);
        var base0 = FeatureStats.Of(x, 1500, 8);
        var other = FeatureStats.Of(Correlated(5, 1500, 8), 1500, 8);
        Assert.Equal(Frechet.Distance(base0, other), Frechet.Distance(other, base0), 8);
        double previous = -1;
        foreach (double shift in new[] { 0.0, 0.25, 0.5, 1, 2 })
        {
            var moved = FeatureStats.Of(x.Select(v => v + (float)shift).ToArray(), 1500, 8);
            double d = Frechet.Distance(base0, moved);
            Assert.True(d > previous, $"shift {shift}: d = {d} not above {previous}");
            // The same covariance shifted by c in every one of f coordinates: d² = f c² exactly (float32 data: ~1e-5).
            Assert.True(Math.Abs(d - 8 * shift * shift) < 1e-4 * (1 + d), $"shift {shift}: d = {d}, expected {8 * shift * shift}");
            previous = d;
        }
    }

    [Fact]
    public void Feature_statistics_are_the_sample_mean_and_unbiased_covariance()
    {
        float[] x = [1, 2, 3, 6, 5, 10]; // rows (1,2), (3,6), (5,10)
        var s = FeatureStats.Of(x, 3, 2);
        Assert.Equal(3.0, s.Mean[0], 12); Assert.Equal(6.0, s.Mean[1], 12);
        Assert.Equal(4.0, s.Covariance[0, 0], 12); Assert.Equal(8.0, s.Covariance[0, 1], 12);
        Assert.Equal(8.0, s.Covariance[1, 0], 12); Assert.Equal(16.0, s.Covariance[1, 1], 12);
        Assert.Throws<ArgumentException>(() => FeatureStats.Of(x, 1, 2));
        Assert.Throws<ArgumentException>(() => Frechet.Distance(s, FeatureStats.Of(x, 2, 3)));
    }

    [Fact]
    public void Label_distribution_entropy_and_kl_to_uniform()
    {
        // 4 rows over 2 classes, argmax 0, 1, 1, 1.
        float[] p = [0.9f, 0.1f, 0.2f, 0.8f, 0.4f, 0.6f, 0f, 1f];
        var d = LabelDistribution.OfArgmax(p, 4, 2);
        Assert.Equal([0.25, 0.75], d.Fractions);
        double h = -(0.25 * Math.Log(0.25) + 0.75 * Math.Log(0.75));
        Assert.Equal(h, d.Entropy, 12);
        Assert.Equal(Math.Log(2) - h, d.KlToUniform, 12);
        var one = LabelDistribution.OfArgmax([1f, 0f, 0f, 1f, 0f, 0f], 2, 3);
        Assert.Equal(0.0, one.Entropy, 12);
        Assert.Equal(Math.Log(3), one.KlToUniform, 12);
    }
}
