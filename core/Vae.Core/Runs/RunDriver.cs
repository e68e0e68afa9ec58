// "Train a TrainOptions into a run folder": data, manifest, curve, checkpoints, final evaluation, figures, metrics
// (last), and resume of a killed run. The one code path for the CLI and the F# scripts.
// Owns: what a run folder contains and in which order it is written. Must not: parse arguments or do maths.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vae.Core.Data;
using Vae.Core.IO;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Core.Runs;

/// <summary>Timings recorded in the manifest. Seconds of training are summed over resumed segments.</summary>
public sealed record RunTimings(DateTime StartedUtc, DateTime? FinishedUtc, double TrainSeconds, double FinalEvalSeconds,
                                double SecondsPerEpoch, int Resumes);

/// <summary>manifest.json of a training run (RunFolder adds the environment: machine, .NET, git commit, command line).</summary>
public sealed record RunManifest(TrainOptions Options, string Data, string Variant, string Model, int Parameters, string Blas,
                                 ulong Seed, string SeedStreams, StepSizeChoice? StepSize, RunTimings Timings);

/// <summary>Trains runs into run folders.</summary>
public static class RunDriver
{
    /// <summary>File names inside a run folder (besides manifest.json / metrics.json and the figures).</summary>
    public const string CheckpointFile = "checkpoint.ckpt", CurveFile = "curve.csv";

    /// <summary>Columns of curve.csv: training samples seen (paper Fig. 2 axis), epoch, step, seconds of training,
    /// mean minibatch bound since the previous row, test-set ELBO (nats per datapoint).</summary>
    public static readonly IReadOnlyList<string> CurveFields = ["samples", "epoch", "step", "seconds", "train_elbo", "test_elbo"];

    /// <summary>Loads the dataset named by the options and prepares its variant.</summary>
    public static PreparedData LoadData(TrainOptions o) =>
        DataVariants.Prepare(Datasets.Load(o.Dataset, o.DataDir, o.Validation), o.Variant, o.Seed);

    /// <summary>
    /// Trains <paramref name="o"/> into <paramref name="resultsRoot"/>/<paramref name="experiment"/>/<paramref name="runId"/>
    /// (a fresh time-stamped id when null). With <paramref name="resume"/> (needs a run id), a folder holding a checkpoint
    /// and no metrics.json continues from that checkpoint; a missing folder starts fresh.
    /// </summary>
    /// <remarks>chooseStepSize: run <see cref="Presets.ChooseAdagradStepSize"/> first (fresh runs only) and train with the winner.
    /// liveProgress: redraw one progress line (a terminal) instead of periodic plain lines. Progress and result lines go to log.</remarks>
    public static TrainResult Train(TrainOptions o, string resultsRoot, string experiment, string? runId, IBlas blas, TextWriter log,
                                    bool resume = false, bool chooseStepSize = false, bool liveProgress = false)
    {
        o.Validate();
        if (resume && runId is null) throw new ArgumentException("--resume needs --run-id (the folder to continue)");
        var data = LoadData(o);
        string path = Path.Combine(resultsRoot, experiment, runId ?? "");
        var folder = resume && Directory.Exists(path) ? RunFolder.Open(path) : RunFolder.Create(resultsRoot, experiment, runId);
        return Train(o, data, folder, blas, log, resume, chooseStepSize, liveProgress);
    }

    /// <summary>Trains on already prepared data into an existing (empty, or resumable) run folder.</summary>
    public static TrainResult Train(TrainOptions o, PreparedData data, RunFolder folder, IBlas blas, TextWriter log,
                                    bool resume = false, bool chooseStepSize = false, bool liveProgress = false)
    {
        o.Validate(); o.ValidateAgainst(data);
        if (File.Exists(folder.File(RunFolder.MetricsFile)))
            throw new InvalidOperationException($"run '{folder.Path}' is already finished (metrics.json exists); start a new run id");
        string ckpt = folder.File(CheckpointFile);
        bool resuming = resume && File.Exists(ckpt);
        string variant = DataVariants.Label(o.Variant, o.Model.Likelihood == Model.Likelihood.Bernoulli);
        var started = DateTime.UtcNow;
        StepSizeChoice? stepSize = null;
        CheckpointData? saved = null;
        RunManifest? previous = null;
        if (resuming)
        {
            saved = Checkpoint.Load(ckpt);
            var savedOptions = JsonSerializer.Deserialize<TrainOptions>(saved.SpecJson)
                ?? throw new CheckpointFormatException(ckpt, "no options in the checkpoint");
            if (chooseStepSize) o = o with { Optimizer = o.Optimizer with { LearningRate = savedOptions.Optimizer.LearningRate } };
            if (Comparable(o) != Comparable(savedOptions))
                throw new ArgumentException($"run '{folder.Path}' was trained with other options; resume needs the same options " +
                                            $"(only epochs, sample budget, final K, eval limit and data folder may change)");
            previous = ReadManifest(folder);
            stepSize = previous?.StepSize;
            if (previous is not null) started = previous.Timings.StartedUtc;
        }
        else if (chooseStepSize)
        {
            if (o.Optimizer.Kind != OptimizerKind.Adagrad) throw new ArgumentException($"step-size selection is for Adagrad, found {o.Optimizer.Kind}");
            stepSize = Presets.ChooseAdagradStepSize(o, data, blas, log: log);
            o = o with { Optimizer = o.Optimizer with { LearningRate = stepSize.Chosen } };
            log.WriteLine($"chosen Adagrad step size: {stepSize.Chosen}");
        }

        var trainer = new Trainer(o, blas, data);
        if (saved is not null) trainer.Restore(saved);
        long startStep = trainer.Step, startSamples = trainer.SamplesSeen;
        double secondsBefore = 0;
        var curve = resuming
            ? CurveCsv.Resume(folder.File(CurveFile), CurveFields, row => { bool keep = row[2] <= startStep; if (keep) secondsBefore = row[3]; return keep; })
            : folder.CreateCurve(CurveFile, CurveFields);
        int resumes = (previous?.Timings.Resumes ?? 0) + (resuming ? 1 : 0);
        RunManifest Manifest(RunTimings t) => new(o, data.Describe(), variant, o.Model.ToString(), trainer.Theta.Length, blas.Describe(),
            o.Seed, "one seed; independent xoshiro256** streams Init=1, Shuffle=2, Noise=3, Binarize=4, Eval=5, Split=6", stepSize, t);
        folder.WriteManifest(Manifest(new RunTimings(started, null, secondsBefore, 0, 0, resumes)));

        var progress = new ProgressReporter(log, liveProgress, variant, startSamples);
        progress.Line(resuming
            ? $"resuming {folder.Path} at step {startStep} ({startSamples} samples)"
            : $"run {folder.Path}: {o.Dataset} ({variant}), {o.Model}, method {TrainingMethods.Label(o.Method)}, {o.Optimizer.Kind} lr {o.Optimizer.LearningRate}, {trainer.TotalSteps} steps; {blas.Describe()}");
        var sw = Stopwatch.StartNew();
        var lastTimings = trainer.Timings; double lastWall = 0;
        try
        {
            trainer.Run(
                onCurve: p =>
                {
                    curve.Append([p.Samples, p.Epoch, p.Step, secondsBefore + p.Seconds, p.TrainElbo, p.TestElbo]);
                    // Where this interval's wall time went (issue 11: an epoch should cost <= 1.1 x its steps).
                    double wall = sw.Elapsed.TotalSeconds; var t = trainer.Timings - lastTimings;
                    string split = FormattableString.Invariant(
                        $"interval {wall - lastWall:F2} s = steps {t.StepSeconds:F2} (batches+noise {t.BatchSeconds:F2}) + test ELBO {t.EvalSeconds:F2} + other {wall - lastWall - t.StepSeconds - t.EvalSeconds:F2}; interval/steps {(wall - lastWall) / t.StepSeconds:F3}");
                    (lastTimings, lastWall) = (trainer.Timings, wall);
                    progress.Line($"epoch {p.Epoch} samples {p.Samples}: train bound {p.TrainElbo:F2} nats, test ELBO {p.TestElbo:F2} nats ({variant}), {secondsBefore + p.Seconds:F1} s; {split}");
                },
                onProgress: progress.Report,
                checkpoint: t => Checkpoint.Save(ckpt, t.Snapshot()));
        }
        catch (TrainingDivergedException e)
        {
            progress.Line($"training diverged: {e.Message}; the last good checkpoint is kept at {ckpt}");
            throw;
        }
        double trainSeconds = sw.Elapsed.TotalSeconds;

        var evalWatch = Stopwatch.StartNew();
        var test = trainer.TestElbo(o.EvalLimit);
        var train = trainer.TrainElbo(o.EvalLimit);
        // MCEM trains no encoder, so importance sampling from q(z|x) would score the untrained encoder: it gets Appendix D.
        var estimator = o.Method == TrainingMethod.Mcem ? Inference.LogPxEstimator.Hmc : Inference.LogPxEstimator.Is;
        var ll = o.FinalK <= 0 ? null : estimator == Inference.LogPxEstimator.Hmc
            ? ToLogLikelihood(trainer.TestLogLikelihoodHmc(o.FinalK, o.EvalLimit))
            : trainer.TestLogLikelihood(o.FinalK, o.EvalLimit);
        var diag = trainer.Diagnose(o.EvalLimit);
        double evalSeconds = evalWatch.Elapsed.TotalSeconds;
        RunFigures.WriteAll(folder, o.Model, trainer.Theta, data.Test, blas, o.Seed, scatterLimit: o.EvalLimit);

        long samplesNow = trainer.SamplesSeen - startSamples;
        double secPerEpoch = samplesNow > 0 ? trainSeconds * trainer.Data.Train.N / samplesNow : double.NaN;
        double totalSeconds = secondsBefore + trainSeconds;
        folder.WriteManifest(Manifest(new RunTimings(started, DateTime.UtcNow, totalSeconds, evalSeconds, secPerEpoch, resumes)));

        var result = new TrainResult(o.Dataset, variant, o.Model.ToString(), o.Model.Dz, string.Join("-", o.Model.EncoderHidden),
            o.Model.Likelihood.ToString(), o.Estimator.ToString(), o.Samples, o.BatchSize, o.Optimizer.Kind.ToString(),
            o.Optimizer.LearningRate, o.Optimizer.WeightPrior, o.Seed, (int)(trainer.SamplesSeen / trainer.Data.Train.N), trainer.SamplesSeen,
            train.Elbo, test.Elbo, test.StdErr, ll?.LogPx ?? double.NaN, ll?.StdErr ?? double.NaN, o.FinalK, diag.ActiveUnits,
            totalSeconds, secPerEpoch, blas.Describe());
        var metrics = (JsonObject)JsonSerializer.SerializeToNode(result, RunFolder.JsonOptions)!;
        metrics["TestBitsPerDim"] = BitsPerDim(test.Elbo, o.Model.D);
        metrics["LogPxBitsPerDim"] = ll is null ? double.NaN : BitsPerDim(ll.LogPx, o.Model.D);
        metrics["LogPxSeconds"] = ll?.Seconds ?? 0;
        metrics["TestLogPxz"] = test.LogPxz;
        metrics["TestKl"] = test.Kl;
        metrics["EvalRows"] = test.N;
        metrics["RunId"] = folder.RunId;
        metrics["Method"] = TrainingMethods.Label(o.Method);
        metrics["LogPxEstimator"] = ll is null ? "none" : Inference.LogPxEstimators.Label(estimator);
        metrics["TrainRows"] = trainer.Data.Train.N;
        folder.WriteMetrics(metrics); // LAST: its presence marks a finished run
        progress.Line($"done: test ELBO {test.Elbo:F2} ± {test.StdErr:F2} nats ({BitsPerDim(test.Elbo, o.Model.D):F4} bits/dim), " +
                      $"train ELBO {train.Elbo:F2} nats, {diag.ActiveUnits} active units" +
                      (ll is null ? "" : $", log p(x) ~ {ll.LogPx:F2} ± {ll.StdErr:F2} nats ({Inference.LogPxEstimators.Describe(estimator)}, K={ll.K}, {ll.Seconds:F1} s)") +
                      $" ({variant}); {secPerEpoch:F1} s/epoch; {folder.Path}");
        return result;
    }

    static Inference.LogLikelihoodResult ToLogLikelihood(Inference.AppendixDResult r) => new(r.LogPx, r.StdErr, r.K, r.N, r.Seconds);

    /// <summary>Bits per dimension of a log-likelihood (or bound) in nats per datapoint: -value / (D ln 2).</summary>
    public static double BitsPerDim(double natsPerDatapoint, int d) => -natsPerDatapoint / (d * Math.Log(2));

    /// <summary>Options with the fields that may change on resume neutralised.</summary>
    static TrainOptions Comparable(TrainOptions o) => o with { DataDir = null, Epochs = 1, MaxTrainingSamples = 0, FinalK = 0, EvalLimit = 0 };

    static RunManifest? ReadManifest(RunFolder folder)
    {
        try { return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(folder.File(RunFolder.ManifestFile)), RunFolder.JsonOptions); }
        catch (Exception e) when (e is IOException or JsonException or NotSupportedException) { return null; }
    }
}
