// A DCGAN run folder: train (manifest.json, curve.csv, checkpoint.ckpt of kind "dcgan" with both networks' parameters,
// batch-norm running statistics, Adam moments and RNG states, samples-64.png, metrics.json last) and sample from it.
// Owns: GanOptions, the training loop over epochs, the checkpoint names. Must not: hold model maths (Model/Dcgan.cs,
// Training/GanStep.cs) or parse command lines.

namespace Vae.Core.Runs;

/// <summary>How a DCGAN is trained. Defaults: Radford et al. 2016 (Adam lr 2e-4, beta1 0.5, init N(0, 0.02²)), M = 64,
/// on the grey training images (pixels in [0, 1], generator output sigmoid).</summary>
public sealed record GanOptions : DatasetRunOptions
{
    public DcganSpec Model { get; init; } = new();
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 5;
    /// <summary>Budget in real training images seen; 0 = Epochs.</summary>
    public long MaxTrainingSamples { get; init; }
    public double LearningRate { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;

    public GanOptions Validate()
    {
        Model.Validate();
        if (BatchSize < 2) throw new ArgumentException($"--batch ({BatchSize}) must be at least 2 for a DCGAN (batch norm)");
        if (Epochs <= 0) throw new ArgumentException($"--epochs ({Epochs}) must be positive");
        if (MaxTrainingSamples < 0) throw new ArgumentException($"--max-samples ({MaxTrainingSamples}) must be >= 0");
        new OptimizerOptions { LearningRate = LearningRate, Beta1 = Beta1 }.Validate();
        return this;
    }

    /// <summary>Training steps the budget buys: MaxTrainingSamples / M, else Epochs x floor(N / M).</summary>
    public long Steps(int n) => MaxTrainingSamples > 0 ? Math.Max(1, MaxTrainingSamples / BatchSize) : (long)Epochs * (n / BatchSize);
}

/// <summary>The checkpoint's spec JSON of a DCGAN run (Kind tells it from a VAE's TrainOptions).</summary>
public sealed record GanCheckpointSpec(string Kind, GanOptions Options);

/// <summary>metrics.json of a DCGAN run (objectives: ascent, nats; averages over the last epoch's steps).</summary>
public sealed record GanMetrics(string Model, string Dataset, ulong Seed, long Steps, long TrainingSamples, double Epochs,
    double DiscriminatorObjective, double GeneratorObjective, double RealProbability, double FakeProbability,
    double TrainSeconds, double SecondsPerEpoch, string Blas);

/// <summary>Trains and reads DCGAN run folders.</summary>
public static class GanRun
{
    public const string Kind = "dcgan";
    public static readonly IReadOnlyList<string> CurveFields = ["samples", "epoch", "step", "seconds", "d_objective", "g_objective", "d_real", "d_fake"];

    /// <summary>Trains into RESULTS/EXPERIMENT/RUN-ID (a fresh folder), logging one line per epoch (or per tenth of the budget)
    /// and saving a checkpoint at each of those points. With <paramref name="resume"/> (needs a run id), a folder holding a
    /// checkpoint continues from it bit-exactly (same options required); a missing folder starts fresh. A cancelled
    /// <paramref name="cancel"/> stops at the next checkpoint and throws <see cref="RunInterruptedException"/>.</summary>
    public static GanMetrics Train(GanOptions o, string resultsRoot, string experiment, string? runId, IBlas blas, TextWriter log,
                                   bool resume = false, CancellationToken cancel = default)
    {
        o.Validate();
        if (resume && runId is null) throw Input.Error("--resume", "needs --run-id (the name of the run folder to continue)");
        var data = Datasets.Load(o.Dataset, o.DataDir, ValidationSplit.MergeIntoTrain);
        if (data.Info.Rows != o.Model.Side || data.Info.Cols != o.Model.Side)
            throw new ArgumentException($"DCGAN side {o.Model.Side} does not fit dataset {o.Dataset} ({data.Info.Rows}x{data.Info.Cols})");
        runId ??= RunFolder.NewRunId(DateTime.UtcNow);
        string path = FileKinds.RunFolderPath(resultsRoot, experiment, runId);
        var folder = resume && Directory.Exists(path) ? RunFolder.Open(path) : RunFolder.Create(resultsRoot, experiment, runId);
        using var runLock = RunLock.TryAcquire(folder.Path) ?? throw new RunLockedException(folder.Path, RunLock.Holder(folder.Path));
        if (File.Exists(folder.File(RunFolder.MetricsFile)))
            throw new InvalidOperationException($"run '{folder.Path}' is already finished (metrics.json exists); start a new run id");
        var (savedOptions, saved) = resume ? Read(folder.Path) : (null, null);
        if (saved is not null && savedOptions != o)
            throw new ArgumentException($"run '{folder.Path}' was trained with other options; resume needs the same options (saved: {savedOptions}; given: {o})");

        var step = new GanStep(o.Model, blas, o.BatchSize, new OptimizerOptions { LearningRate = o.LearningRate, Beta1 = o.Beta1 },
                               data.Train.N, new Rng(o.Seed, RngStream.Noise));
        step.Initialize(new Rng(o.Seed, RngStream.Init));
        var batches = new BatchIterator(data.Train, o.BatchSize, o.Seed, binarize: false);
        long start = saved is null ? 0 : Restore(saved, step, batches);
        double secondsBefore = 0;
        var last = new double[4]; // the last curve point's averages: the metrics of a run resumed at its final step
        var curve = saved is null
            ? folder.CreateCurve("curve.csv", CurveFields)
            : CurveCsv.Resume(folder.File("curve.csv"), CurveFields, row =>
              {
                  bool keep = row[2] <= start;
                  if (keep) (secondsBefore, last) = (row[3], row[4..]);
                  return keep;
              });
        if (saved is null) folder.WriteManifest(new { Kind, Options = o, Model = o.Model.ToString(), Data = data.Describe(), Blas = blas.Describe() });
        else log.WriteLine($"resuming {folder.Path} at step {start}");
        var x = new float[o.BatchSize * data.D];
        long total = o.Steps(data.Train.N);
        long every = Math.Max(1, Math.Min(batches.BatchesPerEpoch, (total + 9) / 10));
        var sw = Stopwatch.StartNew();
        double sd = 0, sg = 0, pr = 0, pf = 0; int count = 0;
        for (long s = start + 1; s <= total; s++)
        {
            batches.Next(x);
            var r = step.Step(x, o.BatchSize);
            (sd, sg, pr, pf, count) = (sd + r.DiscriminatorObjective, sg + r.GeneratorObjective, pr + r.RealProbability, pf + r.FakeProbability, count + 1);
            if (s % every != 0 && s != total) continue;
            last = [sd / count, sg / count, pr / count, pf / count];
            double epochs = (double)s * o.BatchSize / data.Train.N, seconds = secondsBefore + sw.Elapsed.TotalSeconds;
            curve.Append([s * o.BatchSize, epochs, s, seconds, .. last]);
            log.WriteLine($"dcgan step {s}/{total} (epoch {epochs:F2}): J_D {last[0]:F4} (equilibrium -1.3863), J_G {last[1]:F4}, " +
                          $"D(x) {last[2]:F3}, D(G(z)) {last[3]:F3}, {seconds:F1} s");
            (sd, sg, pr, pf, count) = (0, 0, 0, 0, 0);
            Save(folder, o, step, batches, s);
            if (cancel.IsCancellationRequested && s < total) throw new RunInterruptedException(folder.Path, s);
        }
        double trainSeconds = secondsBefore + sw.Elapsed.TotalSeconds, epochsDone = (double)total * o.BatchSize / data.Train.N;
        var samples = Sample(o.Model, step.ThetaG.Data, step.StateG.Data, blas, 64, o.Seed);
        ImageGrid.SaveTile(folder.File("samples-64.png"), samples, o.Model.Side, o.Model.Side, columns: 8, scale: 2);
        var metrics = new GanMetrics(o.Model.ToString(), o.Dataset, o.Seed, total, total * o.BatchSize, epochsDone, last[0], last[1], last[2], last[3],
                                     trainSeconds, trainSeconds / epochsDone, blas.Describe());
        folder.WriteMetrics(metrics);
        log.WriteLine($"done: {total} steps ({epochsDone:F2} epochs) in {trainSeconds:F1} s ({metrics.SecondsPerEpoch:F1} s/epoch); {folder.Path}");
        return metrics;
    }

    /// <summary>Everything the rest of the run depends on: both networks' parameters and batch-norm statistics, both Adam
    /// states and step counts, the noise stream, the data position; written atomically (Checkpoint.Save).</summary>
    static void Save(RunFolder folder, GanOptions o, GanStep step, BatchIterator batches, long steps)
    {
        var spec = JsonSerializer.Serialize(new GanCheckpointSpec(Kind, o), RunFolder.JsonOptions);
        var floats = new List<NamedArray<float>>
        {
            new("gen.theta", step.ThetaG.Data), new("gen.state", step.StateG.Data),
            new("dis.theta", step.ThetaD.Data), new("dis.state", step.StateD.Data),
        };
        foreach (var (name, a) in step.OptimizerG.State) floats.Add(new("gen." + name, a));
        foreach (var (name, a) in step.OptimizerD.State) floats.Add(new("dis." + name, a));
        var b = batches.State;
        Checkpoint.Save(folder.File(RunDriver.CheckpointFile), new CheckpointData(spec, floats, [],
            new Dictionary<string, RngState> { ["noise"] = step.Noise.State, ["batch.shuffle"] = b.ShuffleAtEpochStart, ["batch.binarize"] = b.Binarize },
            new Dictionary<string, long>
            {
                ["steps"] = steps, ["gen.optimizer.steps"] = step.OptimizerG.Steps, ["dis.optimizer.steps"] = step.OptimizerD.Steps,
                ["batch.epoch"] = b.Epoch, ["batch.index"] = b.Index, ["batch.n"] = b.N, ["batch.size"] = b.BatchSize,
            }));
    }

    /// <summary>Loads a checkpoint written by <see cref="Save"/> into a fresh step and iterator; returns the steps it holds.</summary>
    static long Restore(CheckpointData c, GanStep step, BatchIterator batches)
    {
        c.CopyFloatsTo("gen.theta", step.ThetaG.Data); c.CopyFloatsTo("gen.state", step.StateG.Data);
        c.CopyFloatsTo("dis.theta", step.ThetaD.Data); c.CopyFloatsTo("dis.state", step.StateD.Data);
        foreach (var (name, a) in step.OptimizerG.State) c.CopyFloatsTo("gen." + name, a);
        foreach (var (name, a) in step.OptimizerD.State) c.CopyFloatsTo("dis." + name, a);
        step.OptimizerG.Steps = c.GetCounter("gen.optimizer.steps");
        step.OptimizerD.Steps = c.GetCounter("dis.optimizer.steps");
        step.Noise.Restore(c.GetRng("noise"));
        batches.Restore(new BatchState((int)c.GetCounter("batch.n"), (int)c.GetCounter("batch.size"), (int)c.GetCounter("batch.epoch"),
                                       (int)c.GetCounter("batch.index"), c.GetRng("batch.shuffle"), c.GetRng("batch.binarize")));
        return c.GetCounter("steps");
    }

    /// <summary>The DCGAN options and checkpoint of a run folder; (null, null) when it is not a DCGAN run or has no checkpoint yet
    /// (the VAE reader then reports what is wrong).</summary>
    public static (GanOptions? Options, CheckpointData? Checkpoint) Read(string runDir)
    {
        string path = Path.Combine(runDir, RunDriver.CheckpointFile);
        if (!Directory.Exists(runDir) || !File.Exists(path)) return (null, null);
        var c = Checkpoint.Load(path);
        return Options(c) is { } o ? (o, c) : (null, null);
    }

    /// <summary>The run's options when its checkpoint is a DCGAN's, else null (a VAE run).</summary>
    public static GanOptions? Options(CheckpointData c)
    {
        if (!c.SpecJson.Contains($"\"{Kind}\"", StringComparison.Ordinal)) return null;
        try { return JsonSerializer.Deserialize<GanCheckpointSpec>(c.SpecJson, RunFolder.JsonOptions) is { Kind: Kind, Options: { } o } ? o : null; }
        catch (JsonException) { return null; }
    }

    /// <summary>n generator images [n, D] of seeded z ~ N(0, I) from a loaded checkpoint (batch norm in eval mode).</summary>
    public static float[] Sample(GanOptions o, CheckpointData c, IBlas blas, int n, ulong seed)
    {
        var theta = new float[o.Model.GeneratorLayout().Count]; var state = new float[o.Model.GeneratorState().Count];
        c.CopyFloatsTo("gen.theta", theta); c.CopyFloatsTo("gen.state", state);
        return Sample(o.Model, theta, state, blas, n, seed);
    }

    /// <summary>n images of z ~ N(0, I) drawn from (seed, Eval) like the VAE's samples; batch norm uses the running statistics
    /// (eval mode reads them only), so every image is independent of the others in its batch.</summary>
    public static float[] Sample(DcganSpec spec, ReadOnlySpan<float> theta, ReadOnlySpan<float> state, IBlas blas, int n, ulong seed)
    {
        if (n <= 0) throw new ArgumentException($"sample count ({n}) must be positive");
        var rng = new Rng(seed ^ 0x5A3B1E5UL, RngStream.Eval);
        var images = new float[n * spec.D];
        var g = new DcganGenerator(spec, blas, Math.Clamp(n, 2, 500));
        var z = new float[g.MaxRows * spec.Dz];
        var st = state.ToArray();
        for (int start = 0; start < n; start += g.MaxRows)
        {
            int rows = Math.Min(g.MaxRows, n - start), m = Math.Max(rows, 2); // eval-mode BN is per image; m >= 2 only for the check
            rng.FillNormal(z.AsSpan(0, rows * spec.Dz));
            g.Forward(theta, st, z.AsSpan(0, m * spec.Dz), m, train: false);
            g.Output[..(rows * spec.D)].CopyTo(images.AsSpan(start * spec.D));
        }
        return images;
    }
}
