// The run's PNG figures: reconstructions (input beside output), prior samples (paper Fig. 5), and for Dz = 2 the
// learned manifold on the inverse-CDF grid (paper Fig. 4) and a scatter of test-set posterior means by label.
// Owns: choosing z for each figure and turning decoder heads into means. Must not: train, or lay pixels out (ImageGrid does).

namespace Vae.Core.Runs;

/// <summary>Renders a trained model's figures into PNG files.</summary>
public static class RunFigures
{
    /// <summary>File names inside a run folder.</summary>
    public const string Reconstructions = "reconstructions.png", Samples = "samples.png", Manifold = "manifold.png", Scatter = "latent-scatter.png";

    const int Batch = 100;

    /// <summary>
    /// Writes every figure that applies to spec into folder; returns the file paths. theta: parameters [P];
    /// test: the prepared test split (reconstructions show its first 32 rows, encoded to their posterior means and decoded;
    /// the scatter shows its posterior means); seed: seeds the prior samples; scatterLimit: at most this many test rows
    /// in the scatter (0 = all).
    /// </summary>
    public static IReadOnlyList<string> WriteAll(RunFolder folder, ModelSpec spec, ReadOnlySpan<float> theta, ImageSet test, IBlas blas,
                                                 ulong seed, int scatterLimit = 0)
    {
        var files = new List<string>();
        var model = new VaeModel(spec, blas, Batch, 400);
        int h = test.Rows, w = test.Cols;
        if (test.N > 0)
        {
            int n = Math.Min(32, test.N);
            var x = test.X.AsSpan(0, n * spec.D);
            var recon = new float[n * spec.D]; // [n, D]
            model.Encode(theta, x, n);
            DecodeMeans(model, theta, model.Mu[..(n * spec.Dz)], n, recon);
            files.Add(folder.File(Reconstructions));
            ImageGrid.SavePairs(files[^1], x, recon, h, w, pairsPerRow: 8, scale: 2);
        }
        files.Add(folder.File(Samples));
        SaveSamples(files[^1], model, theta, 100, seed, h, w);
        if (spec.Dz == 2)
        {
            const int grid = 20;
            var z = NormalQuantile.InverseCdfGrid(grid); // [grid*grid, 2]
            var means = new float[grid * grid * spec.D];
            DecodeMeans(model, theta, z, grid * grid, means);
            files.Add(folder.File(Manifold));
            ImageGrid.SaveTile(files[^1], means, h, w, grid, scale: 1);
            if (test.N > 0)
            {
                int n = scatterLimit > 0 ? Math.Min(scatterLimit, test.N) : test.N;
                var mu = PosteriorMeans(model, theta, test.X.AsSpan(0, n * spec.D), n); // [n, 2]
                files.Add(folder.File(Scatter));
                ScatterPlot.Save(files[^1], mu, test.Labels is null ? [] : test.Labels.AsSpan(0, n));
            }
        }
        return files;
    }

    /// <summary>Most images one sample grid holds (20 x 20): beyond that a picture stops being readable.</summary>
    public const int MaxGridImages = 400;

    /// <summary>Columns of a sample grid of <paramref name="n"/> images: 10 up to 100 images, else 20 (rows wrap).</summary>
    public static int GridColumns(int n) => n <= 100 ? 10 : 20;

    /// <summary>Decodes <paramref name="n"/> draws z ~ N(0, I) (at most <see cref="MaxGridImages"/>) and writes their decoder
    /// means as a grid of <see cref="GridColumns"/> columns (paper Fig. 5).</summary>
    public static void SaveSamples(string path, VaeModel model, ReadOnlySpan<float> theta, int n, ulong seed, int imageHeight, int imageWidth)
    {
        if (n < 1 || n > MaxGridImages)
            throw new ArgumentException($"sample count {n}: one grid holds 1..{MaxGridImages} images ({GridColumns(MaxGridImages)} x " +
                                        $"{MaxGridImages / GridColumns(MaxGridImages)}); for more, draw several grids with different seeds");
        ImageGrid.SaveTile(path, SampleMeans(model, theta, n, seed), imageHeight, imageWidth, columns: GridColumns(n), scale: 2);
    }

    /// <summary>Decoder means [n, D] of <paramref name="n"/> seeded draws z ~ N(0, I) (what <see cref="SaveSamples"/> shows).</summary>
    public static float[] SampleMeans(VaeModel model, ReadOnlySpan<float> theta, int n, ulong seed)
    {
        var spec = model.Spec;
        var z = new float[n * spec.Dz]; // [n, Dz]
        new Rng(seed ^ 0x5A3B1E5UL, RngStream.Eval).FillNormal(z);
        var means = new float[n * spec.D]; // [n, D]
        DecodeMeans(model, theta, z, n, means);
        return means;
    }

    /// <summary>Decoder means [n, D] for z [n, Dz]: sigmoid(logits) for Bernoulli; the Gaussian mean (sigmoid(a) when SigmoidMean).</summary>
    public static void DecodeMeans(VaeModel model, ReadOnlySpan<float> theta, ReadOnlySpan<float> z, int n, Span<float> means)
    {
        var spec = model.Spec;
        bool sigmoid = spec.Likelihood == Likelihood.Bernoulli || spec.SigmoidMean;
        for (int start = 0; start < n; start += model.MaxDecodeRows)
        {
            int rows = Math.Min(model.MaxDecodeRows, n - start);
            model.Decode(theta, z.Slice(start * spec.Dz, rows * spec.Dz), rows);
            var head = model.Head[..(rows * spec.D)];
            var dst = means.Slice(start * spec.D, rows * spec.D);
            for (int i = 0; i < head.Length; i++) dst[i] = sigmoid ? 1f / (1f + MathF.Exp(-head[i])) : head[i];
        }
    }

    /// <summary>Posterior means mu(x) [n, Dz] of x [n, D], in batches.</summary>
    public static float[] PosteriorMeans(VaeModel model, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int n)
    {
        int dz = model.Spec.Dz, d = model.Spec.D;
        var mu = new float[n * dz]; // [n, Dz]
        for (int start = 0; start < n; start += model.MaxBatch)
        {
            int m = Math.Min(model.MaxBatch, n - start);
            model.Encode(theta, x.Slice(start * d, m * d), m);
            model.Mu[..(m * dz)].CopyTo(mu.AsSpan(start * dz));
        }
        return mu;
    }
}
