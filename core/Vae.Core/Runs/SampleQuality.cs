// The sample-quality metric every generative run gets: Fréchet distance between the classifier features of n model samples
// and of the dataset's test images, plus the classifier's label distribution of the samples, written to frechet-n<n>.json.
// Owns: choosing/training the classifier run, drawing the samples, the report. Must not: do the maths (Inference/Frechet.cs).

namespace Vae.Core.Runs;

/// <summary>Result of <c>vae fid</c>. Frechet: samples vs test images; DataFrechet: the first N training images vs the
/// same test images (the value a perfect sampler would get at this N, a floor). Label fractions are of argmax predictions.</summary>
public sealed record SampleQualityReport(string Run, string Model, int Samples, ulong Seed, string Classifier, string ClassifierModel,
    double ClassifierAccuracy, double Frechet, double DataFrechet, double[] LabelFractions, double LabelEntropy,
    double LabelKlToUniform, double Seconds, string Blas);

/// <summary>Fréchet distance and label distribution of a run's samples.</summary>
public static class SampleQuality
{
    /// <summary>The default classifier folder for a seed, under a results root: ROOT/classifier/mnist-mlp-seed{S}.</summary>
    public static string DefaultClassifierDir(string resultsRoot, ulong seed) => Path.Combine(resultsRoot, "classifier", $"mnist-mlp-seed{seed}");

    /// <summary>The classifier in <paramref name="dir"/>; if the folder holds none, trains one there with
    /// <paramref name="options"/> and says so on <paramref name="log"/>. The folder's run lock makes concurrent callers
    /// wait for one training; an unfinished classifier run left by a killed training (its manifest, no metrics, lock free)
    /// is trained again; a folder holding anything else is refused, never overwritten.</summary>
    public static ClassifierRun EnsureClassifier(string dir, ClassifierOptions options, IBlas blas, TextWriter log)
    {
        if (ClassifierRun.Exists(dir)) return ClassifierRun.Load(dir);
        string full = Path.GetFullPath(dir);
        if (Directory.Exists(full) && !IsUnfinishedClassifierRun(full))
            throw new IOException($"classifier folder '{full}' exists but holds no finished classifier run " +
                                  $"({ClassifierRun.CheckpointFile} + {RunFolder.MetricsFile}); remove it or name another --classifier");
        Directory.CreateDirectory(full);
        using var runLock = RunLock.Acquire(full, Timeout.InfiniteTimeSpan, holder => log.WriteLine($"{holder} is training the classifier in {full}: waiting for it"));
        if (ClassifierRun.Exists(full)) return ClassifierRun.Load(full);
        log.WriteLine(File.Exists(Path.Combine(full, RunFolder.ManifestFile))
            ? $"unfinished classifier run in {full} (a killed training): training it again ({options.Model}, seed {options.Seed}, {options.Epochs} epochs)"
            : $"no classifier at {full}: training one ({options.Model}, seed {options.Seed}, {options.Epochs} epochs, Adam {options.LearningRate})");
        var run = ClassifierRun.Train(options, RunFolder.Open(full), blas, log);
        log.WriteLine($"classifier trained: test accuracy {run.TestAccuracy:P2}, saved in {full}");
        return run;
    }

    /// <summary>True when every entry of <paramref name="dir"/> is a classifier run's own file (an empty folder counts): its
    /// manifest says kind "classifier", and nothing else but the checkpoint, the lock files and temp files is there.</summary>
    static bool IsUnfinishedClassifierRun(string dir)
    {
        string manifest = Path.Combine(dir, RunFolder.ManifestFile);
        if (File.Exists(manifest) && !File.ReadAllText(manifest).Contains($"\"{ClassifierRun.Kind}\"", StringComparison.Ordinal)) return false;
        string[] own = [RunFolder.ManifestFile, ClassifierRun.CheckpointFile, RunLock.FileName, RunLock.HolderFile];
        return Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName)
                        .All(n => own.Contains(n) || n!.EndsWith(".tmp", StringComparison.Ordinal));
    }

    /// <summary>
    /// Draws <paramref name="n"/> samples from the run (seed: the run's unless given), then <see cref="Evaluate(string, RunSampleSet, ClassifierRun, IBlas, string?)"/>.
    /// </summary>
    public static SampleQualityReport Evaluate(string runDir, ClassifierRun classifier, int n, IBlas blas, ulong? seed = null, string? dataDir = null) =>
        Evaluate(runDir, RunSamples.Draw(runDir, n, blas, seed), classifier, blas, dataDir);

    /// <summary>Embeds the samples and the test images with the classifier and writes frechet-n{n}.json into the run.
    /// The run's dataset must be the classifier's.</summary>
    public static SampleQualityReport Evaluate(string runDir, RunSampleSet s, ClassifierRun classifier, IBlas blas, string? dataDir = null)
    {
        int n = s.N;
        var sw = Stopwatch.StartNew();
        if (s.Dataset != classifier.Options.Dataset)
            throw new ArgumentException($"run '{runDir}' models {s.Dataset}; the classifier at {classifier.Path} was trained on {classifier.Options.Dataset}");
        var data = Datasets.Load(s.Dataset, dataDir ?? s.DataDir, ValidationSplit.MergeIntoTrain);
        int f = classifier.Options.Model.Features, c = classifier.Options.Model.Classes;
        var (sampleFeatures, sampleProbs) = classifier.Embed(s.Images, n, blas);
        var (testFeatures, _) = classifier.Embed(data.Test.X, data.Test.N, blas);
        int nData = Math.Min(n, data.Train.N);
        var trainX = new float[nData * data.D];
        data.Train.CopyRows(0, nData, trainX);
        var (trainFeatures, _) = classifier.Embed(trainX, nData, blas);
        var test = FeatureStats.Of(testFeatures, data.Test.N, f);
        double fd = Frechet.Distance(FeatureStats.Of(sampleFeatures, n, f), test);
        double floor = Frechet.Distance(FeatureStats.Of(trainFeatures, nData, f), test);
        var labels = LabelDistribution.OfArgmax(sampleProbs, n, c);
        var folder = RunFolder.Open(runDir);
        var report = new SampleQualityReport(folder.Path, s.Model, n, s.Seed, classifier.Path, classifier.Options.Model.ToString(),
            classifier.TestAccuracy, fd, floor, labels.Fractions, labels.Entropy, labels.KlToUniform, sw.Elapsed.TotalSeconds, blas.Describe());
        folder.WriteJson($"frechet-n{n}.json", report);
        return report;
    }
}

/// <summary>Samples of a run in pixel space [n, D] (values in [0, 1]) with what they came from.</summary>
public sealed record RunSampleSet(float[] Images, int N, string Dataset, string? DataDir, string Model, ulong Seed);

/// <summary>Draws samples from any generative run folder: the VAE's decoder means of z ~ N(0, I), a DCGAN's generator images
/// (batch norm in eval mode) - what `vae sample` shows.</summary>
public static class RunSamples
{
    public static RunSampleSet Draw(string runDir, int n, IBlas blas, ulong? seed = null)
    {
        if (n < 2) throw new ArgumentException($"--n ({n}) must be at least 2 (a covariance needs two samples)");
        if (GanRun.Read(runDir) is ({ } gan, { } gc))
        {
            ulong gs = seed ?? gan.Seed;
            return new RunSampleSet(GanRun.Sample(gan, gc, blas, n, gs), n, gan.Dataset, gan.DataDir, gan.Model.ToString(), gs);
        }
        var (o, c) = RunInspection.ReadCheckpoint(runDir);
        var model = new Model.VaeModel(o.Model, blas, 100, 400);
        ulong s = seed ?? o.Seed;
        var means = RunFigures.SampleMeans(model, c.GetFloats("theta"), n, s);
        return new RunSampleSet(means, n, o.Dataset, o.DataDir, $"VAE {o.Model}", s);
    }
}
