// `vae fid` end to end on real MNIST (a classifier trained on a few thousand images, a briefly trained VAE), the classifier
// folder's load / reuse / refusal rules, and the command's failure before any training when the run is missing.
using Vae.Tests.Cli;
using Vae.Tests.Data;
using TempDir = Vae.Tests.IO.TempDir;

namespace Vae.Tests.Runs;

public class SampleQualityTests
{
    static readonly ClassifierOptions Quick = new() { TrainLimit = 3000, Epochs = 2, Seed = 3 };

    [RealDataFact("mnist")]
    public void Classifier_and_frechet_distance_of_a_briefly_trained_vae()
    {
        using var tmp = new TempDir();
        var blas = new ManagedBlas();
        var log = new StringWriter();
        string dir = SampleQuality.DefaultClassifierDir(tmp.File("results"), Quick.Seed);
        var cls = SampleQuality.EnsureClassifier(dir, Quick, blas, log);
        Assert.Contains("no classifier at", log.ToString());
        Assert.True(cls.TestAccuracy > 0.85, $"accuracy {cls.TestAccuracy} after 2 epochs on 3,000 images");

        // A second call loads the folder (same weights, nothing trained, nothing logged).
        var again = new StringWriter();
        var loaded = SampleQuality.EnsureClassifier(dir, Quick, blas, again);
        Assert.Equal("", again.ToString());
        Assert.Equal(cls.Theta, loaded.Theta);
        Assert.Equal(cls.TestAccuracy, loaded.TestAccuracy);

        var o = new TrainOptions
        {
            Dataset = "mnist", Model = new ModelSpec { Dz = 5, EncoderHidden = [50], DecoderHidden = [50] },
            TrainLimit = 2000, MaxTrainingSamples = 2000, EvalLimit = 200, FinalK = 0, Seed = 4,
        };
        RunDriver.Train(o, tmp.File("results"), "mlp", "r", blas, TextWriter.Null);
        string run = tmp.File("results/mlp/r");
        var r = SampleQuality.Evaluate(run, loaded, 300, blas);
        Assert.True(File.Exists(Path.Combine(run, "frechet-n300.json")));
        Assert.Equal(300, r.Samples);
        Assert.Equal(4UL, r.Seed);
        Assert.True(double.IsFinite(r.Frechet) && double.IsFinite(r.DataFrechet));
        // 2,000 training samples of a tiny VAE are far from the data; 300 real training images are close to the test set.
        Assert.True(r.Frechet > r.DataFrechet, $"samples {r.Frechet} vs data floor {r.DataFrechet}");
        Assert.Equal(1.0, r.LabelFractions.Sum(), 9);
        Assert.InRange(r.LabelEntropy, 0, Math.Log(10) + 1e-12);
        Assert.Equal(Math.Log(10) - r.LabelEntropy, r.LabelKlToUniform, 12);

        // The same seed draws the same samples: the distance is reproducible.
        Assert.Equal(r.Frechet, SampleQuality.Evaluate(run, loaded, 300, blas).Frechet, 9);

        // A VAE run is not a classifier run.
        var e = Assert.Throws<CheckpointFormatException>(() => ClassifierRun.Load(run));
        Assert.Contains("kind 'classifier'", e.Message);
    }

    [RealDataFact("mnist")]
    public void A_classifier_training_killed_before_its_metrics_is_trained_again()
    {
        using var tmp = new TempDir();
        // What a killed training leaves: the manifest written at its start, a stale temp file, no checkpoint or metrics.
        File.WriteAllText(tmp.File(RunFolder.ManifestFile), "{ \"Kind\": \"classifier\" }\n");
        File.WriteAllText(tmp.File(".checkpoint.ckpt.123.abc.tmp"), "partial");
        var log = new StringWriter();
        var cls = SampleQuality.EnsureClassifier(tmp.Path, Quick, new ManagedBlas(), log);
        Assert.Contains("unfinished classifier run", log.ToString());
        Assert.True(ClassifierRun.Exists(tmp.Path));
        Assert.InRange(cls.TestAccuracy, 0.5, 1.0);
    }

    [Fact]
    public void A_folder_holding_something_else_is_not_overwritten_by_classifier_training()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("notes.txt"), "precious");
        var e = Assert.Throws<IOException>(() => SampleQuality.EnsureClassifier(tmp.Path, Quick, new ManagedBlas(), TextWriter.Null));
        Assert.Contains("holds no finished classifier run", e.Message);
        Assert.Equal("precious", File.ReadAllText(tmp.File("notes.txt")));
    }

    [Fact]
    public void Fid_on_a_missing_run_fails_before_training_any_classifier()
    {
        using var tmp = new TempDir();
        var (code, _, err) = CliTests.Run("fid", "--run", tmp.File("nope"), "--out", tmp.File("results"));
        Assert.Equal(Vae.Cli.ExitCodes.Failure, code);
        Assert.Contains("nope", err);
        Assert.False(Directory.Exists(tmp.File("results")));
        Assert.Equal(2, CliTests.Run("fid", "--run", tmp.File("nope"), "--n", "1").Code);
    }
}
