// The options every run on a catalog dataset's images names the same way (the DCGAN and the sample-quality classifier):
// dataset, data root, seed. Owns: those three and their meaning. Must not: hold a model's or an optimizer's options
// (TrainOptions keeps its own, since its JSON and run ids predate this record).

namespace Vae.Core.Training;

/// <summary>Dataset, data root and seed of a run on a dataset's training images.</summary>
public abstract record DatasetRunOptions
{
    /// <summary>Catalog name of the dataset (e.g. "mnist").</summary>
    public string Dataset { get; init; } = "mnist";
    /// <summary>Data root (--data); null = VAE_DATA, then data/.</summary>
    public string? DataDir { get; init; }
    /// <summary>Seeds the run's streams (initialisation, shuffle, noise).</summary>
    public ulong Seed { get; init; } = 1;
}
