// "Train a TrainOptions into a run folder": data, manifest (one segment per sitting), curve, checkpoints, final evaluation,
// figures, metrics (last, only when every number is finite), and resume of a killed run. The one code path for the CLI
// and the F# scripts. Owns: what a run folder contains and in which order it is written, the resume rules.
// Must not: parse arguments or do maths.
using System.Text.Json.Nodes;

namespace Vae.Core.Runs;

/// <summary>Timings recorded in the manifest. Seconds of training are summed over resumed segments.</summary>
public sealed record RunTimings(DateTime StartedUtc, DateTime? FinishedUtc, double TrainSeconds, double FinalEvalSeconds,
                                double SecondsPerEpoch, int Resumes);

/// <summary>manifest.json of a training run (RunFolder adds the environment: machine, .NET, git commit, command line).
/// Options and Blas are those of the latest segment; Segments lists every sitting (null in manifests older than segments).</summary>
public sealed record RunManifest(TrainOptions Options, string Data, string Variant, string Model, int Parameters, string Blas,
                                 ulong Seed, string SeedStreams, StepSizeChoice? StepSize, RunTimings Timings,
                                 IReadOnlyList<RunSegment>? Segments = null);

/// <summary>A run stopped on request (a Slurm warning signal, SIGTERM) after saving a checkpoint of its current step;
/// training it again with resume continues bit-exactly from there.</summary>
public sealed class RunInterruptedException(string runDir, long step)
    : OperationCanceledException($"run '{runDir}' interrupted at step {step}; checkpoint saved, resume continues from it")
{
    /// <summary>The optimizer step the checkpoint holds.</summary>
    public long Step { get; } = step;
}

/// <summary>Trains runs into run folders.</summary>
public static class RunDriver
{
    /// <summary>File names inside a run folder (besides manifest.json / metrics.json and the figures).</summary>
    public const string CheckpointFile = "checkpoint.ckpt", CurveFile = "curve.csv";

    /// <summary>Columns of curve.csv: training samples seen (paper Fig. 2 axis), epoch, step, seconds of training,
    /// mean minibatch bound since the previous row, test-set ELBO (nats per datapoint).</summary>
    public static readonly IReadOnlyList<string> CurveFields = ["samples", "epoch", "step", "seconds", "train_elbo", "test_elbo"];

    /// <summary>Loads the dataset named by the options and prepares its variant.</summary>
    public static PreparedData LoadData(TrainOptions o)
    {
        if (o.DataDir is not null) FileKinds.RequireFolderOrMissing("--data", o.DataDir);
        return DataVariants.Prepare(Datasets.Load(o.Dataset, o.DataDir, o.Validation), o.Variant, o.Seed);
    }

    /// <summary>
    /// Trains <paramref name="o"/> into <paramref name="resultsRoot"/>/<paramref name="experiment"/>/<paramref name="runId"/>
    /// (a fresh time-stamped id when null). With <paramref name="resume"/> (needs a run id), a folder holding a checkpoint
    /// and no metrics.json continues from that checkpoint; a missing folder starts fresh. The experiment and run id are
    /// checked on every path, resume included (<see cref="FileKinds.RunFolderPath"/>): nothing is written outside the root.
    /// </summary>
    /// <remarks>chooseStepSize: run <see cref="Presets.ChooseAdagradStepSize"/> first (fresh runs only) and train with the winner.
    /// liveProgress: redraw one progress line (a terminal) instead of periodic plain lines. Progress and result lines go to log.
    /// allowChange: accept a resume that changes what the run means (<see cref="RunSegments.MeaningChanges"/>), recorded.</remarks>
    public static TrainResult Train(TrainOptions o, string resultsRoot, string experiment, string? runId, IBlas blas, TextWriter log,
                                    bool resume = false, bool chooseStepSize = false, bool liveProgress = false,
                                    CancellationToken cancel = default, bool allowChange = false)
    {
        o.Validate();
        if (resume && runId is null) throw Input.Error("--resume", "needs --run-id (the name of the run folder to continue)");
        runId ??= RunFolder.NewRunId(DateTime.UtcNow);
        string path = FileKinds.RunFolderPath(resultsRoot, experiment, runId);
        var data = LoadData(o);
        o.ValidateAgainst(data); // before the folder exists, so a bad --batch leaves nothing behind
        var folder = resume && Directory.Exists(path) ? RunFolder.Open(path) : RunFolder.Create(resultsRoot, experiment, runId);
        return Train(o, data, folder, blas, log, resume, chooseStepSize, liveProgress, cancel, allowChange);
    }

    /// <summary>Trains on already prepared data into an existing (empty, or resumable) run folder.</summary>
    /// <remarks>Holds the folder's <see cref="RunLock"/> throughout (re-entrant: a sweep may already hold it) and fails
    /// with <see cref="RunLockedException"/> when another process trains it. A cancelled <paramref name="cancel"/> saves a
    /// checkpoint of the current step and throws <see cref="RunInterruptedException"/>.</remarks>
    public static TrainResult Train(TrainOptions o, PreparedData data, RunFolder folder, IBlas blas, TextWriter log,
                                    bool resume = false, bool chooseStepSize = false, bool liveProgress = false,
                                    CancellationToken cancel = default, bool allowChange = false)
    {
        o.Validate(); o.ValidateAgainst(data);
        using var runLock = RunLock.TryAcquire(folder.Path) ?? throw new RunLockedException(folder.Path, RunLock.Holder(folder.Path));
        if (File.Exists(folder.File(RunFolder.MetricsFile)))
            throw new InvalidOperationException($"run '{folder.Path}' is already finished (metrics.json exists); start a new run id");
        int stale = AtomicFile.RemoveStaleTemps(folder.Path);
        if (stale > 0) log.WriteLine($"removed {stale} temp file(s) left in {folder.Path} by a killed write");
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
            var savedOptions = TrainOptions.FromJson(saved.SpecJson)
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
        var segments = new List<RunSegment>(previous?.Segments ?? []);
        IReadOnlyList<string> changes = resuming
            ? RunSegments.MeaningChanges(segments.LastOrDefault(), previous?.Blas, startStep, trainer.TotalSteps, o.MaxTrainingSamples > 0
                ? o.MaxTrainingSamples : trainer.TotalSteps * o.BatchSize, blas)
            : [];
        RunSegments.Refuse(folder.Path, changes, allowChange);
        if (changes.Count > 0) log.WriteLine($"resuming with changes accepted by {RunSegments.AllowChangeOption} (recorded in the manifest): {string.Join("; ", changes)}");
        var env = RunEnvironment.Capture();
        var segment = new RunSegment(segments.Count + 1, DateTime.UtcNow, null, "running", startStep, startStep, trainer.TotalSteps,
            o.MaxTrainingSamples > 0 ? o.MaxTrainingSamples : trainer.TotalSteps * o.BatchSize, blas.Describe(), blas.Name, blas.Threads,
            env.GitCommit, env.CommandLine, changes);

        double secondsBefore = 0;
        var curve = resuming
            ? CurveCsv.Resume(folder.File(CurveFile), CurveFields, row => { bool keep = row[2] <= startStep; if (keep) secondsBefore = row[3]; return keep; })
            : folder.CreateCurve(CurveFile, CurveFields);
        int resumes = (previous?.Timings.Resumes ?? 0) + (resuming ? 1 : 0);
        RunManifest Manifest(RunTimings t) => new(o, data.Describe(), variant, o.Model.ToString(), trainer.Theta.Length, blas.Describe(),
            o.Seed, "one seed; independent xoshiro256** streams Init=1, Shuffle=2, Noise=3, Binarize=4, Eval=5, Split=6", stepSize, t,
            [.. segments, segment]);
        folder.WriteManifest(Manifest(new RunTimings(started, null, secondsBefore, 0, 0, resumes)));

        var progress = new ProgressReporter(log, liveProgress, variant, startSamples);
        progress.Line(resuming
            ? $"resuming {folder.Path} at step {startStep} ({startSamples} samples)"
            : $"run {folder.Path}: {o.Dataset} ({variant}), {o.Model}, method {TrainingMethods.Label(o.Method)}, {o.Optimizer.Kind} lr {o.Optimizer.LearningRate}, {trainer.TotalSteps} steps; {blas.Describe()}");
        var sw = Stopwatch.StartNew();

        TrainingDivergedException Diverged(string what, Exception? inner)
        {
            // The checkpoint on disk was saved after the last curve point whose parameters and test bound were finite.
            string kept = File.Exists(ckpt)
                ? $"the last checkpoint with a finite bound is kept at {ckpt} (step {CheckpointStep(ckpt)}); resuming from it would diverge again with the same options"
                : "no checkpoint with a finite bound exists (the run diverged before its first curve point)";
            segment = segment with { FinishedUtc = DateTime.UtcNow, ToStep = trainer.Step, Outcome = $"diverged: {what}" };
            folder.WriteManifest(Manifest(new RunTimings(started, null, secondsBefore + sw.Elapsed.TotalSeconds, 0, 0, resumes)));
            var e = new TrainingDivergedException($"training diverged: {what}; {kept}", inner);
            progress.Line(e.Message);
            return e;
        }
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
                        $"interval {wall - lastWall:F2} s = steps {t.StepSeconds:F2} (waiting for batches {t.BatchSeconds:F2}) + test ELBO {t.EvalSeconds:F2} + other {wall - lastWall - t.StepSeconds - t.EvalSeconds:F2}; interval/steps {(wall - lastWall) / t.StepSeconds:F3}");
                    (lastTimings, lastWall) = (trainer.Timings, wall);
                    progress.Line($"epoch {p.Epoch} samples {p.Samples}: train bound {p.TrainElbo:F2} nats, test ELBO {p.TestElbo:F2} nats ({variant}), {secondsBefore + p.Seconds:F1} s; {split}");
                },
                onProgress: progress.Report,
                checkpoint: t => Checkpoint.Save(ckpt, t.Snapshot()),
                cancel: cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Checkpoint.Save(ckpt, trainer.Snapshot());
            folder.WriteManifest(Manifest(new RunTimings(started, null, secondsBefore + sw.Elapsed.TotalSeconds, 0, 0, resumes)));
            progress.Line($"interrupted at step {trainer.Step} ({trainer.SamplesSeen} samples): checkpoint saved to {ckpt}");
            throw new RunInterruptedException(folder.Path, trainer.Step);
        }
        catch (TrainingDivergedException e) { throw Diverged(e.Message, e); }
        double trainSeconds = sw.Elapsed.TotalSeconds;

        var evalWatch = Stopwatch.StartNew();
        var test = trainer.TestElbo(o.EvalLimit);
        var train = trainer.TrainElbo(o.EvalLimit);
        // MCEM trains no encoder, so importance sampling from q(z|x) would score the untrained encoder: it gets Appendix D.
        var estimator = o.Method == TrainingMethod.Mcem ? Inference.LogPxEstimator.Hmc : Inference.LogPxEstimator.Is;
        var ll = o.FinalK <= 0 ? null : estimator == Inference.LogPxEstimator.Hmc
            ? ToLogLikelihood(trainer.TestLogLikelihoodHmc(o.FinalK, o.EvalLimit))
            : trainer.TestLogLikelihood(o.FinalK, o.EvalLimit);
        foreach (var (name, value) in new[] { ("test ELBO", test.Elbo), ("train ELBO", train.Elbo), ("log p(x)", ll?.LogPx ?? 0) })
            if (!double.IsFinite(value)) throw Diverged($"final evaluation at step {trainer.Step}: the {name} is {value}", null);
        var diag = trainer.Diagnose(o.EvalLimit);
        double evalSeconds = evalWatch.Elapsed.TotalSeconds;
        RunFigures.WriteAll(folder, o.Model, trainer.Theta, data.Test, blas, o.Seed, scatterLimit: o.EvalLimit);

        long samplesNow = trainer.SamplesSeen - startSamples;
        double secPerEpoch = samplesNow > 0 ? trainSeconds * trainer.Data.Train.N / samplesNow : double.NaN;
        double totalSeconds = secondsBefore + trainSeconds;
        segment = segment with { FinishedUtc = DateTime.UtcNow, ToStep = trainer.Step, Outcome = "finished" };
        folder.WriteManifest(Manifest(new RunTimings(started, DateTime.UtcNow, totalSeconds, evalSeconds, secPerEpoch, resumes)));

        var result = new TrainResult(o.Dataset, variant, o.Model.ToString(), o.Model.Dz, string.Join("-", o.Model.EncoderHidden),
            o.Model.Likelihood, o.Estimator, o.Samples, o.BatchSize, o.Optimizer.Kind,
            o.Optimizer.LearningRate, o.Optimizer.WeightPrior, o.Seed, (double)trainer.SamplesSeen / trainer.Data.Train.N, trainer.SamplesSeen,
            train.Elbo, test.Elbo, test.StdErr, ll?.LogPx ?? double.NaN, ll?.StdErr ?? double.NaN, o.FinalK, diag.ActiveUnits,
            totalSeconds, secPerEpoch, blas.Describe());
        var metrics = (JsonObject)JsonSerializer.SerializeToNode(result, RunFolder.JsonOptions)!;
        metrics["TestBitsPerDim"] = BitsPerDim(test.Elbo, o.Model.D);
        metrics["LogPxBitsPerDim"] = ll is null ? double.NaN : BitsPerDim(ll.LogPx, o.Model.D);
        metrics["LogPxSeconds"] = ll?.Seconds ?? 0;
        metrics["TestLogPxz"] = test.LogPxz;
        metrics["TestKl"] = test.Kl;
        metrics["EvalRows"] = test.N;
        // Training steps alone (batches, forward, backward, optimizer) per epoch: the speed of the model, without the
        // curve points' held-out evaluations that SecondsPerEpoch includes (they dominate short runs).
        metrics["StepSecondsPerEpoch"] = samplesNow > 0 ? trainer.Timings.StepSeconds * trainer.Data.Train.N / samplesNow : double.NaN;
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

    /// <summary>The step a checkpoint was taken at ("?" if it cannot be read).</summary>
    static string CheckpointStep(string path)
    {
        try { return Checkpoint.Load(path).GetCounter("step").ToString(System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is IOException or CheckpointFormatException or KeyNotFoundException) { return "?"; }
    }

    static RunManifest? ReadManifest(RunFolder folder)
    {
        if (FileKinds.Of(folder.File(RunFolder.ManifestFile)) != FileKind.Regular) return null;
        try { return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(folder.File(RunFolder.ManifestFile)), RunFolder.JsonOptions); }
        catch (Exception e) when (e is IOException or JsonException or NotSupportedException) { return null; }
    }
}
