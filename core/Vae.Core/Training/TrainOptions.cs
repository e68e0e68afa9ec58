// What a training run is: dataset and variant, model, estimator, optimizer, budget, seeds, cadences. Immutable
// records with the paper's defaults and Validate(); flat result records that become table columns.
// Must not: run anything.
using System.Text.Json.Serialization;

namespace Vae.Core.Training;

/// <summary>How the parameters are learned (paper §5 compares the three): AEVB (Algorithm 1), wake-sleep (Hinton et al.
/// 1995, same encoder and decoder), Monte Carlo EM (Appendix E: HMC posterior samples, decoder only, small data sets).</summary>
public enum TrainingMethod { Aevb, WakeSleep, Mcem }

/// <summary>The methods' command-line and table names (one place): aevb, wake-sleep, mcem.</summary>
public static class TrainingMethods
{
    public static string Label(TrainingMethod m) => m switch
    {
        TrainingMethod.Aevb => "aevb",
        TrainingMethod.WakeSleep => "wake-sleep",
        TrainingMethod.Mcem => "mcem",
        _ => throw new ArgumentOutOfRangeException(nameof(m), m, "unknown training method"),
    };

    /// <summary>Parses a label; ArgumentException listing the names otherwise.</summary>
    public static TrainingMethod Parse(string s) =>
        Enum.GetValues<TrainingMethod>().FirstOrDefault(m => Label(m) == s.Trim().ToLowerInvariant(), (TrainingMethod)(-1)) is var m && m >= 0
            ? m : throw new ArgumentException($"'{s}' is not a training method; expected one of {string.Join(", ", Enum.GetValues<TrainingMethod>().Select(Label))}");
}

/// <summary>Options of one training run. Defaults follow the paper (§5: M = 100, L = 1) with Adam as optimizer.</summary>
public sealed record TrainOptions
{
    /// <summary>Catalog name: mnist, fashion-mnist, binarized-mnist, caltech101-28, caltech101-16, frey-face.</summary>
    public string Dataset { get; init; } = "mnist";
    /// <summary>Data root (--data); null = VAE_DATA, then data/ in the repo.</summary>
    public string? DataDir { get; init; }
    public DataVariant Variant { get; init; } = DataVariant.DynamicBinarized;
    /// <summary>HoldOut keeps a validation split; MergeIntoTrain trains on it too (the paper's 60,000 MNIST images).</summary>
    public ValidationSplit Validation { get; init; } = ValidationSplit.MergeIntoTrain;
    public ModelSpec Model { get; init; } = new();
    /// <summary>Learning method; every method writes the same run folder and is evaluated by the same code.</summary>
    public TrainingMethod Method { get; init; } = TrainingMethod.Aevb;
    /// <summary>Train on the first N training rows only (0 = all). MCEM needs a small training set (Appendix E; Fig. 3: 1,000).</summary>
    public int TrainLimit { get; init; }
    public Estimator Estimator { get; init; } = Estimator.B;
    /// <summary>Noise samples per datapoint, L. §5: L = 1.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>Minibatch size, M. §5: M = 100.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>Number of epochs (ignored when MaxTrainingSamples &gt; 0).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Budget in training samples seen (the paper's Fig. 2 axis); 0 = use Epochs.</summary>
    public long MaxTrainingSamples { get; init; }
    public OptimizerOptions Optimizer { get; init; } = new();
    /// <summary>Default: PyTorch's nn.Linear init (learned fastest of the three on MNIST here, see README); §5 used Normal 0.01.</summary>
    public InitScheme Init { get; init; } = InitScheme.TorchUniform;
    /// <summary>Standard deviation for InitScheme.Normal. §5: 0.01.</summary>
    public float InitStd { get; init; } = 0.01f;
    /// <summary>Start from the weights in this safetensors file (written by `vae export` or scripts/vae_torch.py) instead of
    /// <see cref="Init"/>; its model must equal <see cref="Model"/>. Null = initialise from the seed.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Seeds every stream: init, shuffle, noise, binarization, evaluation.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Evaluate the held-out bound every this many training samples (0 = once per epoch); with
    /// <see cref="EvalPerDecade"/> &gt; 0, the first evaluation point instead.</summary>
    public long EvalEverySamples { get; init; }
    /// <summary>0: evaluate every EvalEverySamples. k &gt; 0: log-spaced curve points (paper Fig. 2's axis) at
    /// EvalEverySamples x 10^(i/k) training samples, i = 0, 1, ..., and at the end of the budget.</summary>
    public int EvalPerDecade { get; init; }
    /// <summary>Importance samples K for the final log p(x) estimate (0 = skip).</summary>
    public int FinalK { get; init; }
    /// <summary>Limit the final evaluation to the first N test rows (0 = the whole test set).</summary>
    public int EvalLimit { get; init; }
    /// <summary>Train a decoder that does not match the data (Gaussian on binary pixels, Bernoulli on grey levels); refused
    /// otherwise. Such runs are labelled in every output (<see cref="DataVariants.Label(DataVariant, bool)"/>).</summary>
    public bool AllowMismatch { get; init; }

    /// <summary>The JSON form checkpoints store: enums by name (as the manifest writes them). Reading also accepts the
    /// integers that checkpoints written before names were used hold, so old runs still resume.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>These options as checkpoint JSON (enums by name).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Options from checkpoint JSON (enum names, or the integers of older checkpoints); null for "null".</summary>
    public static TrainOptions? FromJson(string json) => JsonSerializer.Deserialize<TrainOptions>(json, Json);

    /// <summary>
    /// Throws an <see cref="InputException"/> naming the bad option as <paramref name="shown"/> spells its `vae train` key
    /// (default "--key"; the F# layer passes its field names), with the value found and the range expected
    /// (<see cref="OptionLimits"/>: range, whole numbers, float32 overflow / underflow, buffer sizes).
    /// </summary>
    public TrainOptions Validate(Func<string, string>? shown = null)
    {
        shown ??= OptionLimits.Cli;
        var m = Model;
        if (string.IsNullOrWhiteSpace(Dataset)) throw Input.Error(shown("dataset"), "the dataset name is empty");
        Input.Check(shown("dz"), m.Dz, OptionLimits.Dz);
        if (m.EncoderHidden.Count == 0 || m.DecoderHidden.Count == 0)
            throw Input.Error(shown("hidden"), "needs at least one hidden layer size, e.g. 500 or 500,300");
        foreach (int h in m.EncoderHidden.Concat(m.DecoderHidden)) Input.Check(shown("hidden"), h, OptionLimits.Hidden);
        if (m.Architecture == Architecture.Conv)
        {
            if (m.D != ConvVae.Side * ConvVae.Side * ConvVae.Channels)
                throw Input.Error(shown("model"), $"conv takes {ConvVae.Side}x{ConvVae.Side} grey images (D = {ConvVae.Side * ConvVae.Side}); dataset '{Dataset}' has D = {m.D}");
            if (m.Likelihood != Likelihood.Bernoulli)
                throw Input.Error(shown("likelihood"), $"--model conv has a Bernoulli decoder; found {m.Likelihood} (use a binarized variant)");
            if (m.EncoderHidden.Count != 2 || m.DecoderHidden.Count != 2)
                throw Input.Error(shown("hidden"), $"--model conv takes two filter counts, e.g. 32,64 (the decoder mirrors them); found {m.EncoderHidden.Count}");
        }
        Input.Check(shown("samples"), Samples, OptionLimits.Samples);
        Input.Check(shown("batch"), BatchSize, OptionLimits.Batch);
        Input.Check(shown("max-samples"), MaxTrainingSamples, OptionLimits.MaxSamples);
        if (MaxTrainingSamples == 0) Input.Check(shown("epochs"), Epochs, OptionLimits.Epochs);
        Input.Check(shown("lr"), Optimizer.LearningRate, OptionLimits.LearningRate);
        Input.Check(shown("momentum"), Optimizer.Momentum, OptionLimits.Momentum);
        Input.Check(shown("weight-prior"), Optimizer.WeightPrior, OptionLimits.WeightPrior);
        Input.Check(shown("init-std"), InitStd, OptionLimits.InitStd);
        Input.Check(shown("eval-every"), EvalEverySamples, OptionLimits.EvalEvery);
        Input.Check(shown("final-k"), FinalK, OptionLimits.FinalK);
        Input.Check(shown("eval-limit"), EvalLimit, OptionLimits.EvalLimit);
        CheckSizes(shown);
        if (EvalPerDecade < 0 || EvalPerDecade > 100) throw new ArgumentException($"evaluation points per decade ({EvalPerDecade}) must be in 0..100");
        if (EvalPerDecade > 0 && EvalEverySamples <= 0) throw new ArgumentException($"log-spaced evaluation (EvalPerDecade {EvalPerDecade}) needs its first point EvalEverySamples > 0");
        if (Method == TrainingMethod.Mcem && FinalK > 0 && Model.Dz > Inference.AppendixDOptions.MaxDz)
            throw Input.Error(shown("final-k"), $"method mcem trains no encoder, so its final log p(x) uses the HMC (Appendix D) estimator, " +
                $"which needs Dz <= {Inference.AppendixDOptions.MaxDz} (found {Model.Dz}): set --final-k 0 or a smaller --dz");
        if (TrainLimit < 0) throw Input.Error(shown("train-limit"), $"{TrainLimit} is out of range; expected a whole number >= 0 (0 = all rows)");
        if (!AllowMismatch && DatasetDefaults.IsMismatch(Model.Likelihood, Variant))
            throw Input.Error(shown("likelihood"), $"likelihood {Model.Likelihood} does not match the data variant {DataVariants.Label(Variant)}: " +
                $"{DataVariants.Label(Variant)} data take a {DatasetDefaults.LikelihoodFor(Variant)} decoder; to train the mismatch anyway " +
                $"(it is then labelled '{DataVariants.Label(Variant, Model.Likelihood == Likelihood.Bernoulli)}'), pass --allow-mismatch (AllowMismatch = true)");
        Model.Validate(); Optimizer.Validate(); // what no user option reaches (D, Adam's betas and epsilon)
        return this;
    }

    /// <summary>Largest training set MCEM accepts (its per-point chain state is N x Dz and each point moves once per epoch).</summary>
    public const int MaxMcemTrainingSet = 10_000;

    /// <summary>Parameter count and the widest activation buffer [L*M, width] must fit <see cref="OptionLimits.MaxBufferFloats"/>.</summary>
    void CheckSizes(Func<string, string> shown)
    {
        var m = Model;
        if (m.D <= 0) return; // Model.Validate names it
        long p = 0, prev = m.D, widest = Math.Max(m.D, 2L * m.Dz);
        foreach (long h in m.EncoderHidden) { p += prev * h + h; prev = h; widest = Math.Max(widest, h); }
        p += prev * 2L * m.Dz + 2L * m.Dz;
        prev = m.Dz;
        foreach (long h in m.DecoderHidden) { p += prev * h + h; prev = h; widest = Math.Max(widest, h); }
        p += prev * 2L * m.D + 2L * m.D; // mean and log-variance heads: an upper bound for the Bernoulli decoder too
        if (m.Architecture == Architecture.Conv && m.EncoderHidden.Count == 2 && m.DecoderHidden.Count == 2)
            widest = Math.Max(widest, Math.Max(169L * m.EncoderHidden[0], Math.Max(196L * m.DecoderHidden[0], 784L * m.DecoderHidden[1])));
        if (p > OptionLimits.MaxBufferFloats)
            throw Input.Error($"{shown("hidden")} / {shown("dz")}", $"the model {m} would have about {p:N0} parameters; " +
                              $"at most {OptionLimits.MaxBufferFloats:N0} (1 GiB per copy) are supported");
        long rows = (long)Samples * BatchSize;
        if (rows * widest > OptionLimits.MaxBufferFloats)
            throw Input.Error($"{shown("batch")} / {shown("samples")}", $"{BatchSize} x {Samples} samples x width {widest} = " +
                              $"{rows * widest:N0} floats per activation buffer; at most {OptionLimits.MaxBufferFloats:N0} are supported");
    }

    /// <summary>Checks the options against the loaded data (sizes, batch larger than the dataset).</summary>
    public void ValidateAgainst(PreparedData data, Func<string, string>? shown = null)
    {
        shown ??= OptionLimits.Cli;
        if (data.Train.D != Model.D) throw new ArgumentException($"model input D ({Model.D}) != data dimension ({data.Train.D}) of {Dataset}");
        int n = TrainLimit > 0 ? Math.Min(TrainLimit, data.Train.N) : data.Train.N;
        if (BatchSize > n) throw Input.Error(shown("batch"), $"{BatchSize} is larger than the training set of {Dataset} ({n} rows)");
        if (Method == TrainingMethod.Mcem && n > MaxMcemTrainingSet)
            throw new ArgumentException($"method mcem keeps one HMC chain per training point and revisits a point only once per epoch, " +
                $"so it is meant for small training sets (the paper's Fig. 3 uses 1,000 points); this training set has {n} rows " +
                $"(more than {MaxMcemTrainingSet}): add --train-limit 1000 (at most {MaxMcemTrainingSet}), or use --method aevb|wake-sleep");
    }
}

/// <summary>One point of the training curve (paper Fig. 2 axis: training samples seen).</summary>
public sealed record CurvePoint(long Samples, int Epoch, long Step, double Seconds, double TrainElbo, double TestElbo);

/// <summary>
/// Flat summary of a finished run (metrics.json; the F# tables read it as it is): one row of a result table. Elbo values
/// in nats per datapoint (higher is better). Variant is the data label (DataVariants.Label, marking a Bernoulli decoder
/// on grey levels); Epochs is exact (Samples / training-set size), not floored.
/// </summary>
public sealed record TrainResult(
    string Dataset, string Variant, string Model, int Dz, string Hidden, Likelihood Likelihood, Estimator Estimator,
    int L, int M, OptimizerKind Optimizer, double LearningRate, double WeightPrior, ulong Seed,
    double Epochs, long Samples, double TrainElbo, double TestElbo, double TestElboStdErr,
    double LogPx, double LogPxStdErr, int K, int ActiveUnits, double Seconds, double SecondsPerEpoch, string Blas);
