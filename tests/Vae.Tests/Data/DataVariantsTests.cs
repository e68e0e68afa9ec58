// Data variants: seeded fixed binarization, labels recorded with results, refusals, and Prepare per variant.
// Must not: need real data.
using Vae.Core.Data;

namespace Vae.Tests.Data;

public class DataVariantsTests
{
    static ImageSet Constant(int n, float p) => new(Enumerable.Repeat(p, n * 4).ToArray(), n, 2, 2, null);

    [Fact]
    public void Fixed_binarization_is_seeded_per_split_and_has_the_right_mean()
    {
        var set = Constant(25_000, 0.3f);
        var a = DataVariants.BinarizeFixed(set, 5, DataSplit.Train);
        Assert.True(a.IsBinary());
        Assert.Equal(a.X, DataVariants.BinarizeFixed(set, 5, DataSplit.Train).X);
        Assert.NotEqual(a.X, DataVariants.BinarizeFixed(set, 6, DataSplit.Train).X);
        Assert.NotEqual(a.X, DataVariants.BinarizeFixed(set, 5, DataSplit.Test).X);
        Assert.InRange(a.Mean(), 0.3 - 0.005, 0.3 + 0.005); // 100,000 pixels: sd 0.0014
        Assert.Equal(0.3f, set.X[0]); // source untouched
    }

    [Fact]
    public void Fixed_binarization_keeps_zeros_and_ones()
    {
        var set = new ImageSet([0f, 1f, 0f, 1f], 1, 2, 2, null);
        Assert.Equal(set.X, DataVariants.BinarizeFixed(set, 1, DataSplit.Valid).X);
        Assert.Throws<ArgumentException>(() => DataVariants.BinarizeFixed(new ImageSet([2f], 1, 1, 1, null), 1, DataSplit.Train));
    }

    [Fact]
    public void Labels_are_stable_parseable_and_mark_Bernoulli_on_grey_levels()
    {
        foreach (var v in Enum.GetValues<DataVariant>())
        {
            Assert.Equal(v, DataVariants.Parse(DataVariants.Label(v)));
            Assert.False(string.IsNullOrWhiteSpace(DataVariants.Describe(v)));
        }
        Assert.Equal("grey (Bernoulli on grey levels)", DataVariants.Label(DataVariant.Grey, bernoulliDecoder: true));
        Assert.Equal("grey", DataVariants.Label(DataVariant.Grey, bernoulliDecoder: false));
        Assert.Equal("dynamic-binarized", DataVariants.Label(DataVariant.DynamicBinarized, bernoulliDecoder: true));
        Assert.Contains("expected grey, dynamic-binarized", Assert.Throws<ArgumentException>(() => DataVariants.Parse("binary")).Message);
    }

    [Fact]
    public void Dequantization_puts_each_grey_level_v_in_its_bin_of_width_one_256th_deterministically()
    {
        float[] levels = [0f, 1f / 255f, 128f / 255f, 1f];
        var set = new ImageSet(levels, 2, 1, 2, null);
        var a = DataVariants.Dequantize(set, 7, DataSplit.Test);
        for (int i = 0; i < levels.Length; i++)
        {
            float v = MathF.Round(levels[i] * 255f);
            Assert.InRange(a.X[i], v / 256f, (v + 1f) / 256f);
        }
        Assert.Equal(a.X, DataVariants.Dequantize(set, 7, DataSplit.Test).X); // same seed and split, same bits
        Assert.NotEqual(a.X, DataVariants.Dequantize(set, 7, DataSplit.Train).X); // each split its own stream
        var e = Assert.Throws<ArgumentException>(() => DataVariants.Dequantize(new ImageSet([0.5f, 0.3337f], 1, 1, 2, null), 1, DataSplit.Train));
        Assert.Contains("found 0.5 at row 0, pixel 0", e.Message);
        var ds = new Dataset(Catalog.Get("frey-face"), set, set.Slice(0, 0), set, ValidationSplit.HoldOut);
        var p = DataVariants.Prepare(ds, DataVariant.Dequantized, 7);
        Assert.Equal(a.X, p.Test.X);
        Assert.False(p.BinarizeBatches);
        Assert.Contains("dequantized", p.Describe());
        Assert.Throws<ArgumentException>(() => DataVariants.Validate(Catalog.Get("binarized-mnist"), DataVariant.Dequantized));
    }

    [Fact]
    public void Variants_that_would_misdescribe_the_data_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => DataVariants.Validate(Catalog.Get("caltech101-28"), DataVariant.DynamicBinarized));
        Assert.Contains("already binary: expected variant static-binarized, found dynamic-binarized", e.Message);
        Assert.Throws<ArgumentException>(() => DataVariants.Validate(Catalog.Get("mnist"), DataVariant.StaticBinarized));
        DataVariants.Validate(Catalog.Get("binarized-mnist"), DataVariant.StaticBinarized);
        DataVariants.Validate(Catalog.Get("frey-face"), DataVariant.Grey);
    }

    [Fact]
    public void Prepare_binarizes_evaluation_splits_once_and_leaves_training_to_the_batches_for_dynamic()
    {
        var info = Catalog.Get("mnist");
        var ds = new Dataset(info, Constant(10, 0.5f), Constant(10, 0.5f), Constant(10, 0.5f), ValidationSplit.HoldOut);

        var dyn = DataVariants.Prepare(ds, DataVariant.DynamicBinarized, 3);
        Assert.True(dyn.BinarizeBatches);
        Assert.Same(ds.Train, dyn.Train);
        Assert.True(dyn.Test.IsBinary() && dyn.Valid.IsBinary());
        Assert.Contains("dynamic binarization", dyn.Describe());
        Assert.Contains("seed 3", dyn.Describe());

        var fix = DataVariants.Prepare(ds, DataVariant.FixedBinarized, 3);
        Assert.False(fix.BinarizeBatches);
        Assert.True(fix.Train.IsBinary());
        Assert.Equal(dyn.Test.X, fix.Test.X); // the same seeded evaluation binarization

        var grey = DataVariants.Prepare(ds, DataVariant.Grey, 3);
        Assert.Same(ds.Test, grey.Test);
    }
}
