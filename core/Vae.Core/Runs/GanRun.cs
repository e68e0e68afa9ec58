// A DCGAN run folder: train (manifest.json, curve.csv, checkpoint.ckpt of kind "dcgan" with both networks' parameters,
// batch-norm running statistics, Adam moments and RNG states, samples-64.png, metrics.json last) and sample from it.
// Owns: GanOptions, the training loop over epochs, the checkpoint names. Must not: hold model maths (Model/Dcgan.cs,
// Training/GanStep.cs) or parse command lines.
using System.Diagnostics;
using System.Text.Json;
using Vae.Core.Data;
using Vae.Core.IO;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Core.Runs;

/// <summary>How a DCGAN is trained. Defaults: Radford et al. 2016 (Adam lr 2e-4, beta1 0.5, init N(0, 0.02²)), M = 64,
/// on the grey training images (pixels in [0, 1], generator output sigmoid).</summary>
public sealed record GanOptions
{
    public string Dataset { get; init; } = "mnist";
    public string? DataDir { get; init; }
    public DcganSpec Model { get; init; } = new();
    public int BatchSize { get; init; } = 64;
    public int Epochs { get; init; } = 5;
    /// <summary>Budget in real training images seen; 0 = Epochs.</summary>
    public long MaxTrainingSamples { get; init; }
    public double LearningRate { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.5;
    public ulong Seed { get; init; } = 1;

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

    /// <summary>Trains into RESULTS/EXPERIMENT/RUN-ID (a fresh folder), logging one line per epoch (or per tenth of the budget).</summary>
    public static GanMetrics Train(GanOptions o, string resultsRoot, string experiment, string? runId, IBlas blas, TextWriter log)
    {
        o.Validate();
        var data = Datasets.Load(o.Dataset, o.DataDir, ValidationSplit.MergeIntoTrain);
        if (data.Info.Rows != o.Model.Side || data.Info.Cols != o.Model.Side)
            throw new ArgumentException($"DCGAN side {o.Model.Side} does not fit dataset {o.Dataset} ({data.Info.Rows}x{data.Info.Cols})");
        var folder = RunFolder.Create(resultsRoot, experiment, runId);
        folder.WriteManifest(new { Kind, Options = o, Model = o.Model.ToString(), Data = data.Describe(), Blas = blas.Describe() });
        var step = new GanStep(o.Model, blas, o.BatchSize, new OptimizerOptions { LearningRate = o.LearningRate, Beta1 = o.Beta1 },
                               data.Train.N, new Rng(o.Seed, RngStream.Noise));
        step.Initialize(new Rng(o.Seed, RngStream.Init));
        var batches = new BatchIterator(data.Train, o.BatchSize, o.Seed, binarize: false);
        var curve = folder.CreateCurve("curve.csv", CurveFields);
        var x = new float[o.BatchSize * data.D];
        long total = o.Steps(data.Train.N);
        long every = Math.Max(1, Math.Min(batches.BatchesPerEpoch, (total + 9) / 10));
        var sw = Stopwatch.StartNew();
        double sd = 0, sg = 0, pr = 0, pf = 0; int count = 0;
        var last = new double[4];
        for (long s = 1; s <= total; s++)
        {
            batches.Next(x);
            var r = step.Step(x, o.BatchSize);
            (sd, sg, pr, pf, count) = (sd + r.DiscriminatorObjective, sg + r.GeneratorObjective, pr + r.RealProbability, pf + r.FakeProbability, count + 1);
            if (s % every != 0 && s != total) continue;
            last = [sd / count, sg / count, pr / count, pf / count];
            double epochs = (double)s * o.BatchSize / data.Train.N;
            curve.Append([s * o.BatchSize, epochs, s, sw.Elapsed.TotalSeconds, .. last]);
            log.WriteLine($"dcgan step {s}/{total} (epoch {epochs:F2}): J_D {last[0]:F4} (equilibrium -1.3863), J_G {last[1]:F4}, " +
                          $"D(x) {last[2]:F3}, D(G(z)) {last[3]:F3}, {sw.Elapsed.TotalSeconds:F1} s");
            (sd, sg, pr, pf, count) = (0, 0, 0, 0, 0);
        }
        double seconds = sw.Elapsed.TotalSeconds, epochsDone = (double)total * o.BatchSize / data.Train.N;
        Save(folder, o, step, total);
        var samples = Sample(o.Model, step.ThetaG.Data, step.StateG.Data, blas, 64, o.Seed);
        ImageGrid.SaveTile(folder.File("samples-64.png"), samples, o.Model.Side, o.Model.Side, columns: 8, scale: 2);
        var metrics = new GanMetrics(o.Model.ToString(), o.Dataset, o.Seed, total, total * o.BatchSize, epochsDone, last[0], last[1], last[2], last[3],
                                     seconds, seconds / epochsDone, blas.Describe());
        folder.WriteMetrics(metrics);
        log.WriteLine($"done: {total} steps ({epochsDone:F2} epochs) in {seconds:F1} s ({metrics.SecondsPerEpoch:F1} s/epoch); {folder.Path}");
        return metrics;
    }

    static void Save(RunFolder folder, GanOptions o, GanStep step, long steps)
    {
        var spec = JsonSerializer.Serialize(new GanCheckpointSpec(Kind, o), RunFolder.JsonOptions);
        var floats = new List<NamedArray<float>>
        {
            new("gen.theta", step.ThetaG.Data), new("gen.state", step.StateG.Data),
            new("dis.theta", step.ThetaD.Data), new("dis.state", step.StateD.Data),
        };
        foreach (var (name, a) in step.OptimizerG.State) floats.Add(new("gen." + name, a));
        foreach (var (name, a) in step.OptimizerD.State) floats.Add(new("dis." + name, a));
        Checkpoint.Save(folder.File(RunDriver.CheckpointFile), new CheckpointData(spec, floats, [],
            new Dictionary<string, RngState> { ["noise"] = step.Noise.State }, new Dictionary<string, long> { ["steps"] = steps }));
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
