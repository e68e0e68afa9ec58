// Training methods beside AEVB through the one Trainer: bit-exact resume (optimizer, RNG streams, MCEM's chains and
// adapted step sizes), refusing a checkpoint of another method, and MCEM's small-training-set requirement.
using Vae.Cli;
using Vae.Tests.Inference;
using System.Text.Json.Nodes;

namespace Vae.Tests.Training;

public class MethodTests
{
    [Theory]
    [InlineData(TrainingMethod.WakeSleep)]
    [InlineData(TrainingMethod.Mcem)]
    public void Resuming_from_a_checkpoint_is_bit_exact(TrainingMethod method)
    {
        var data = WakeSleepTests.Manifold(100, 3);
        var o = WakeSleepTests.Small(method) with { TrainLimit = 60 }; // 3 steps per epoch: the resume crosses epochs
        var straight = new Trainer(o, new ManagedBlas(), data);
        straight.TrainSteps(14);

        var first = new Trainer(o, new ManagedBlas(), data);
        first.TrainSteps(7);
        string path = Path.Combine(Path.GetTempPath(), $"vae-method-resume-{Guid.NewGuid():N}.ckpt");
        try
        {
            Checkpoint.Save(path, first.Snapshot());
            var resumed = new Trainer(o, new ManagedBlas(), data);
            resumed.Restore(Checkpoint.Load(path));
            resumed.TrainSteps(7);
            Assert.Equal(straight.SamplesSeen, resumed.SamplesSeen);
            Assert.True(straight.Theta.AsSpan().SequenceEqual(resumed.Theta), $"{method}: parameters after 7 + 7 steps differ from 14 straight steps");
            var a = straight.Snapshot(); var b = resumed.Snapshot();
            foreach (var f in a.Floats) Assert.True(f.Data.AsSpan().SequenceEqual(b.GetFloats(f.Name)), $"{method}: state '{f.Name}' differs");
            foreach (var (name, rng) in a.Rngs) Assert.Equal(rng, b.GetRng(name));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Each_method_changes_only_its_networks()
    {
        var data = WakeSleepTests.Manifold(100, 4);
        var t = new Trainer(WakeSleepTests.Small(TrainingMethod.Mcem), new ManagedBlas(), data);
        var before = (float[])t.Theta.Clone();
        t.TrainSteps(3);
        foreach (var p in t.Layout.Params)
        {
            bool changed = !before.AsSpan(p.Offset, p.Length).SequenceEqual(t.Theta.AsSpan(p.Offset, p.Length));
            Assert.True(changed == p.Name.StartsWith("dec.", StringComparison.Ordinal), $"MCEM {(changed ? "changed" : "left")} {p.Name}");
        }
        Assert.Equal(3 * McemStep.UpdatesPerSample, t.Snapshot().Counters["optimizer.steps"]);
    }

    [Fact]
    public void A_checkpoint_of_another_method_is_refused()
    {
        var data = WakeSleepTests.Manifold(100, 3);
        var ws = new Trainer(WakeSleepTests.Small(TrainingMethod.WakeSleep), new ManagedBlas(), data);
        var aevb = new Trainer(WakeSleepTests.Small(TrainingMethod.Aevb), new ManagedBlas(), data);
        var ex = Assert.Throws<CheckpointFormatException>(() => aevb.Restore(ws.Snapshot()));
        Assert.Contains("WakeSleep", ex.Message);
    }

    [Fact]
    public void Mcem_without_a_small_training_set_is_a_clear_error()
    {
        var data = TrainerTests.Synthetic(n: TrainOptions.MaxMcemTrainingSet + 1);
        var o = WakeSleepTests.Small(TrainingMethod.Mcem);
        var ex = Assert.Throws<ArgumentException>(() => new Trainer(o, new ManagedBlas(), data));
        Assert.Contains("small training sets", ex.Message);
        Assert.Contains("--train-limit", ex.Message);
        Assert.Contains($"{TrainOptions.MaxMcemTrainingSet + 1} rows", ex.Message);
        _ = new Trainer(o with { TrainLimit = 1000 }, new ManagedBlas(), data); // the suggested fix works
    }

    [Fact]
    public void The_command_line_names_the_methods()
    {
        Assert.Equal(TrainingMethod.Aevb, TrainCli.ParseRequest([]).Options.Method);
        Assert.Equal(TrainingMethod.WakeSleep, TrainCli.ParseRequest(["--method", "wake-sleep"]).Options.Method);
        var mcem = TrainCli.ParseRequest(["--method", "mcem", "--train-limit", "1000"]).Options;
        Assert.Equal((TrainingMethod.Mcem, 1000), (mcem.Method, mcem.TrainLimit));
        var ex = Assert.ThrowsAny<Exception>(() => TrainCli.ParseRequest(["--method", "em"]));
        Assert.Contains("--method", ex.Message);
        var eval = new EvalCli(() => TextWriter.Null, () => TextWriter.Null);
        var r = VaeCli.ThrowOnErrors(VaeCli.ParseVerb(eval.Command, ["--run", "r", "--estimator", "hmc"]));
        Assert.Equal("hmc", r.GetValue(eval.Estimator));
        Assert.Equal("is", VaeCli.ParseVerb(eval.Command, ["--run", "r"]).GetValue(eval.Estimator));
        Assert.ThrowsAny<Exception>(() => VaeCli.ThrowOnErrors(VaeCli.ParseVerb(eval.Command, ["--run", "r", "--estimator", "harmonic"])));
    }

    [Theory]
    [InlineData(TrainingMethod.WakeSleep, "wake-sleep", "is")]
    [InlineData(TrainingMethod.Mcem, "mcem", "hmc")]
    public void Every_method_writes_the_same_run_folder_and_names_itself_and_its_estimator(TrainingMethod method, string label, string finalEstimator)
    {
        using var tmp = new TempDir();
        var data = WakeSleepTests.Manifold(100, 8);
        var folder = RunFolder.Create(tmp.Path, "exp", label);
        var o = WakeSleepTests.Small(method) with { Epochs = 2, FinalK = 40, EvalLimit = 20 };
        var r = RunDriver.Train(o, data, folder, new ManagedBlas(), TextWriter.Null);
        foreach (var f in new[] { "manifest.json", "curve.csv", "checkpoint.ckpt", "metrics.json" }) Assert.True(File.Exists(folder.File(f)), $"{f} missing");
        var metrics = JsonNode.Parse(File.ReadAllText(folder.File("metrics.json")))!;
        Assert.Equal(label, (string)metrics["Method"]!);
        Assert.Equal(finalEstimator, (string)metrics["LogPxEstimator"]!);
        // The steps alone per epoch: positive, and at most the whole training time per epoch (which adds the curve's evaluations).
        double steps = (double)metrics["StepSecondsPerEpoch"]!;
        Assert.True(steps > 0 && steps <= r.SecondsPerEpoch, $"StepSecondsPerEpoch {steps}, SecondsPerEpoch {r.SecondsPerEpoch}");
        Assert.True(double.IsFinite(r.LogPx) && double.IsFinite(r.TestElbo), $"log p(x) {r.LogPx}, test ELBO {r.TestElbo}");

        var hmc = RunInspection.Evaluate(folder.Path, 40, new ManagedBlas(), limit: 20, data: data, estimator: LogPxEstimator.Hmc);
        Assert.Equal("hmc", hmc.Estimator);
        Assert.True(double.IsFinite(hmc.LogPx) && hmc.HmcAcceptance > 0.5, $"HMC log p(x) {hmc.LogPx}, acceptance {hmc.HmcAcceptance}");
        Assert.True(File.Exists(folder.File("eval-hmc-k40.json")));
    }

    [Fact]
    public void The_hmc_estimator_on_a_large_latent_space_is_refused_before_any_work()
    {
        using var tmp = new TempDir();
        var data = WakeSleepTests.Manifold(100, 9);
        var folder = RunFolder.Create(tmp.Path, "exp", "dz20");
        RunDriver.Train(WakeSleepTests.Small(TrainingMethod.Aevb, dz: 20) with { Epochs = 1 }, data, folder, new ManagedBlas(), TextWriter.Null);
        var ex = Assert.Throws<ArgumentException>(() => RunInspection.Evaluate(folder.Path, 40, new ManagedBlas(), data: data, estimator: LogPxEstimator.Hmc));
        Assert.Contains("Dz = 20", ex.Message); Assert.Contains("--estimator is", ex.Message);
    }
}
