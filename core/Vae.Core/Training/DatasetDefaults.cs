// A dataset's paper setup (Catalog: variant, hidden size, split, decoder mean) applied to training options, and the one
// rule pairing decoder likelihood with data: Bernoulli for binary pixels, Gaussian for grey levels.
// Owns: that rule and how a setup maps onto TrainOptions. Must not: store per-dataset facts (the catalog does).

namespace Vae.Core.Training;

/// <summary>Per-dataset defaults from <see cref="Catalog"/>, for the CLI, the paper preset and the F# layer alike.</summary>
public static class DatasetDefaults
{
    /// <summary>The likelihood that models <paramref name="v"/>: Gaussian for grey levels (raw or dequantized), Bernoulli
    /// for (binarized) binary pixels.</summary>
    public static Likelihood LikelihoodFor(DataVariant v) =>
        DataVariants.IsGreyLevels(v) ? Likelihood.Gaussian : Likelihood.Bernoulli;

    /// <summary>True when <paramref name="l"/> is not the likelihood of <paramref name="v"/> (Gaussian on binary pixels,
    /// Bernoulli on grey levels): refused unless <see cref="TrainOptions.AllowMismatch"/>, then labelled.</summary>
    public static bool IsMismatch(Likelihood l, DataVariant v) => l != LikelihoodFor(v);

    /// <summary><paramref name="o"/> set to dataset <paramref name="info"/> with its paper setup: input size D, variant,
    /// validation split, one hidden layer of the setup's size in encoder and decoder, the matching likelihood and decoder mean.</summary>
    public static TrainOptions Apply(TrainOptions o, DatasetInfo info)
    {
        var p = info.Paper;
        return o with
        {
            Dataset = info.Name, Variant = p.Variant, Validation = p.Validation,
            Model = o.Model with
            {
                D = info.D, EncoderHidden = [p.Hidden], DecoderHidden = [p.Hidden],
                Likelihood = LikelihoodFor(p.Variant), SigmoidMean = p.SigmoidMean,
            },
        };
    }

    /// <summary>One line per dataset: "mnist: dynamic-binarized, Bernoulli, 500 hidden, validation merged" (for help texts).</summary>
    public static IEnumerable<string> Describe() => Catalog.All.Select(d =>
        $"{d.Name}: {DataVariants.Label(d.Paper.Variant)}, {LikelihoodFor(d.Paper.Variant)}, {d.Paper.Hidden} hidden");
}
