// Arguments of the `vae` verbs -> option records, one option per record field; bad input -> UsageException (exit code 2).
// Owns: option names, value parsing, the order presets and explicit options are applied in.
// Must not: run anything, print, or read files.
using Vae.Core.Data;
using Vae.Core.Inputs;
using Vae.Core.Model;
using Vae.Core.Training;
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Core.Runs;

/// <summary>Bad command-line input; the message says which option, what was given and what is accepted.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>`vae train`: the run's options plus where it goes (ResultsRoot/Experiment/RunId). ChooseStepSize is true with
/// --preset paper unless --lr is given (pick the Adagrad step size first); Threads = BLAS threads (0 = all processors).</summary>
public sealed record TrainCommand(TrainOptions Options, string ResultsRoot, string Experiment, string? RunId, bool Resume,
                                  bool ChooseStepSize, int Threads, string? Preset, bool AllowChange = false);

/// <summary>`vae eval --run DIR [--k 5000] [--eval-limit N] [--data DIR] [--threads N]`.</summary>
public sealed record EvalCommand(string Run, int K, int Limit, string? DataDir, int Threads);

/// <summary>`vae sample --run DIR [--n 64] [--seed S] [--threads N]`.</summary>
public sealed record SampleCommand(string Run, int N, ulong? Seed, int Threads);

/// <summary>Parses the verbs' arguments.</summary>
public static class CommandLine
{
    /// <summary>Options of `vae train`, in the order they are applied (dataset first, then the preset, then the rest).</summary>
    public static readonly IReadOnlyList<string> TrainOptionNames =
    [
        "dataset", "preset", "variant", "validation", "dz", "hidden", "activation", "likelihood", "estimator", "samples", "batch",
        "epochs", "max-samples", "optimizer", "lr", "momentum", "weight-prior", "init", "init-std", "seed", "eval-every",
        "final-k", "eval-limit", "data", "out", "experiment", "run-id", "threads", "resume", "allow-change",
    ];

    static readonly HashSet<string> Flags = ["resume", "allow-change"];

    /// <summary>Parses `vae train` arguments (without the verb).</summary>
    public static TrainCommand ParseTrain(IReadOnlyList<string> args)
    {
        var a = Tokens(args, TrainOptionNames, "train");
        var o = new TrainOptions();
        if (a.TryGetValue("dataset", out var ds))
        {
            var info = Wrap("dataset", () => Catalog.Get(ds));
            o = o with { Dataset = info.Name, Model = o.Model with { D = info.D } };
        }
        string? preset = a.GetValueOrDefault("preset");
        if (preset is not null) o = Wrap("preset", () => Presets.Apply(preset, o));
        foreach (var (k, v) in a)
        {
            o = k switch
            {
                "variant" => o with { Variant = Wrap(k, () => DataVariants.Parse(v)) },
                "validation" => o with { Validation = Choice<ValidationSplit>(k, v, new() { ["holdout"] = ValidationSplit.HoldOut, ["merge"] = ValidationSplit.MergeIntoTrain }) },
                "dz" => o with { Model = o.Model with { Dz = Int(k, v) } },
                "hidden" => Hidden(o, v),
                "activation" => o with { Model = o.Model with { Activation = Choice<Activation>(k, v, new() { ["tanh"] = Activation.Tanh, ["relu"] = Activation.Relu, ["softplus"] = Activation.Softplus, ["identity"] = Activation.Identity }) } },
                "likelihood" => o with { Model = o.Model with { Likelihood = Choice<Likelihood>(k, v, new() { ["bernoulli"] = Likelihood.Bernoulli, ["gaussian"] = Likelihood.Gaussian }) } },
                "estimator" => o with { Estimator = Choice<Estimator>(k, v, new() { ["a"] = Estimator.A, ["b"] = Estimator.B }) },
                "samples" => o with { Samples = Int(k, v) },
                "batch" => o with { BatchSize = Int(k, v) },
                "epochs" => o with { Epochs = Int(k, v) },
                "max-samples" => o with { MaxTrainingSamples = Long(k, v) },
                "optimizer" => o with { Optimizer = o.Optimizer with { Kind = Choice<OptimizerKind>(k, v, new() { ["sgd"] = OptimizerKind.Sgd, ["adagrad"] = OptimizerKind.Adagrad, ["adam"] = OptimizerKind.Adam }) } },
                "lr" => o with { Optimizer = o.Optimizer with { LearningRate = Double(k, v) } },
                "momentum" => o with { Optimizer = o.Optimizer with { Momentum = Double(k, v) } },
                "weight-prior" => o with { Optimizer = o.Optimizer with { WeightPrior = Double(k, v) } },
                "init" => o with { Init = Choice<InitScheme>(k, v, new() { ["xavier"] = InitScheme.XavierUniform, ["normal"] = InitScheme.Normal, ["torch"] = InitScheme.TorchUniform }) },
                "init-std" => o with { InitStd = (float)Double(k, v) },
                "seed" => o with { Seed = Input.ParseUlong("--seed", v) },
                "eval-every" => o with { EvalEverySamples = Long(k, v) },
                "final-k" => o with { FinalK = Int(k, v) },
                "eval-limit" => o with { EvalLimit = Int(k, v) },
                "data" => o with { DataDir = v },
                _ => o, // dataset, preset (applied above); out, experiment, run-id, threads, resume (below)
            };
        }
        o.Validate(); // InputException naming the option (Vae.Core.Inputs, shared with the F# layer)
        int threads = a.TryGetValue("threads", out var t) ? Int("threads", t) : 0;
        bool choose = preset is not null && o.Optimizer.Kind == OptimizerKind.Adagrad && !a.ContainsKey("lr");
        return new TrainCommand(o, a.GetValueOrDefault("out") ?? "results", a.GetValueOrDefault("experiment") ?? o.Dataset,
                                a.GetValueOrDefault("run-id"), a.ContainsKey("resume"), choose, threads, preset, a.ContainsKey("allow-change"));
    }

    /// <summary>Parses `vae eval` arguments (without the verb).</summary>
    public static EvalCommand ParseEval(IReadOnlyList<string> args)
    {
        var a = Tokens(args, ["run", "k", "eval-limit", "data", "threads"], "eval");
        if (!a.TryGetValue("run", out var run)) throw new UsageException("--run DIR is required");
        int k = a.TryGetValue("k", out var kv) ? Int("k", kv) : 5000;
        int limit = a.TryGetValue("eval-limit", out var l) ? Int("eval-limit", l) : 0;
        return new EvalCommand(run, k, limit, a.GetValueOrDefault("data"), a.TryGetValue("threads", out var t) ? Int("threads", t) : 0);
    }

    /// <summary>Parses `vae sample` arguments (without the verb).</summary>
    public static SampleCommand ParseSample(IReadOnlyList<string> args)
    {
        var a = Tokens(args, ["run", "n", "seed", "threads"], "sample");
        if (!a.TryGetValue("run", out var run)) throw new UsageException("--run DIR is required");
        int n = a.TryGetValue("n", out var nv) ? Int("n", nv) : 64;
        ulong? seed = a.TryGetValue("seed", out var s) ? Input.ParseUlong("--seed", s) : null;
        return new SampleCommand(run, n, seed, a.TryGetValue("threads", out var t) ? Int("threads", t) : 0);
    }

    /// <summary>"--name value", "--name=value" and flags -> ordered map; unknown, repeated or value-less options throw.</summary>
    static Dictionary<string, string> Tokens(IReadOnlyList<string> args, IReadOnlyList<string> known, string verb)
    {
        var map = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i++)
        {
            string tok = args[i];
            if (!tok.StartsWith("--", StringComparison.Ordinal) || tok.Length == 2)
                throw new UsageException($"unexpected argument '{tok}'; options look like --name value");
            string name = tok[2..], value;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (Flags.Contains(name)) value = "true";
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            else throw new UsageException($"option --{name} needs a value");
            if (!known.Contains(name))
                throw new UsageException($"unknown option --{name}; known options: {string.Join(", ", known.Select(k => "--" + k))}");
            if (!map.TryAdd(name, value)) throw new UsageException($"option --{name} is given twice");
        }
        return map;
    }

    static TrainOptions Hidden(TrainOptions o, string v)
    {
        var sizes = v.Split(',').Select(s => Int("hidden", s.Trim())).ToArray();
        if (sizes.Any(h => h <= 0)) throw new UsageException($"--hidden: sizes ({v}) must be positive");
        return o with { Model = o.Model with { EncoderHidden = sizes, DecoderHidden = sizes.Reverse().ToArray() } };
    }

    static T Choice<T>(string name, string v, Dictionary<string, T> choices) =>
        choices.TryGetValue(v.Trim().ToLowerInvariant(), out var r) ? r
        : throw new UsageException($"--{name}: '{v}' is not one of {string.Join(", ", choices.Keys)}");

    // Parsing and range checks: the core's one validation layer (Vae.Core.Inputs), limits by option name.
    static int Int(string name, string v) => Input.ParseInt("--" + name, v, OptionLimits.For(name));
    static long Long(string name, string v) => Input.ParseLong("--" + name, v, OptionLimits.For(name));
    static double Double(string name, string v) => Input.Parse("--" + name, v, OptionLimits.For(name));

    static T Wrap<T>(string name, Func<T> f)
    {
        try { return f(); }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        { throw new UsageException($"--{name}: {e.Message}"); }
    }
}
