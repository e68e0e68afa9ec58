// Working with a finished (or interrupted) run folder: reload its model from the checkpoint, evaluate it, sample from it.
// Owns: rebuilding a Trainer from checkpoint.ckpt and the eval report. Must not: train or change existing run files
// (it only adds eval-k<K>.json / eval-hmc-k<K>.json and samples-<n>.png).

namespace Vae.Core.Runs;

/// <summary>Result of evaluating a run: test ELBO and importance-sampled log p(x), nats per datapoint.</summary>
public sealed record EvalReport(string Run, string Dataset, string Variant, int N, double TestElbo, double TestElboStdErr,
                                double TestBitsPerDim, double ElboSeconds, int K, double LogPx, double LogPxStdErr,
                                double LogPxBitsPerDim, double LogPxSeconds, double RebinarizedElbo, double RebinarizedSpread,
                                string Estimator = "is", double HmcAcceptance = double.NaN, double HmcStepSize = double.NaN);

/// <summary>Loads run folders back.</summary>
public static class RunInspection
{
    /// <summary>The options a run was trained with, read from its checkpoint (the data folder can be overridden).</summary>
    public static (TrainOptions Options, CheckpointData Checkpoint) ReadCheckpoint(string runDir, string? dataDir = null)
    {
        // A FIFO, device or file given as --run is a usage error named as such; a missing folder is "run not found" below.
        if (Inputs.FileKinds.Of(runDir) != Inputs.FileKind.Missing) Inputs.FileKinds.RequireFolder("--run", runDir);
        var folder = RunFolder.Open(runDir);
        string path = folder.File(RunDriver.CheckpointFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"run '{folder.Path}' has no {RunDriver.CheckpointFile}; was it trained?", path);
        var c = Checkpoint.Load(path);
        if (GanRun.Options(c) is not null)
            throw new ArgumentException($"run '{folder.Path}' is a DCGAN run: it has no encoder or ELBO to evaluate or export; `vae sample` and `vae fid` read it");
        var o = TrainOptions.FromJson(c.SpecJson) ?? throw new CheckpointFormatException(path, "no options in the checkpoint");
        return (dataDir is null ? o : o with { DataDir = dataDir }, c);
    }

    /// <summary>A trainer holding the run's checkpointed state, on the run's data (loaded again, same variant and seed).</summary>
    public static Trainer Load(string runDir, IBlas blas, string? dataDir = null, PreparedData? data = null)
    {
        var (o, c) = ReadCheckpoint(runDir, dataDir);
        var t = new Trainer(o, blas, data ?? RunDriver.LoadData(o));
        t.Restore(c);
        return t;
    }

    /// <summary>
    /// Test ELBO (single sample, estimator B, fixed evaluation noise) and, for k &gt; 0, log p(x) with k samples per datapoint
    /// by the chosen estimator (importance sampling, or HMC / Appendix D), on the first <paramref name="limit"/> test rows
    /// (0 = all). Also written to eval-k{k}.json (IS) or eval-hmc-k{k}.json (HMC) in the run.
    /// </summary>
    /// <remarks>progress, if given, gets (rows done, rows in total) of the log p(x) estimate, the part that takes minutes.</remarks>
    public static EvalReport Evaluate(string runDir, int k, IBlas blas, string? dataDir = null, int limit = 0, PreparedData? data = null,
                                      LogPxEstimator estimator = LogPxEstimator.Is, Action<int, int>? progress = null)
    {
        if (k < 0) throw new ArgumentException($"K ({k}) must be >= 0");
        var (saved, _) = ReadCheckpoint(runDir, dataDir);
        if (estimator == LogPxEstimator.Hmc && k > 0)
            new AppendixDOptions { Samples = k }.Validate();
        if (estimator == LogPxEstimator.Hmc && saved.Model.Dz > AppendixDOptions.MaxDz)
            throw new ArgumentException($"--estimator hmc: the Appendix D estimator fits a Gaussian to posterior samples and is unreliable for " +
                $"high-dimensional latents (the paper uses Dz = 3); this run has Dz = {saved.Model.Dz} > {AppendixDOptions.MaxDz}: use --estimator is");
        var t = Load(runDir, blas, dataDir, data);
        var o = t.Options;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var elbo = t.TestElbo(limit);
        double elboSeconds = sw.Elapsed.TotalSeconds;
        AppendixDResult? hmc = k > 0 && estimator == LogPxEstimator.Hmc ? t.TestLogLikelihoodHmc(k, limit, progress) : null;
        var ll = k <= 0 ? null : hmc is not null ? new LogLikelihoodResult(hmc.LogPx, hmc.StdErr, hmc.K, hmc.N, hmc.Seconds) : t.TestLogLikelihood(k, limit, progress);
        var (rebin, spread) = Rebinarized(t, blas, limit);
        // A NaN is never a result: fail (non-zero exit) and write no eval file.
        foreach (var (name, value) in new[] { ("test ELBO", elbo.Elbo), ("log p(x)", ll?.LogPx ?? 0), ("re-binarized test ELBO", o.Variant is DataVariant.DynamicBinarized or DataVariant.FixedBinarized ? rebin : 0) })
            if (!double.IsFinite(value))
                throw new TrainingDivergedException($"run '{Path.GetFullPath(runDir)}': the {name} is {value}; the checkpoint holds a model that does not evaluate to a finite bound");
        var folder = RunFolder.Open(runDir);
        var report = new EvalReport(folder.Path, o.Dataset, DataVariants.Label(o.Variant, o.Model.Likelihood == Model.Likelihood.Bernoulli),
            elbo.N, elbo.Elbo, elbo.StdErr, RunDriver.BitsPerDim(elbo.Elbo, o.Model.D), elboSeconds,
            ll?.K ?? 0, ll?.LogPx ?? double.NaN, ll?.StdErr ?? double.NaN, ll is null ? double.NaN : RunDriver.BitsPerDim(ll.LogPx, o.Model.D), ll?.Seconds ?? 0, rebin, spread,
            LogPxEstimators.Label(estimator), hmc?.Acceptance ?? double.NaN, hmc?.StepSize ?? double.NaN);
        folder.WriteJson(estimator == LogPxEstimator.Hmc ? $"eval-hmc-k{k}.json" : $"eval-k{k}.json", report);
        return report;
    }

    /// <summary>
    /// The test ELBO averaged over 5 further seeded binarizations of the grey test images x 4 noise draws (binarized
    /// variants only; NaN otherwise): one binarization moves the number by ~0.1-0.2 nats, so comparisons with other
    /// implementations use this mean. Returns the mean and the standard deviation of the 20 values.
    /// </summary>
    static (double Mean, double Spread) Rebinarized(Trainer t, IBlas blas, int limit)
    {
        if (t.Options.Variant is not (DataVariant.DynamicBinarized or DataVariant.FixedBinarized)) return (double.NaN, double.NaN);
        var grey = t.Data.Source.Test;
        int rows = limit > 0 ? Math.Min(limit, grey.N) : grey.N;
        var eval = new Inference.Evaluator(t.Options.Model, blas);
        var vals = new List<double>();
        for (ulong b = 0; b < 5; b++)
        {
            var x = DataVariants.BinarizeFixed(grey, 100 + b, DataSplit.Test);
            for (ulong d = 0; d < 4; d++)
                vals.Add(eval.Elbo(t.Theta, x.X.AsSpan(0, rows * x.D), new Rng(200 + 4 * b + d, RngStream.Eval)).Elbo);
        }
        double mean = vals.Average();
        return (mean, Math.Sqrt(vals.Sum(v => (v - mean) * (v - mean)) / vals.Count));
    }

    /// <summary>Writes <paramref name="n"/> decoder means of z ~ N(0, I) to samples-{n}.png in the run (and, with
    /// <paramref name="npy"/>, the same [n, D] means to samples-{n}.npy); returns the path(s) written.</summary>
    public static string Sample(string runDir, int n, IBlas blas, ulong? seed = null, bool npy = false)
    {
        if (n <= 0 || n > RunFigures.MaxGridImages)
            throw new ArgumentException($"sample count ({n}) must be in 1..{RunFigures.MaxGridImages} (one grid of at most {RunFigures.MaxGridImages} images)");
        if (GanRun.Read(runDir) is ({ } gan, { } gc))
            return SaveSamples(runDir, GanRun.Sample(gan, gc, blas, n, seed ?? gan.Seed), n, gan.Model.Side, gan.Model.Side, npy);
        var (o, c) = ReadCheckpoint(runDir);
        var info = Catalog.Get(o.Dataset);
        var model = new Model.VaeModel(o.Model, blas, 100, 400);
        var theta = c.GetFloats("theta");
        var means = RunFigures.SampleMeans(model, theta, n, seed ?? o.Seed);
        return SaveSamples(runDir, means, n, info.Rows, info.Cols, npy);
    }

    /// <summary>samples-{n}.png (and with npy samples-{n}.npy, [n, D]) of images [n, rows*cols] into the run; the path(s) written.</summary>
    static string SaveSamples(string runDir, float[] images, int n, int rows, int cols, bool npy)
    {
        var folder = RunFolder.Open(runDir);
        string path = folder.File($"samples-{n}.png");
        ImageGrid.SaveTile(path, images, rows, cols, columns: 10, scale: 2);
        if (!npy) return path;
        string npyPath = folder.File($"samples-{n}.npy");
        Npy.Write(npyPath, images, n, rows * cols);
        return path + Environment.NewLine + npyPath;
    }
}
