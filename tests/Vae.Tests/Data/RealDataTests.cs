// The real files under VAE_DATA: catalog checksums, shapes, label counts, value ranges and upright orientation.
// Golden values: scripts/data_golden.py (numpy 1.24 / scipy 1.10 straight from the files, no project code), run as
// `VAE_DATA=../shared/data python3 scripts/data_golden.py` with Debian's python3 (apt python3-scipy); "moment" = sum_i x[i] * i over the upright
// row-major image (in file units: 0..255 or 0/1), which changes under any transpose or flip.
using System.Collections.Concurrent;

namespace Vae.Tests.Data;

/// <summary>Loads each real dataset at most once for all tests of the class.</summary>
public sealed class RealDataFixture
{
    readonly ConcurrentDictionary<string, Lazy<Dataset>> _sets = new();
    public DataStore Store { get; } = new(new DataRoot(Environment.GetEnvironmentVariable("VAE_DATA") ?? "", "VAE_DATA"), fetcher: null);
    public Dataset Get(string name) => _sets.GetOrAdd(name, n => new Lazy<Dataset>(() => Datasets.Load(Catalog.Get(n), Store))).Value;
}

public class RealDataTests(RealDataFixture data) : IClassFixture<RealDataFixture>
{
    static double Moment(ReadOnlySpan<float> img, float scale)
    {
        double m = 0;
        for (int i = 0; i < img.Length; i++) m += Math.Round(img[i] * scale) * i;
        return m;
    }

    static int[] Counts(int classes, params int[][] labels)
    {
        var c = new int[classes];
        foreach (var ls in labels) foreach (int y in ls) c[y]++;
        return c;
    }

    [RealDataFact]
    public void Catalog_checksums_equal_the_files()
    {
        int verified = 0;
        foreach (var info in Catalog.All)
            foreach (var file in info.Files)
            {
                var results = data.Store.Verify(info).Where(r => file.Forms.Any(f => r.Path.EndsWith(Path.Combine(file.Folder, f.Name)))).ToList();
                Assert.Contains(results, r => r.Present);
                foreach (var r in results.Where(r => r.Present)) { Assert.True(r.Ok, $"{r.Path}: expected {r.Expected}, found {r.Found}"); verified++; }
            }
        Assert.Equal(14, verified); // the 16 files of the shared copy but the two unsplit Caltech files (not in the catalog)
    }

    [RealDataFact("binarized-mnist")]
    public void Binarized_mnist_gz_copies_decompress_to_the_canonical_amat_checksums()
    {
        foreach (var file in Catalog.Get("binarized-mnist").Files)
        {
            var (bytes, path) = data.Store.ReadVerified(file);
            Assert.Equal(file.Forms[1].Sha256, DataStore.Sha256Hex(Compression.MaybeGunzip(bytes, path)));
        }
    }

    [RealDataFact("mnist")]
    public void Mnist_has_its_shapes_label_counts_range_and_first_image()
    {
        var ds = data.Get("mnist");
        Assert.Equal((50_000, 10_000, 10_000, 784), (ds.Train.N, ds.Valid.N, ds.Test.N, ds.D));
        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], Counts(10, ds.Train.Labels!, ds.Valid.Labels!));
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], Counts(10, ds.Test.Labels!));
        Assert.Equal((0f, 1f), ds.Train.Range());
        Assert.Equal(0.1306604762738429, (ds.Train.Mean() * 50_000 + ds.Valid.Mean() * 10_000) / 60_000, 5);
        // numpy: train[0] label 5, sum 27525, moment 11192964, X[0,14,14] = 240.
        Assert.Equal(5, ds.Train.Labels![0]);
        Assert.Equal(11192964, Moment(ds.Train.Row(0), 255));
        Assert.Equal(240 / 255f, ds.Train.Row(0)[14 * 28 + 14]);
    }

    [RealDataFact("fashion-mnist")]
    public void Fashion_mnist_has_6000_train_and_1000_test_images_per_class()
    {
        var ds = data.Get("fashion-mnist");
        Assert.Equal((50_000, 10_000, 10_000), (ds.Train.N, ds.Valid.N, ds.Test.N));
        Assert.All(Counts(10, ds.Train.Labels!, ds.Valid.Labels!), c => Assert.Equal(6000, c));
        Assert.All(Counts(10, ds.Test.Labels!), c => Assert.Equal(1000, c));
        Assert.Equal((0f, 1f), ds.Test.Range());
    }

    [RealDataFact("binarized-mnist")]
    public void Binarized_mnist_has_its_split_sizes_and_pixel_counts()
    {
        var ds = data.Get("binarized-mnist");
        Assert.Equal((50_000, 10_000, 10_000), (ds.Train.N, ds.Valid.N, ds.Test.N));
        Assert.Null(ds.Train.Labels);
        // numpy: ones 5118041 / 1028036 / 1038896; image 0 moments 49426 / 37012 / 61842.
        Assert.Equal([5118041.0, 1028036, 1038896], new[] { ds.Train, ds.Valid, ds.Test }.Select(s => Math.Round(s.Mean() * s.X.Length)));
        Assert.Equal([49426.0, 37012, 61842], new[] { ds.Train, ds.Valid, ds.Test }.Select(s => Moment(s.Row(0), 1)));
        Assert.True(ds.Test.IsBinary());
    }

    [RealDataFact("caltech101-28")]
    public void Caltech_28_is_upright_with_object_one()
    {
        var ds = data.Get("caltech101-28");
        Assert.Equal((4100, 2264, 2307, 28, 28), (ds.Train.N, ds.Valid.N, ds.Test.N, ds.Train.Rows, ds.Train.Cols));
        Assert.True(ds.Train.IsBinary());
        // numpy (1 - data, order F): train[0] label 57 ('lamp'), 422 object pixels, moment 171030; test[5] moment 141338, label 86.
        Assert.Equal(56, ds.Train.Labels![0]);
        Assert.Equal(422, ds.Train.Row(0).ToArray().Sum());
        Assert.Equal(171030, Moment(ds.Train.Row(0), 1));
        Assert.Equal(141338, Moment(ds.Test.Row(5), 1));
        Assert.Equal(85, ds.Test.Labels![5]);
        Assert.Equal(0.44894537083125935, ds.Train.Mean(), 6);
        Assert.Equal((0, 100), (ds.Train.Labels.Min(), ds.Train.Labels.Max()));
    }

    [RealDataFact("caltech101-16")]
    public void Caltech_16_is_upright_with_object_one()
    {
        var ds = data.Get("caltech101-16");
        Assert.Equal((4082, 2257, 2302, 256), (ds.Train.N, ds.Valid.N, ds.Test.N, ds.D));
        // numpy: train[0] label 13, moment 16181, top row [0,0,0,0,1,1,1,1,1,1,1,0,0,0,0,0]; test[5] moment 9996.
        Assert.Equal(12, ds.Train.Labels![0]);
        Assert.Equal(16181, Moment(ds.Train.Row(0), 1));
        Assert.Equal([0f, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], ds.Train.Row(0)[..16].ToArray());
        Assert.Equal(9996, Moment(ds.Test.Row(5), 1));
    }

    [RealDataFact("frey-face")]
    public void Frey_face_is_upright_28_by_20()
    {
        var ds = data.Get("frey-face");
        Assert.Equal((1565, 200, 200, 28, 20), (ds.Train.N, ds.Valid.N, ds.Test.N, ds.Train.Rows, ds.Train.Cols));
        var all = Datasets.Concat(Datasets.Concat(ds.Train, ds.Valid), ds.Test);
        Assert.Equal((8 / 255f, 238 / 255f), all.Range());
        // numpy over all 1965 images (0..255): top 3 rows 190.179, bottom 3 rows 138.505, left 3 cols 141.569, right 3 cols 168.648.
        double Band(int r0, int r1, int c0, int c1)
        {
            double s = 0; long n = 0;
            for (int i = 0; i < all.N; i++)
                for (int r = r0; r < r1; r++) for (int c = c0; c < c1; c++) { s += all.X[i * 560 + r * 20 + c] * 255.0; n++; }
            return s / n;
        }
        Assert.Equal(190.17897370653097, Band(0, 3, 0, 20), 3);
        Assert.Equal(138.50463952502122, Band(25, 28, 0, 20), 3);
        Assert.Equal(141.5689143341815, Band(0, 28, 0, 3), 3);
        Assert.Equal(168.64795225978432, Band(0, 28, 17, 20), 3);
        // numpy: frame 0 (column 0 of ff) has top row below and moment 23353499; it must be in exactly one split.
        float[] top = [81, 136, 167, 185, 187, 193, 203, 222, 224, 226, 226, 226, 226, 226, 226, 226, 225, 225, 160, 74];
        var frames = Enumerable.Range(0, all.N).Where(i => all.Row(i)[..20].ToArray().Select(v => MathF.Round(v * 255)).SequenceEqual(top)).ToList();
        Assert.Single(frames);
        Assert.Equal(23353499, Moment(all.Row(frames[0]), 255));
    }
}
