// Data variants (grey / dynamic / fixed / static binarization): names recorded with results, validity per dataset,
// the seeded fixed binarization, and preparing a dataset's splits for a variant.
// Must not: shuffle or draw batches (Batches.cs draws the per-batch dynamic binarization).

namespace Vae.Core.Data;

/// <summary>How pixel values reach the model; recorded with every result.</summary>
public enum DataVariant
{
    /// <summary>Grey levels in [0, 1] as loaded (with a Bernoulli decoder: label it, see <see cref="DataVariants.Label(DataVariant, bool)"/>).</summary>
    Grey,
    /// <summary>A fresh Bernoulli sample of every pixel each time a training batch is drawn; evaluation splits use a
    /// fixed seeded binarization so that results are reproducible.</summary>
    DynamicBinarized,
    /// <summary>One seeded Bernoulli sample of every pixel of every split, drawn once at load.</summary>
    FixedBinarized,
    /// <summary>The dataset's own binary pixels (binarized-mnist files, Caltech silhouettes).</summary>
    StaticBinarized,
    /// <summary>8-bit grey levels v in 0..255 made continuous: x = (v + u) / 256 with u ~ U(0, 1), one seeded draw per
    /// pixel of every split at load (Theis et al. 2016). A continuous density on x then bounds the discrete
    /// log-probability of v: log P(v) >= E_u log p(x) - D log 256. Without it a Gaussian decoder can put unbounded
    /// density on grey levels shared exactly by many images (Frey Face: 256 levels, 1,965 frames).</summary>
    Dequantized,
}

/// <summary>Which split a fixed binarization is for (each split has its own random stream).</summary>
public enum DataSplit { Train = 0, Valid = 1, Test = 2 }

/// <summary>A dataset's splits ready for one variant. Train batches need per-batch binarization when
/// <see cref="BinarizeBatches"/> is true (pass it to <see cref="BatchIterator"/>).</summary>
public sealed record PreparedData(Dataset Source, DataVariant Variant, ulong Seed, ImageSet Train, ImageSet Valid, ImageSet Test, bool BinarizeBatches)
{
    /// <summary>One line for manifests: dataset description plus variant and seed.</summary>
    public string Describe() => $"{Source.Describe()}; variant: {DataVariants.Describe(Variant)}" +
        (Variant is DataVariant.DynamicBinarized or DataVariant.FixedBinarized or DataVariant.Dequantized ? $", seed {Seed}" : "");
}

/// <summary>Names, checks and preparation of <see cref="DataVariant"/>s.</summary>
public static class DataVariants
{
    /// <summary>Short stable label for tables and run ids: grey, dynamic-binarized, fixed-binarized, static-binarized.</summary>
    public static string Label(DataVariant v) => v switch
    {
        DataVariant.Grey => "grey",
        DataVariant.DynamicBinarized => "dynamic-binarized",
        DataVariant.FixedBinarized => "fixed-binarized",
        DataVariant.StaticBinarized => "static-binarized",
        DataVariant.Dequantized => "dequantized",
        _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown data variant"),
    };

    /// <summary>The label, marking a decoder that does not match the pixels (allowed only on request): grey levels fed to a
    /// Bernoulli decoder, "grey (Bernoulli on grey levels)", and binary pixels fed to a Gaussian one,
    /// "dynamic-binarized (Gaussian on binary pixels)".</summary>
    public static string Label(DataVariant v, bool bernoulliDecoder) =>
        IsGreyLevels(v) && bernoulliDecoder ? Label(v) + " (Bernoulli on grey levels)"
        : !IsGreyLevels(v) && !bernoulliDecoder ? Label(v) + " (Gaussian on binary pixels)"
        : Label(v);

    /// <summary>True for the variants whose pixels are grey levels (raw or dequantized), false for binary ones.</summary>
    public static bool IsGreyLevels(DataVariant v) => v is DataVariant.Grey or DataVariant.Dequantized;

    /// <summary>A sentence describing the variant, for manifests.</summary>
    public static string Describe(DataVariant v) => v switch
    {
        DataVariant.Grey => "grey levels in [0, 1]",
        DataVariant.DynamicBinarized => "dynamic binarization (fresh Bernoulli sample of each pixel every time a training batch is drawn; " +
                                        "valid/test binarized once, seeded)",
        DataVariant.FixedBinarized => "fixed binarization (one seeded Bernoulli sample of each pixel, all splits)",
        DataVariant.StaticBinarized => "statically binarized (the dataset's own binary pixels)",
        DataVariant.Dequantized => "dequantized grey levels (v + u) / 256, u ~ U(0, 1) drawn once per pixel of every split, seeded; " +
                                   "a continuous density on [0, 1]",
        _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown data variant"),
    };

    /// <summary>Parses a label made by <see cref="Label(DataVariant)"/> (case-insensitive; "dynamic", "fixed", "static" also accepted).</summary>
    public static DataVariant Parse(string s) => s.Trim().ToLowerInvariant() switch
    {
        "grey" or "gray" => DataVariant.Grey,
        "dynamic" or "dynamic-binarized" => DataVariant.DynamicBinarized,
        "fixed" or "fixed-binarized" => DataVariant.FixedBinarized,
        "static" or "static-binarized" => DataVariant.StaticBinarized,
        "dequantized" => DataVariant.Dequantized,
        _ => throw new ArgumentException($"unknown data variant '{s}': expected grey, dynamic-binarized, fixed-binarized, static-binarized or dequantized"),
    };

    /// <summary>Throws unless <paramref name="v"/> makes sense for <paramref name="info"/>: binary datasets take only
    /// StaticBinarized (binarizing 0/1 pixels changes nothing, so any other label would misdescribe the run);
    /// grey-level datasets take anything but StaticBinarized (use the binarized-mnist dataset for that).</summary>
    public static void Validate(DatasetInfo info, DataVariant v)
    {
        if (info.Binary && v != DataVariant.StaticBinarized)
            throw new ArgumentException($"dataset {info.Name} is already binary: expected variant static-binarized, found {Label(v)}");
        if (!info.Binary && v == DataVariant.StaticBinarized)
            throw new ArgumentException($"dataset {info.Name} has grey levels: static-binarized needs a binary dataset such as binarized-mnist; " +
                                        "use grey, dynamic-binarized or fixed-binarized");
    }

    /// <summary>Stream id of the fixed binarization of <paramref name="split"/>: distinct from every <see cref="RngStream"/>
    /// (0x140 + split), so it never coincides with the per-batch dynamic binarization stream of the same seed.</summary>
    public static ulong FixedStream(DataSplit split) => 0x100UL | ((ulong)RngStream.Binarize << 4) | (ulong)split;

    /// <summary>A copy of <paramref name="set"/> with each pixel p replaced by a Bernoulli(p) sample from
    /// <c>new Rng(seed, FixedStream(split))</c>, drawn in row-major order (the same bits on every machine).</summary>
    public static ImageSet BinarizeFixed(ImageSet set, ulong seed, DataSplit split)
    {
        var (min, max) = set.Range();
        if (set.N > 0 && (min < 0 || max > 1))
            throw new ArgumentException($"binarization needs pixels in [0, 1], found [{min}, {max}]");
        var x = new float[(long)set.N * set.D]; // [N, D]
        var rng = new Rng(seed, FixedStream(split));
        if (set.HasLevels) rng.FillBernoulli(set.Levels, ImageSet.Level, x); // same draws, no float copy of the levels
        else rng.FillBernoulli(set.X, x);
        return new ImageSet(x, set.N, set.Rows, set.Cols, set.Labels);
    }

    /// <summary>Stream id of the dequantization noise of <paramref name="split"/> (0x200 + split): distinct from every
    /// <see cref="RngStream"/> and from the fixed binarization streams.</summary>
    public static ulong DequantizeStream(DataSplit split) => 0x200UL | (ulong)split;

    /// <summary>A copy of <paramref name="set"/> (8-bit grey levels v / 255) with each pixel replaced by (v + u) / 256,
    /// u ~ U(0, 1) from <c>new Rng(seed, DequantizeStream(split))</c> in row-major order.</summary>
    /// <exception cref="ArgumentException">A pixel that is not v / 255 for a whole v in 0..255 (names the pixel).</exception>
    public static ImageSet Dequantize(ImageSet set, ulong seed, DataSplit split)
    {
        var u = new float[set.X.LongLength]; // [N, D]
        new Rng(seed, DequantizeStream(split)).FillUniform(u);
        for (long i = 0; i < u.LongLength; i++)
        {
            float v = MathF.Round(set.X[i] * 255f);
            if (v < 0 || v > 255 || MathF.Abs(v - set.X[i] * 255f) > 1e-3f)
                throw new ArgumentException($"dequantization needs 8-bit grey levels v/255, found {set.X[i]} at row {i / set.D}, pixel {i % set.D}");
            u[i] = (v + u[i]) / 256f;
        }
        return new ImageSet(u, set.N, set.Rows, set.Cols, set.Labels);
    }

    /// <summary>The splits of <paramref name="ds"/> for <paramref name="v"/> (validated first). Seeded variants use
    /// <paramref name="seed"/>; Grey and StaticBinarized return the loaded arrays unchanged (no copy).</summary>
    public static PreparedData Prepare(Dataset ds, DataVariant v, ulong seed)
    {
        Validate(ds.Info, v);
        return v switch
        {
            DataVariant.Grey or DataVariant.StaticBinarized => new(ds, v, seed, ds.Train, ds.Valid, ds.Test, false),
            DataVariant.DynamicBinarized => new(ds, v, seed, ds.Train,
                BinarizeFixed(ds.Valid, seed, DataSplit.Valid), BinarizeFixed(ds.Test, seed, DataSplit.Test), true),
            DataVariant.FixedBinarized => new(ds, v, seed, BinarizeFixed(ds.Train, seed, DataSplit.Train),
                BinarizeFixed(ds.Valid, seed, DataSplit.Valid), BinarizeFixed(ds.Test, seed, DataSplit.Test), false),
            DataVariant.Dequantized => new(ds, v, seed, Dequantize(ds.Train, seed, DataSplit.Train),
                Dequantize(ds.Valid, seed, DataSplit.Valid), Dequantize(ds.Test, seed, DataSplit.Test), false),
            _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown data variant"),
        };
    }
}
