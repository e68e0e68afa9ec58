// `vae train`: its options (each with a description, default and unit) and their binding onto TrainOptions, in this
// order: the dataset's paper setup from the catalog, then --preset, then every option typed on the command line.
// Owns: train's option names and that order. Must not: hold dataset facts (Catalog) or train (RunDriver does).
using System.CommandLine;
using System.Globalization;
using Vae.Core.Data;
using Vae.Core.Inputs;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Runs;
using Vae.Core.Tensors;
using Vae.Core.Training;

namespace Vae.Cli;

/// <summary>A parsed `vae train`: the run's options plus where it goes (ResultsRoot/Experiment/RunId). ChooseStepSize is
/// true with --preset paper unless --lr is given; Threads = BLAS threads (0 = all processors).</summary>
public sealed record TrainRequest(TrainOptions Options, string ResultsRoot, string Experiment, string? RunId, bool Resume,
                                  bool ChooseStepSize, int Threads, string? Preset, bool AllowChange = false,
                                  Precision Precision = Precision.Fp32);

/// <summary>The train command.</summary>
public sealed class TrainCli
{
    static readonly TrainOptions D = new();

    static readonly Dictionary<string, ValidationSplit> Splits = new(StringComparer.OrdinalIgnoreCase)
        { ["holdout"] = ValidationSplit.HoldOut, ["merge"] = ValidationSplit.MergeIntoTrain };
    static readonly Dictionary<string, InitScheme> Inits = new(StringComparer.OrdinalIgnoreCase)
        { ["torch"] = InitScheme.TorchUniform, ["xavier"] = InitScheme.XavierUniform, ["normal"] = InitScheme.Normal };
    static readonly string[] Variants = Enum.GetValues<DataVariant>().Select(v => DataVariants.Label(v)).ToArray();

    static string Name<T>(T v) where T : struct, Enum => v.ToString().ToLowerInvariant();
    static string[] Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(Name).ToArray();
    static string PerDataset => "default: the dataset's paper setup (" + string.Join("; ", DatasetDefaults.Describe()) + ")";

    public readonly Option<string> Dataset = Opt.Choice("--dataset", "Dataset to train on (`vae data list` shows them).", D.Dataset,
        Catalog.All.Select(d => d.Name).ToArray());
    public readonly Option<string> Method = Opt.Choice("--method", "Learning method: aevb = Algorithm 1; wake-sleep = Hinton et al. 1995 " +
        "with the same encoder/decoder (paper Fig. 2); mcem = Monte Carlo EM with HMC, decoder only, needs a small training set " +
        $"(--train-limit, at most {TrainOptions.MaxMcemTrainingSet}; paper Appendix E).", TrainingMethods.Label(D.Method),
        Enum.GetValues<TrainingMethod>().Select(TrainingMethods.Label).ToArray());
    public readonly Option<int> TrainLimit = Opt.Int("--train-limit", "Train on the first N training rows only; 0 = all.", D.TrainLimit, 0);
    public readonly Option<string> Preset = Opt.Choice("--preset", "Named settings applied after the dataset's and before explicit options; " +
        "paper = §5 of the paper: Adagrad (step size chosen from {0.01, 0.02, 0.1} unless --lr is given), weight prior N(0, I), " +
        "init N(0, 0.01^2), M = 100, L = 1, estimator B, tanh. Default: none.", null, Presets.Names.ToArray());
    public readonly Option<string> Variant = Opt.Choice("--variant", "How pixels reach the model; " + PerDataset + ".", null, Variants,
        ["gray", "dynamic", "fixed", "static"]);
    public readonly Option<string> Validation = Opt.Choice("--validation", "holdout keeps the validation split; merge trains on it too; " +
        "default: the dataset's (merge for every dataset: the paper's 60,000 MNIST training images).", null, Splits.Keys.ToArray());
    public readonly Option<int> Dz = Opt.Int("--dz", "Latent size Dz (units).", D.Model.Dz, OptionLimits.Dz);
    public readonly Option<string> Hidden = Opt.Text("--hidden", "Encoder hidden sizes, input side first, e.g. 500 or 400,300 (units; " +
        "the decoder mirrors them); default: the dataset's (500, Frey Face 200).", "SIZES");
    public readonly Option<string> Model = Opt.Choice("--model", "Network family: mlp = the paper's (Appendix C); conv = the TensorFlow " +
        "CVAE tutorial's convolutional VAE for 28x28 images (conv 32, 64 filters 3x3/2 -> Gaussian latent; dense 7x7x32 -> transposed conv " +
        "64, 32 3x3/2 -> 1 3x3/1 Bernoulli logits; --hidden sets the two filter counts, default 32,64; --activation defaults to relu); " +
        "dcgan = a DCGAN on the grey images, not a VAE (Radford et al. 2016; Adam beta1 0.5, lr 2e-4 unless --lr, M = 64 unless --batch, " +
        "z size 64 unless --dz; it takes only --dataset, --epochs, --max-samples, --batch, --lr, --dz, --seed, --data, --out, --experiment, " +
        "--run-id and --threads).",
        "mlp", ["mlp", "conv", "dcgan"]);
    public readonly Option<string> Activation = Opt.Choice("--activation", "Hidden-unit nonlinearity.", Name(D.Model.Activation), Names<Activation>());
    public readonly Option<string> Likelihood = Opt.Choice("--likelihood", "Decoder p(x|z); default: the one matching the variant " +
        "(Bernoulli for binary pixels, Gaussian for grey levels). A mismatch needs --allow-mismatch.", null, Names<Likelihood>());
    public readonly Option<bool> AllowMismatch = Opt.Flag("--allow-mismatch", "Train a decoder that does not match the data " +
        "(Gaussian on binary pixels, Bernoulli on grey levels); the run's variant is then labelled, e.g. 'grey (Bernoulli on grey levels)'.");
    public readonly Option<string> Estimator = Opt.Choice("--estimator", "SGVB estimator: A = eq. (6), Monte Carlo KL; B = eq. (7), closed-form KL.",
        D.Estimator.ToString(), ["A", "B"]);
    public readonly Option<int> Samples = Opt.Int("--samples", "Noise samples per datapoint L.", D.Samples, OptionLimits.Samples, helpName: "L");
    public readonly Option<int> Batch = Opt.Int("--batch", "Minibatch size M (datapoints per step).", D.BatchSize, OptionLimits.Batch, helpName: "M");
    public readonly Option<int> Epochs = Opt.Int("--epochs", "Training length in epochs (passes over the training set); ignored when --max-samples > 0.", D.Epochs, OptionLimits.Epochs);
    public readonly Option<long> MaxSamples = Opt.Long("--max-samples", "Training budget in training samples seen (the paper's Fig. 2 axis); 0 = use --epochs.", D.MaxTrainingSamples, OptionLimits.MaxSamples);
    public readonly Option<string> Optimizer = Opt.Choice("--optimizer", "Update rule.", Name(D.Optimizer.Kind), Names<OptimizerKind>());
    public readonly Option<double> Lr = Opt.Double("--lr", "Learning rate (step size); --preset paper without --lr chooses it.", D.Optimizer.LearningRate, OptionLimits.LearningRate);
    public readonly Option<double> Momentum = Opt.Double("--momentum", "SGD momentum in [0, 1).", D.Optimizer.Momentum, OptionLimits.Momentum);
    public readonly Option<double> WeightPrior = Opt.Double("--weight-prior", "Precision of a N(0, 1/precision) prior on every parameter, " +
        "scaled by 1/N per datapoint (paper: 1); 0 = none.", D.Optimizer.WeightPrior, OptionLimits.WeightPrior);
    public readonly Option<string> Init = Opt.Choice("--init", "Initialisation: torch = PyTorch nn.Linear's U(±1/sqrt(fan_in)); " +
        "xavier = Glorot uniform; normal = N(0, init-std^2) (the paper's).", "torch", Inits.Keys.ToArray());
    public readonly Option<double> InitStd = Opt.Double("--init-std", "Standard deviation of --init normal.", double.Parse(D.InitStd.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), OptionLimits.InitStd);
    public readonly Option<string> InitFrom = Opt.Text("--init-from", "Start from the weights in this safetensors file (`vae export`, or " +
        "scripts/vae_torch.py: PyTorch names, [out, in] weights) instead of --init (default: none, initialise from --seed); its model must match --dz/--hidden/--likelihood.", "FILE");
    public readonly Option<ulong?> Seed = Opt.Seed("--seed", "Seed of every random stream (init, shuffle, noise, binarization, evaluation).", D.Seed);
    public readonly Option<long> EvalEvery = Opt.Long("--eval-every", "Evaluate the test ELBO every this many training samples; 0 = once per epoch.", D.EvalEverySamples, OptionLimits.EvalEvery);
    public readonly Option<int> FinalK = Opt.Int("--final-k", "Samples K of the final log p(x) estimate (importance sampling; " +
        "HMC / Appendix D for --method mcem, which has no trained encoder); 0 = skip it.", D.FinalK, OptionLimits.FinalK, helpName: "K");
    public readonly Option<int> EvalLimit = Opt.Int("--eval-limit", "Final evaluation on the first N test rows; 0 = the whole test set.", D.EvalLimit, OptionLimits.EvalLimit);
    public readonly Option<string> Data = Opt.Text("--data", "Data root; default: $VAE_DATA, else data/ in the repository.", "DIR");
    public readonly Option<string> Out = Opt.Text("--out", "Results root: the run goes to OUT/EXPERIMENT/RUN-ID/.", "DIR", "results");
    public readonly Option<string> Experiment = Opt.Text("--experiment", "Experiment folder under --out; default: the dataset name.", "NAME");
    public readonly Option<string> RunId = Opt.Text("--run-id", "Run folder name; default: a fresh time-stamped id.", "ID");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, OptionLimits.Threads);
    public readonly Option<string> Precision = VaeCli.PrecisionOption();
    public readonly Option<bool> Resume = Opt.Flag("--resume", "Continue the unfinished run --run-id from its last checkpoint (a missing folder starts fresh).");
    public readonly Option<bool> AllowChange = Opt.Flag(RunSegments.AllowChangeOption, "With --resume: accept a resume that changes what the run " +
        "means (a smaller budget than already trained, another BLAS provider); refused otherwise. Recorded in the manifest's segment.");

    /// <summary>The command, with every option above.</summary>
    public Command Command { get; }

    public TrainCli(Func<TextWriter> output)
    {
        Command = new Command("train", "Train a VAE into a run folder (manifest, curve, checkpoints, figures, metrics.json last).")
        {
            Dataset, Method, TrainLimit, Preset, Variant, Validation, Model, Dz, Hidden, Activation, Likelihood, AllowMismatch, Estimator, Samples, Batch, Epochs,
            MaxSamples, Optimizer, Lr, Momentum, WeightPrior, Init, InitStd, InitFrom, Seed, EvalEvery, FinalK, EvalLimit, Data, Out,
            Experiment, RunId, Threads, Precision, Resume, AllowChange,
        };
        Command.SetAction(r =>
        {
            if (r.GetValue(Model) == "dcgan")
            {
                var g = BindGan(r);
                GanRun.Train(g.Options, g.ResultsRoot, g.Experiment, g.RunId, VaeCli.Blas(g.Threads), output(), g.Resume);
                return ExitCodes.Ok;
            }
            var c = Bind(r);
            var o = output();
            RunDriver.Train(c.Options, c.ResultsRoot, c.Experiment, c.RunId, VaeCli.Blas(c.Threads, c.Precision), o,
                            c.Resume, c.ChooseStepSize, liveProgress: ReferenceEquals(o, Console.Out) && !Console.IsOutputRedirected,
                            allowChange: c.AllowChange);
            return ExitCodes.Ok;
        });
    }

    /// <summary>`vae train ARGS` as a request (parse errors and refused values throw <see cref="UsageException"/>).</summary>
    public static TrainRequest ParseRequest(IReadOnlyList<string> args)
    {
        var t = new TrainCli(() => TextWriter.Null);
        return t.Bind(VaeCli.ThrowOnErrors(VaeCli.ParseVerb(t.Command, args)));
    }

    /// <summary>A parsed `vae train --model dcgan`: its options and where the run goes; an option a DCGAN does not use is refused.</summary>
    public (GanOptions Options, string ResultsRoot, string Experiment, string? RunId, int Threads, bool Resume) BindGan(ParseResult r)
    {
        Option[] used = [Model, Dataset, Epochs, MaxSamples, Batch, Lr, Dz, Seed, Data, Out, Experiment, RunId, Threads, Resume];
        var refused = Command.Options.Where(o => !used.Contains(o) && r.Given(o)).Select(o => o.Name).ToList();
        if (refused.Count > 0)
            throw new UsageException($"{string.Join(", ", refused)} do(es) not apply to --model dcgan (it takes {string.Join(", ", used.Select(o => o.Name))})");
        var d = new GanOptions();
        T Pick<T>(Option<T> opt, T current) => r.Given(opt) ? r.GetValue(opt)! : current;
        var o = d with
        {
            Dataset = r.GetValue(Dataset)!, DataDir = r.GetValue(Data), Epochs = Pick(Epochs, d.Epochs), MaxTrainingSamples = Pick(MaxSamples, d.MaxTrainingSamples),
            BatchSize = Pick(Batch, d.BatchSize), LearningRate = Pick(Lr, d.LearningRate), Seed = r.Given(Seed) ? r.GetValue(Seed)!.Value : d.Seed,
            Model = d.Model with { Dz = Pick(Dz, d.Model.Dz) },
        };
        try { o.Validate(); } catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (r.GetValue(Resume) && !r.Given(RunId)) throw new UsageException("--resume needs --run-id (the folder to continue)");
        return (o, r.GetValue(Out)!, r.GetValue(Experiment) ?? o.Dataset, r.GetValue(RunId), r.GetValue(Threads), r.GetValue(Resume));
    }

    /// <summary>The run a parsed `vae train` asks for: dataset setup, then preset, then the options typed; validated.</summary>
    public TrainRequest Bind(ParseResult r)
    {
        var info = Catalog.Get(r.GetValue(Dataset)!);
        var o = DatasetDefaults.Apply(new TrainOptions(), info);
        string? preset = r.GetValue(Preset);
        if (preset is not null) o = Presets.Apply(preset, o);
        T Pick<T>(Option<T> opt, T current) => r.Given(opt) ? r.GetValue(opt)! : current;
        o = o with
        {
            Variant = r.Given(Variant) ? DataVariants.Parse(r.GetValue(Variant)!) : o.Variant,
            Validation = r.Given(Validation) ? Splits[r.GetValue(Validation)!] : o.Validation,
            Estimator = r.Given(Estimator) ? Enum.Parse<Estimator>(r.GetValue(Estimator)!, true) : o.Estimator,
            Method = r.Given(Method) ? TrainingMethods.Parse(r.GetValue(Method)!) : o.Method, TrainLimit = Pick(TrainLimit, o.TrainLimit),
            Samples = Pick(Samples, o.Samples), BatchSize = Pick(Batch, o.BatchSize), Epochs = Pick(Epochs, o.Epochs),
            MaxTrainingSamples = Pick(MaxSamples, o.MaxTrainingSamples),
            Init = r.Given(Init) ? Inits[r.GetValue(Init)!] : o.Init, InitStd = r.Given(InitStd) ? (float)r.GetValue(InitStd) : o.InitStd,
            InitFrom = r.GetValue(InitFrom),
            Seed = r.Given(Seed) ? r.GetValue(Seed)!.Value : o.Seed, EvalEverySamples = Pick(EvalEvery, o.EvalEverySamples), FinalK = Pick(FinalK, o.FinalK),
            EvalLimit = Pick(EvalLimit, o.EvalLimit), DataDir = r.GetValue(Data), AllowMismatch = r.GetValue(AllowMismatch),
            Optimizer = o.Optimizer with
            {
                Kind = r.Given(Optimizer) ? Enum.Parse<OptimizerKind>(r.GetValue(Optimizer)!, true) : o.Optimizer.Kind,
                LearningRate = Pick(Lr, o.Optimizer.LearningRate), Momentum = Pick(Momentum, o.Optimizer.Momentum),
                WeightPrior = Pick(WeightPrior, o.Optimizer.WeightPrior),
            },
        };
        var sizes = r.Given(Hidden) ? Opt.Sizes("--hidden", r.GetValue(Hidden)!) : null;
        bool conv = r.GetValue(Model) == "conv";
        if (conv) sizes ??= [32, 64];
        o = o with
        {
            Model = o.Model with
            {
                Dz = Pick(Dz, o.Model.Dz),
                EncoderHidden = sizes ?? o.Model.EncoderHidden, DecoderHidden = sizes?.Reverse().ToArray() ?? o.Model.DecoderHidden,
                Activation = r.Given(Activation) ? Enum.Parse<Activation>(r.GetValue(Activation)!, true) : conv ? Vae.Core.Numerics.Activation.Relu : o.Model.Activation,
                Architecture = conv ? Architecture.Conv : o.Model.Architecture,
                // The likelihood follows a variant typed without --likelihood (grey -> Gaussian), so --variant alone stays consistent.
                Likelihood = r.Given(Likelihood) ? Enum.Parse<Likelihood>(r.GetValue(Likelihood)!, true)
                           : r.Given(Variant) ? DatasetDefaults.LikelihoodFor(o.Variant) : o.Model.Likelihood,
            },
        };
        try { DataVariants.Validate(info, o.Variant); o.Validate(); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        if (r.GetValue(Resume) && !r.Given(RunId)) throw new UsageException("--resume needs --run-id (the folder to continue)");
        bool choose = preset is not null && o.Optimizer.Kind == OptimizerKind.Adagrad && !r.Given(Lr);
        return new TrainRequest(o, r.GetValue(Out)!, r.GetValue(Experiment) ?? o.Dataset, r.GetValue(RunId), r.GetValue(Resume), choose,
                                r.GetValue(Threads), preset, r.GetValue(AllowChange), Precisions.Parse(r.GetValue(Precision)!));
    }
}
