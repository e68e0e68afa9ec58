// The normal quantile function against reference values and the Fig. 4 inverse-CDF grid's shape and orientation.

namespace Vae.Tests.Runs;

public class NormalQuantileTests
{
    // Reference values: Python 3 statistics.NormalDist().inv_cdf(p) (also AS 241), printed with repr().
    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.975, 1.9599639845400536)]
    [InlineData(0.9, 1.2815515655446008)]
    [InlineData(0.25, -0.6744897501960817)]
    [InlineData(0.001, -3.090232306167813)]
    [InlineData(1e-10, -6.361340902404056)]
    [InlineData(0.999999999999, 7.0344869100478356)]
    public void Normal_quantile_matches_reference_values(double p, double expected) =>
        Assert.Equal(expected, NormalQuantile.Inverse(p), 1e-12);

    [Fact]
    public void Normal_quantile_is_antisymmetric_and_infinite_at_the_ends()
    {
        foreach (double p in new[] { 0.01, 0.2, 0.4, 0.49 })
            Assert.Equal(-NormalQuantile.Inverse(1 - p), NormalQuantile.Inverse(p), 1e-12);
        Assert.Equal(double.NegativeInfinity, NormalQuantile.Inverse(0));
        Assert.Equal(double.PositiveInfinity, NormalQuantile.Inverse(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalQuantile.Inverse(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalQuantile.Inverse(double.NaN));
    }

    [Fact]
    public void Inverse_cdf_grid_has_n_squared_points_with_z1_rising_rightwards_and_z2_rising_upwards()
    {
        const int n = 5;
        var z = NormalQuantile.InverseCdfGrid(n);
        Assert.Equal(n * n * 2, z.Length);
        // centre cell (2, 2) is the origin; (i + 0.5) / n = 0.9 at the last column, 0.1 at the first
        Assert.Equal(0f, z[(2 * n + 2) * 2], 6);
        Assert.Equal(0f, z[(2 * n + 2) * 2 + 1], 6);
        Assert.Equal((float)NormalQuantile.Inverse(0.9), z[(0 * n + 4) * 2], 6);     // top-right: z1 > 0
        Assert.Equal((float)NormalQuantile.Inverse(0.9), z[(0 * n + 4) * 2 + 1], 6); // top row: z2 > 0
        Assert.Equal((float)NormalQuantile.Inverse(0.1), z[(4 * n + 0) * 2 + 1], 6); // bottom row: z2 < 0
        for (int r = 0; r < n; r++)
        for (int c = 1; c < n; c++)
            Assert.True(z[(r * n + c) * 2] > z[(r * n + c - 1) * 2]);
    }
}
