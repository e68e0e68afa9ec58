// RunDriver end to end on the synthetic prototypes of TrainerTests: every run file is written (metrics last, PNGs
// decodable), a killed run resumes without duplicated curve rows and ends where an uninterrupted run ends.
using System.Text.Json;

namespace Vae.Tests.Runs;

public class RunDriverTests
{
    static TrainOptions Small(int epochs) => new()
    {
        Dataset = "synthetic",
        Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] },
        BatchSize = 20, Epochs = epochs, FinalK = 20,
        Optimizer = new OptimizerOptions { LearningRate = 3e-3 },
        Seed = 7,
    };

    static string[] CurveLines(RunFolder f) => File.ReadAllLines(f.File(RunDriver.CurveFile));

    [Fact]
    public void A_run_writes_manifest_curve_checkpoint_figures_and_metrics_last()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var folder = RunFolder.Create(tmp.Path, "exp", "run1");
        var log = new StringWriter();
        var r = RunDriver.Train(Small(2), data, folder, new ManagedBlas(), log);

        string[] files = ["manifest.json", "curve.csv", "checkpoint.ckpt", "metrics.json", RunFigures.Reconstructions,
                          RunFigures.Samples, RunFigures.Manifold, RunFigures.Scatter];
        foreach (var f in files) Assert.True(File.Exists(folder.File(f)), $"{f} missing");
        var metricsTime = File.GetLastWriteTimeUtc(folder.File("metrics.json"));
        foreach (var f in files) Assert.True(File.GetLastWriteTimeUtc(folder.File(f)) <= metricsTime, $"{f} written after metrics.json");

        foreach (var f in files.Where(f => f.EndsWith(".png")))
        {
            var png = PngDecoder.Decode(File.ReadAllBytes(folder.File(f)));
            Assert.True(png.Width > 10 && png.Height > 10, $"{f}: {png.Width}x{png.Height}");
            Assert.True(png.Pixels.Distinct().Count() > 2, $"{f} is blank");
        }
        var lines = CurveLines(folder);
        Assert.Equal("samples,epoch,step,seconds,train_elbo,test_elbo", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("400,1,20,", lines[1]);
        Assert.StartsWith("800,2,40,", lines[2]);

        using var manifest = JsonDocument.Parse(File.ReadAllText(folder.File("manifest.json")));
        Assert.Equal("synthetic", manifest.RootElement.GetProperty("Options").GetProperty("Dataset").GetString());
        Assert.Contains("managed", manifest.RootElement.GetProperty("Blas").GetString());
        Assert.True(manifest.RootElement.GetProperty("Timings").GetProperty("FinishedUtc").ValueKind == JsonValueKind.String);
        Assert.True(manifest.RootElement.TryGetProperty("Environment", out _));

        using var metrics = JsonDocument.Parse(File.ReadAllText(folder.File("metrics.json")));
        Assert.Equal(r.TestElbo, metrics.RootElement.GetProperty("TestElbo").GetDouble());
        Assert.Equal(800, r.Samples);
        Assert.True(r.LogPx >= r.TestElbo - 3 * r.TestElboStdErr, $"log p(x) {r.LogPx} far below the ELBO {r.TestElbo}");
        Assert.Contains("nats", log.ToString());
        Assert.Contains("dynamic-binarized", log.ToString());

        Assert.Throws<InvalidOperationException>(() => RunDriver.Train(Small(2), data, folder, new ManagedBlas(), TextWriter.Null, resume: true));
    }

    [Fact]
    public void A_killed_run_resumes_from_its_checkpoint_without_duplicated_curve_rows()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var straight = RunDriver.Train(Small(3), data, RunFolder.Create(tmp.Path, "exp", "straight"), new ManagedBlas(), TextWriter.Null);

        // A run killed during epoch 3: checkpoint after epoch 2, no metrics, and a curve row that outlived its checkpoint.
        var folder = RunFolder.Create(tmp.Path, "exp", "killed");
        RunDriver.Train(Small(2), data, folder, new ManagedBlas(), TextWriter.Null);
        File.Delete(folder.File("metrics.json"));
        File.AppendAllText(folder.File(RunDriver.CurveFile), "1200,3,60,9,-1,-1\n");

        var log = new StringWriter();
        var resumed = RunDriver.Train(Small(3), data, RunFolder.Open(folder.Path), new ManagedBlas(), log, resume: true);
        Assert.Contains("resuming", log.ToString());
        var lines = CurveLines(folder);
        Assert.Equal(4, lines.Length);
        Assert.Equal(new[] { "20", "40", "60" }, lines.Skip(1).Select(l => l.Split(',')[2]));
        Assert.DoesNotContain("-1,-1", lines[3]);
        Assert.Equal(straight.TestElbo, resumed.TestElbo);
        Assert.Equal(straight.Samples, resumed.Samples);
        Assert.True(File.Exists(folder.File("metrics.json")));
    }

    [Fact]
    public void Resume_with_different_model_options_is_refused()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        RunDriver.Train(Small(1), data, folder, new ManagedBlas(), TextWriter.Null);
        File.Delete(folder.File("metrics.json"));
        var other = Small(2) with { Optimizer = new OptimizerOptions { LearningRate = 1e-2 } };
        var e = Assert.Throws<ArgumentException>(() => RunDriver.Train(other, data, folder, new ManagedBlas(), TextWriter.Null, resume: true));
        Assert.Contains("other options", e.Message);
    }

    [Fact]
    public void Evaluating_a_run_reloads_its_checkpoint_and_reports_the_same_test_elbo()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var folder = RunFolder.Create(tmp.Path, "exp", "e");
        var r = RunDriver.Train(Small(1), data, folder, new ManagedBlas(), TextWriter.Null);
        var report = RunInspection.Evaluate(folder.Path, 10, new ManagedBlas(), data: data);
        Assert.Equal(r.TestElbo, report.TestElbo);
        Assert.True(double.IsFinite(report.LogPx));
        // Other binarizations of the same grey test images give a nearby, not identical, bound.
        Assert.True(report.RebinarizedSpread > 0, $"spread {report.RebinarizedSpread}");
        Assert.True(Math.Abs(report.RebinarizedElbo - report.TestElbo) < 2, $"rebinarized {report.RebinarizedElbo} vs {report.TestElbo}");
        Assert.True(File.Exists(folder.File("eval-k10.json")));
    }

    [Fact]
    public void Step_size_selection_tries_each_candidate_from_the_same_start_and_picks_the_best_bound()
    {
        var data = TrainerTests.Synthetic();
        var o = Small(1) with { Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adagrad } };
        var c = Presets.ChooseAdagradStepSize(o, data, new ManagedBlas(), steps: 20, scoredSteps: 5);
        Assert.Equal(Presets.PaperStepSizes, c.Trials.Select(t => t.LearningRate));
        Assert.Equal(c.Trials.MaxBy(t => t.Bound)!.LearningRate, c.Chosen);
        Assert.All(c.Trials, t => Assert.True(double.IsFinite(t.Bound)));
    }
}
