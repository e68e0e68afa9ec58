// `vae fid` (Fréchet distance + label distribution of a run's samples) and `vae classifier` (train the feature classifier).
// Owns: their options and printing. Must not: train, sample or compute (Vae.Core's ClassifierRun and SampleQuality do).
using System.CommandLine;
using Vae.Core.Inputs;
using Vae.Core.IO;
using Vae.Core.Runs;
using Vae.Core.Training;

namespace Vae.Cli;

/// <summary>Options shared by both verbs: where the classifier lives and how a missing one is trained.</summary>
sealed class ClassifierOptionSet
{
    static readonly ClassifierOptions D = new();
    public readonly Option<string> Out = Opt.Text("--out", "Results root of the default classifier folder OUT/classifier/mnist-mlp-seed<S>.", "DIR", "results");
    public readonly Option<ulong?> Seed = Opt.Seed("--classifier-seed", "Seed of the classifier (initialisation and shuffle).", D.Seed);
    public readonly Option<int> Epochs = Opt.Int("--classifier-epochs", "Epochs of classifier training (Adam 1e-3, M = 100, all 60,000 grey MNIST training images).", D.Epochs, OptionLimits.Epochs);
    public readonly Option<string> Data = Opt.Text("--data", "Data root; default: $VAE_DATA, else data/.", "DIR");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, OptionLimits.Threads);

    public ClassifierOptions Options(ParseResult p) =>
        new() { Seed = p.GetValue(Seed)!.Value, Epochs = p.GetValue(Epochs), DataDir = p.GetValue(Data) };

    public string DefaultDir(ParseResult p) => SampleQuality.DefaultClassifierDir(p.GetValue(Out)!, p.GetValue(Seed)!.Value);

    public void AddTo(Command c) { c.Add(Out); c.Add(Seed); c.Add(Epochs); c.Add(Data); c.Add(Threads); }
}

/// <summary>`vae fid --run DIR`: Fréchet distance of the run's samples to the test images on the classifier's features.</summary>
public sealed class FidCli
{
    public readonly Option<string> Run = Opt.Text("--run", "Run folder whose samples are scored (a VAE or DCGAN run).", "DIR");
    public readonly Option<string> Classifier = Opt.Text("--classifier", "Classifier run folder; default OUT/classifier/mnist-mlp-seed<S> " +
        "(trained there first, and logged, if it does not exist).", "DIR");
    public readonly Option<int> N = Opt.Int("--n", "Number of samples drawn and scored.", 10_000, 2, 100_000);
    public readonly Option<ulong?> Seed = Opt.Seed("--seed", "Seed of the sample draws; default: the run's seed.");
    readonly ClassifierOptionSet _c = new();
    public Command Command { get; }

    public FidCli(Func<TextWriter> output)
    {
        Run.Required = true;
        Command = new Command("fid", "Sample quality of a run: Fréchet distance between the penultimate-layer features of a small MNIST " +
            "classifier on n samples and on the 10,000 test images (FID's formula, not Inception features), the same for n training " +
            "images (the floor), and the classifier's label distribution of the samples; writes frechet-n<n>.json into the run.") { Run, Classifier, N, Seed };
        _c.AddTo(Command);
        Command.SetAction(p =>
        {
            var o = output();
            var blas = VaeCli.Blas(p.GetValue(_c.Threads));
            string run = p.GetValue(Run)!;
            var samples = RunSamples.Draw(run, p.GetValue(N), blas, p.GetValue(Seed)); // a bad run fails before any classifier training
            var cls = SampleQuality.EnsureClassifier(p.GetValue(Classifier) ?? _c.DefaultDir(p), _c.Options(p), blas, o);
            var r = SampleQuality.Evaluate(run, samples, cls, blas, p.GetValue(_c.Data));
            o.WriteLine($"{r.Model}: Fréchet distance {r.Frechet:F3} ({r.Samples} samples, seed {r.Seed}) vs test images; " +
                        $"{r.DataFrechet:F3} for {r.Samples} training images (the floor)");
            o.WriteLine($"classifier {r.ClassifierModel} at {r.Classifier} (test accuracy {r.ClassifierAccuracy:P2})");
            o.WriteLine($"label distribution of the samples: {string.Join(" ", r.LabelFractions.Select((f, k) => $"{k}:{f:F3}"))}; " +
                        $"entropy {r.LabelEntropy:F4} nats, KL to uniform {r.LabelKlToUniform:F4} nats ({r.Seconds:F1} s)");
            return ExitCodes.Ok;
        });
    }
}

/// <summary>`vae classifier`: trains the Fréchet feature classifier into OUT/classifier/mnist-mlp-seed&lt;S&gt; (or --dir).</summary>
public sealed class ClassifierCli
{
    public readonly Option<string> Dir = Opt.Text("--dir", "Classifier run folder; default OUT/classifier/mnist-mlp-seed<S>. Must not hold a run yet.", "DIR");
    readonly ClassifierOptionSet _c = new();
    public Command Command { get; }

    public ClassifierCli(Func<TextWriter> output)
    {
        Command = new Command("classifier", "Train the small MNIST classifier (784-256-128-10 ReLU, softmax) whose features `vae fid` uses; " +
                                            "prints and saves its test accuracy (metrics.json) with its weights (checkpoint.ckpt).") { Dir };
        _c.AddTo(Command);
        Command.SetAction(p =>
        {
            string dir = p.GetValue(Dir) ?? _c.DefaultDir(p);
            if (ClassifierRun.Exists(dir)) throw new UsageException($"--dir {Path.GetFullPath(dir)} already holds a trained classifier");
            var run = SampleQuality.EnsureClassifier(dir, _c.Options(p), VaeCli.Blas(p.GetValue(_c.Threads)), output());
            output().WriteLine($"test accuracy {run.TestAccuracy:P2} ({RunFolder.MetricsFile} in {run.Path})");
            return ExitCodes.Ok;
        });
    }
}
