// The named loaders on small files written here: orientation, pixel conventions and split rules, no real data needed.
using static Vae.Tests.Data.TestFiles;

namespace Vae.Tests.Data;

public class DatasetsTests
{
    static DataFile Written(TempDir dir, string key, string folder, string name, byte[] bytes)
    {
        Directory.CreateDirectory(dir.File(folder));
        File.WriteAllBytes(Path.Combine(dir.File(folder), name), bytes);
        return new DataFile(key, folder, [new FileForm(name, DataStore.Sha256Hex(bytes), [])]);
    }

    static DataStore Store(TempDir dir) => new(new DataRoot(dir.Path, "test"), fetcher: null);

    [Fact]
    public void Idx_dataset_holds_out_the_last_training_images_as_validation()
    {
        using var dir = new TempDir();
        byte[] train = Enumerable.Range(0, 4 * 6).Select(i => (byte)(i * 10)).ToArray(); // 4 images of 2 x 3
        var info = Catalog.Get("mnist") with
        {
            Rows = 2, Cols = 3,
            Split = Catalog.Get("mnist").Split with { Valid = 1 },
            Files =
            [
                Written(dir, "train-images", "m", "ti", Gzip(Idx([4, 2, 3], train))),
                Written(dir, "train-labels", "m", "tl", Gzip(Idx([4], [3, 1, 4, 1]))),
                Written(dir, "test-images", "m", "si", Idx([1, 2, 3], [9, 8, 7, 6, 5, 4])),
                Written(dir, "test-labels", "m", "sl", Idx([1], [5])),
            ],
        };

        var ds = Datasets.Load(info, Store(dir));
        Assert.Equal((3, 1, 1), (ds.Train.N, ds.Valid.N, ds.Test.N));
        Assert.Equal([3, 1, 4], ds.Train.Labels!);
        Assert.Equal([1], ds.Valid.Labels!);
        Assert.Equal(180 / 255f, ds.Valid.X[0]); // image 3 starts with pixel 3 * 6 * 10
        Assert.Contains("valid = their last 10,000", ds.Describe());

        var merged = Datasets.Load(info, Store(dir), ValidationSplit.MergeIntoTrain);
        Assert.Equal((4, 0), (merged.Train.N, merged.Valid.N));
        Assert.Equal([3, 1, 4, 1], merged.Train.Labels!);
        Assert.Equal(train.Select(b => b / 255f), merged.Train.X);
    }

    [Fact]
    public void Idx_label_out_of_class_range_is_reported()
    {
        using var dir = new TempDir();
        var info = Catalog.Get("mnist") with
        {
            Rows = 1, Cols = 1, Split = Catalog.Get("mnist").Split with { Valid = 1 },
            Files =
            [
                Written(dir, "train-images", "m", "ti", Idx([2, 1, 1], [1, 2])),
                Written(dir, "train-labels", "m", "tl", Idx([2], [3, 12])),
                Written(dir, "test-images", "m", "si", Idx([1, 1, 1], [1])),
                Written(dir, "test-labels", "m", "sl", Idx([1], [5])),
            ],
        };
        var e = Assert.Throws<DataFormatException>(() => Datasets.Load(info, Store(dir)));
        Assert.Contains("expected labels in 0..9, found label 12 at index 1", e.Message);
    }

    // An upright 3 x 3 "Γ" with a short bar (object = 1): no transpose or flip maps it onto itself, so a missed one shows.
    static readonly double[,] Gamma = { { 1, 1, 0 }, { 1, 0, 0 }, { 1, 0, 0 } };

    /// <summary>Caltech's file layout: each row is 1 - image flattened column-major (Fortran).</summary>
    static double[,] CaltechRows(params double[][,] images)
    {
        var rows = new double[images.Length, 9];
        for (int i = 0; i < images.Length; i++)
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) rows[i, r + 3 * c] = 1 - images[i][r, c];
        return rows;
    }

    static double[,] Transposed(double[,] a) { var t = new double[3, 3]; for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) t[c, r] = a[r, c]; return t; }

    static DatasetInfo Caltech(TempDir dir, byte[] mat) => Catalog.Get("caltech101-16") with
    {
        Rows = 3, Cols = 3, Files = [Written(dir, "split1", "c", "c.mat", mat)],
    };

    [Fact]
    public void Caltech_images_come_out_upright_with_object_one_and_zero_based_labels()
    {
        using var dir = new TempDir();
        byte[] Var(string name, double[,] m) => Compressed(MatMatrix(name, m, MxUInt8, MiUInt8));
        byte[] mat = Mat(
            Var("train_data", CaltechRows(Gamma, Transposed(Gamma))), Var("train_labels", new double[,] { { 1 }, { 101 } }),
            Var("val_data", CaltechRows(Gamma)), Var("val_labels", new double[,] { { 7 } }),
            Compressed(MatCell("classnames", "a", "b")),
            Var("test_data", CaltechRows(Transposed(Gamma))), Var("test_labels", new double[,] { { 2 } }));

        var ds = Datasets.Load(Caltech(dir, mat), Store(dir));

        float[] upright = [1, 1, 0, 1, 0, 0, 1, 0, 0];
        Assert.Equal(upright, ds.Train.Row(0).ToArray());
        Assert.Equal(upright, Transpose3(ds.Train.Row(1)));
        Assert.Equal(upright, ds.Valid.Row(0).ToArray());
        Assert.Equal(upright, Transpose3(ds.Test.Row(0)));
        Assert.Equal([0, 100], ds.Train.Labels!);
        Assert.Equal([6], ds.Valid.Labels!);
    }

    static float[] Transpose3(ReadOnlySpan<float> x) { var t = new float[9]; for (int r = 0; r < 3; r++) for (int c = 0; c < 3; c++) t[c * 3 + r] = x[r * 3 + c]; return t; }

    [Fact]
    public void Caltech_label_count_different_from_image_count_is_reported()
    {
        using var dir = new TempDir();
        byte[] Var(string name, double[,] m) => MatMatrix(name, m, MxUInt8, MiUInt8);
        byte[] mat = Mat(
            Var("train_data", CaltechRows(Gamma, Gamma)), Var("train_labels", new double[,] { { 1 } }),
            Var("val_data", CaltechRows(Gamma)), Var("val_labels", new double[,] { { 7 } }),
            Var("test_data", CaltechRows(Gamma)), Var("test_labels", new double[,] { { 2 } }));
        var e = Assert.Throws<DataFormatException>(() => Datasets.Load(Caltech(dir, mat), Store(dir)));
        Assert.Contains("expected 'train_labels' with one label per image of 'train_data' (2), found train_labels (uint8 1x1)", e.Message);
    }

    [Fact]
    public void Caltech_file_without_a_split_variable_is_reported()
    {
        using var dir = new TempDir();
        byte[] mat = Mat(MatMatrix("X", CaltechRows(Gamma), MxUInt8, MiUInt8));
        var e = Assert.Throws<DataFormatException>(() => Datasets.Load(Caltech(dir, mat), Store(dir)));
        Assert.Contains("expected a variable 'train_data', found only X (uint8 1x9)", e.Message);
    }

    [Fact]
    public void Frey_columns_become_upright_images_in_a_seeded_disjoint_split()
    {
        using var dir = new TempDir();
        const int n = 10;
        var ff = new double[6, n]; // one 3 x 2 image per column, row-major within the column
        for (int j = 0; j < n; j++) for (int p = 0; p < 6; p++) ff[p, j] = j * 6 + p;
        var info = Catalog.Get("frey-face") with
        {
            Rows = 3, Cols = 2,
            Split = Catalog.Get("frey-face").Split with { Valid = 2, Test = 3 },
            Files = [Written(dir, "ff", "f", "frey.mat", Mat(MatMatrix("ff", ff, MxUInt8, MiUInt8)))],
        };

        var ds = Datasets.Load(info, Store(dir));
        Assert.Equal((5, 2, 3), (ds.Train.N, ds.Valid.N, ds.Test.N));
        var seen = new List<int>();
        foreach (var set in new[] { ds.Train, ds.Valid, ds.Test })
            for (int i = 0; i < set.N; i++)
            {
                var row = set.Row(i).ToArray().Select(v => (int)MathF.Round(v * 255)).ToArray();
                int j = row[0] / 6;
                Assert.Equal(Enumerable.Range(j * 6, 6), row); // pixel (r, c) = j*6 + r*2 + c: upright, row-major
                seen.Add(j);
            }
        Assert.Equal(Enumerable.Range(0, n), seen.Order());
        Assert.NotEqual(Enumerable.Range(0, n), seen); // permuted, not in file order

        var again = Datasets.Load(info, Store(dir));
        Assert.Equal(ds.Test.X, again.Test.X);
    }

    [Fact]
    public void Checksum_mismatch_stops_a_dataset_load()
    {
        using var dir = new TempDir();
        var info = Catalog.Get("frey-face") with { Files = [Written(dir, "ff", "f", "frey.mat", Mat(MatHeader()))] };
        File.AppendAllText(dir.File("f/frey.mat"), "x");
        var e = Assert.Throws<ChecksumMismatchException>(() => Datasets.Load(info, Store(dir)));
        Assert.Equal(dir.File("f/frey.mat"), e.FilePath);
    }
}
