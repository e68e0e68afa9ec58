// What every numeric option of a run accepts, in one table keyed by the option's CLI name (TrainOptions.Validate checks
// a whole record against it, so the CLI and the F# layer apply the same limits).
// Owns: the limits. Must not: parse text (Input does), know option records, or know how an option was spelled:
// callers name it ("--lr" for the CLI, "LearningRate" for F#).

namespace Vae.Core.Inputs;

/// <summary>The limits of the numeric options; keys are the `vae train` option names without dashes.</summary>
public static class OptionLimits
{
    /// <summary>Largest float buffer the engine allocates per copy (parameters, or one activation buffer): 2^28 floats = 1 GiB.
    /// Beyond that int offsets overflow or the machine runs out of memory deep inside; refused up front instead.</summary>
    public const long MaxBufferFloats = 1L << 28;

    public static readonly Limit Dz = new(1, 65_536);
    public static readonly Limit Hidden = new(1, 1_000_000);
    public static readonly Limit Samples = new(1, 10_000);
    public static readonly Limit Batch = new(1, 1_000_000);
    public static readonly Limit Epochs = new(1, 10_000_000);
    /// <summary>Training samples budget; 0 = use epochs. 10^15 keeps step counts far from overflow.</summary>
    public static readonly Limit MaxSamples = new(0, 1e15);
    /// <summary>Step size: > 0 and float32 (the update rules compute in float32; 1e-50 would flush to 0 and train nothing).</summary>
    public static readonly Limit LearningRate = new(0, float.MaxValue, Whole: false, MinExclusive: true, Float32: true);
    public static readonly Limit Momentum = new(0, 1, Whole: false, MaxExclusive: true, Float32: true);
    public static readonly Limit WeightPrior = new(0, 1e6, Whole: false, Float32: true);
    public static readonly Limit InitStd = new(0, 1e6, Whole: false, MinExclusive: true, Float32: true);
    public static readonly Limit EvalEvery = new(0, 1e15);
    public static readonly Limit FinalK = new(0, 1_000_000);
    public static readonly Limit EvalLimit = new(0, int.MaxValue);
    /// <summary>BLAS threads; 0 = all processors.</summary>
    public static readonly Limit Threads = new(0, 1024);
    /// <summary>Points trained at once / BLAS threads per point in the F# sweeps.</summary>
    public static readonly Limit Parallel = new(1, 1024);
    /// <summary>Importance samples of `vae eval --k`.</summary>
    public static readonly Limit EvalK = new(0, 1_000_000);
    /// <summary>Images of `vae sample --n`.</summary>
    public static readonly Limit SampleCount = new(1, 10_000);

    /// <summary>The limit of a `vae` option by its name without dashes ("lr", "k", "n", ...).</summary>
    public static Limit For(string key) => ByKey.TryGetValue(key, out var l) ? l
        : throw new ArgumentException($"no numeric limit for option '{key}'"); // a programming error, not user input

    static readonly Dictionary<string, Limit> ByKey = new()
    {
        ["dz"] = Dz, ["hidden"] = Hidden, ["samples"] = Samples, ["batch"] = Batch, ["epochs"] = Epochs, ["max-samples"] = MaxSamples,
        ["lr"] = LearningRate, ["momentum"] = Momentum, ["weight-prior"] = WeightPrior, ["init-std"] = InitStd,
        ["eval-every"] = EvalEvery, ["final-k"] = FinalK, ["eval-limit"] = EvalLimit, ["threads"] = Threads,
        ["parallel"] = Parallel, ["blas-threads"] = Parallel, ["k"] = EvalK, ["n"] = SampleCount,
    };

    /// <summary>The CLI spelling of a key: "lr" -> "--lr".</summary>
    public static string Cli(string key) => "--" + key;
}
