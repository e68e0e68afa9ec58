// Loading a catalog dataset by name into train / valid / test ImageSets, upright, in the documented pixel convention.
// Owns: per-dataset orientation and pixel fixes (Caltech transpose + flip, Frey columns) and the split rules.
// Must not: parse file formats (readers do) or binarize (DataVariants / Batches do).

namespace Vae.Core.Data;

/// <summary>What happens to the validation split.</summary>
public enum ValidationSplit
{
    /// <summary>Keep train / valid / test as the catalog's split rule defines them.</summary>
    HoldOut,
    /// <summary>Append the validation images to the training set (e.g. the AEVB paper's 60,000 MNIST training images);
    /// the validation set is then empty.</summary>
    MergeIntoTrain,
}

/// <summary>A loaded dataset: three splits of upright row-major images plus the facts needed to record it.</summary>
public sealed record Dataset(DatasetInfo Info, ImageSet Train, ImageSet Valid, ImageSet Test, ValidationSplit Validation)
{
    /// <summary>Catalog name, e.g. "mnist".</summary>
    public string Name => Info.Name;
    /// <summary>Pixels per image.</summary>
    public int D => Info.D;

    /// <summary>One line for manifests and result tables: name, sizes, shape, split rule, pixel convention.</summary>
    public string Describe() =>
        $"{Name}: train {Train.N}, valid {Valid.N}, test {Test.N}, {Info.Rows}x{Info.Cols}; split: {Info.Split.Description}" +
        (Validation == ValidationSplit.MergeIntoTrain ? " (validation merged into train)" : "") + $"; pixels: {Info.PixelConvention}";
}

/// <summary>Loads the datasets of the <see cref="Catalog"/>.</summary>
public static class Datasets
{
    /// <summary>Loads <paramref name="name"/> from the data root chosen by <paramref name="dataDir"/> (the --data option)
    /// > VAE_DATA > data/ in the repository, downloading missing files over HTTP.</summary>
    public static Dataset Load(string name, string? dataDir = null, ValidationSplit validation = ValidationSplit.HoldOut) =>
        Load(Catalog.Get(name), new DataStore(DataRoot.Resolve(dataDir)), validation);

    /// <summary>Loads <paramref name="info"/> through <paramref name="store"/> (every file's SHA-256 checked).</summary>
    public static Dataset Load(DatasetInfo info, DataStore store, ValidationSplit validation = ValidationSplit.HoldOut)
    {
        var (train, valid, test) = info.Name switch
        {
            "mnist" or "fashion-mnist" => LoadIdx(info, store, validation),
            "binarized-mnist" => (Amat(info, store, "train"), Amat(info, store, "valid"), Amat(info, store, "test")),
            "caltech101-28" or "caltech101-16" => LoadCaltech(info, store),
            "frey-face" => LoadFrey(info, store),
            _ => throw new ArgumentException($"no loader for dataset '{info.Name}'"),
        };
        if (validation == ValidationSplit.MergeIntoTrain) (train, valid) = (Concat(train, valid), valid.Slice(0, 0));
        return new Dataset(info, train, valid, test, validation);
    }

    static (ImageSet, ImageSet, ImageSet) LoadIdx(DatasetInfo info, DataStore store, ValidationSplit validation)
    {
        ImageSet Pair(string images, string labels)
        {
            var (ib, ip) = store.ReadVerified(info.File(images));
            var (lb, lp) = store.ReadVerified(info.File(labels));
            var set = IdxReader.Pair(IdxReader.ParseImages(ib, ip), IdxReader.ParseLabels(lb, lp), ip, lp);
            Expect(set.Rows == info.Rows && set.Cols == info.Cols, ip, $"images of {info.Rows} x {info.Cols}", $"{set.Rows} x {set.Cols}");
            int bad = Array.FindIndex(set.Labels!, y => y >= info.Classes);
            Expect(bad < 0, lp, $"labels in 0..{info.Classes - 1}", bad < 0 ? "" : $"label {set.Labels![bad]} at index {bad}");
            return set;
        }
        var official = Pair("train-images", "train-labels");
        var test = Pair("test-images", "test-labels");
        int nValid = info.Split.Valid;
        Expect(official.N > nValid, info.File("train-images").Forms[0].Name, $"more than {nValid} training images", $"{official.N}");
        // Merged, the training set is the official one in its own order: no slice and re-concatenation (two copies
        // of 188 MB for MNIST, issue 11's memory budget).
        if (validation == ValidationSplit.MergeIntoTrain) return (official, official.Slice(0, 0), test);
        return (official.Slice(0, official.N - nValid), official.Slice(official.N - nValid, nValid), test);
    }

    static ImageSet Amat(DatasetInfo info, DataStore store, string split)
    {
        var (bytes, path) = store.ReadVerified(info.File(split));
        var set = AmatReader.Parse(bytes, path, info.Rows, info.Cols);
        Expect(set.IsBinary(), path, "binary pixels {0, 1}", "other values");
        return set;
    }

    static (ImageSet, ImageSet, ImageSet) LoadCaltech(DatasetInfo info, DataStore store)
    {
        var (bytes, path) = store.ReadVerified(info.File("split1"));
        string[] names = ["train_data", "val_data", "test_data", "train_labels", "val_labels", "test_labels"];
        var mat = MatFile.Parse(bytes, path, names);
        ImageSet Split(string data, string labels) => CaltechSplit(mat, data, labels, info.Rows, info.Classes);
        return (Split("train_data", "train_labels"), Split("val_data", "val_labels"), Split("test_data", "test_labels"));
    }

    /// <summary>Caltech rows are images flattened column-major (Fortran) with 1 = background: pixel (r, c) of image i
    /// is file element (i, r + c*S), stored by MATLAB at i + (r + c*S)*N. Output: row-major upright, object = 1.</summary>
    static ImageSet CaltechSplit(MatFile mat, string dataName, string labelName, int s, int classes)
    {
        var v = mat.GetMatrix(dataName, -1, s * s);
        var lv = mat.GetMatrix(labelName);
        int n = v.Rows;
        float[] cm = v.ColumnMajor!; // [D, N] as stored: (i, j) at i + j*N
        Expect(lv.ColumnMajor!.Length == n, mat.Path, $"'{labelName}' with one label per image of '{dataName}' ({n})", $"{lv}");
        var x = new float[(long)n * s * s]; // [N, D]
        for (int i = 0; i < n; i++)
            for (int r = 0; r < s; r++)
                for (int c = 0; c < s; c++)
                {
                    float f = cm[i + (r + c * s) * n];
                    if (f != 0f && f != 1f)
                        throw new DataFormatException(mat.Path, $"'{dataName}': expected binary pixels, found {f} at image {i}, pixel ({r}, {c})");
                    x[(long)i * s * s + r * s + c] = 1f - f;
                }
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            float id = lv.ColumnMajor![i];
            if (id != MathF.Round(id) || id < 1 || id > classes)
                throw new DataFormatException(mat.Path, $"'{labelName}': expected class ids 1..{classes}, found {id} at index {i}");
            y[i] = (int)id - 1;
        }
        return new ImageSet(x, n, s, s, y);
    }

    /// <summary>Frey Face's ff is 560 x 1965 with one image per column; MATLAB stores columns contiguously, so the
    /// column-major data already are [1965, 560] row-major, each image row-major 28 x 20 and upright.</summary>
    static (ImageSet, ImageSet, ImageSet) LoadFrey(DatasetInfo info, DataStore store)
    {
        var (bytes, path) = store.ReadVerified(info.File("ff"));
        var mat = MatFile.Parse(bytes, path, ["ff"]);
        var ff = mat.GetMatrix("ff", info.D, -1);
        float[] x = ff.ColumnMajor!; // [N, D]
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < 0 || x[i] > 255) throw new DataFormatException(path, $"'ff': expected pixel values 0..255, found {x[i]} at element {i}");
            x[i] /= 255f;
        }
        var all = new ImageSet(x, ff.Cols, info.Rows, info.Cols, labels: null);
        var rule = info.Split;
        Expect(all.N > rule.Valid + rule.Test, path, $"more than {rule.Valid + rule.Test} images", $"{all.N}");
        var perm = new int[all.N];
        for (int i = 0; i < perm.Length; i++) perm[i] = i;
        new Rng(rule.Seed, RngStream.Split).Shuffle(perm);
        int nTrain = all.N - rule.Valid - rule.Test;
        return (all.Take(perm.AsSpan(0, nTrain)), all.Take(perm.AsSpan(nTrain, rule.Valid)), all.Take(perm.AsSpan(nTrain + rule.Valid)));
    }

    /// <summary>The rows of <paramref name="a"/> followed by those of <paramref name="b"/> (<paramref name="a"/> itself when
    /// <paramref name="b"/> is empty: no copy).</summary>
    public static ImageSet Concat(ImageSet a, ImageSet b)
    {
        if (a.Rows != b.Rows || a.Cols != b.Cols) throw new ArgumentException($"image shapes differ: {a.Rows}x{a.Cols} vs {b.Rows}x{b.Cols}");
        if (b.N == 0) return a;
        var x = new float[a.X.LongLength + b.X.LongLength]; // [Na + Nb, D]
        a.X.CopyTo(x, 0); b.X.CopyTo(x, a.X.LongLength);
        int[]? y = a.Labels is null || b.Labels is null ? null : [.. a.Labels, .. b.Labels];
        return new ImageSet(x, a.N + b.N, a.Rows, a.Cols, y);
    }

    static void Expect(bool ok, string path, string expected, string found)
    {
        if (!ok) throw new DataFormatException(path, $"expected {expected}, found {found}");
    }
}
