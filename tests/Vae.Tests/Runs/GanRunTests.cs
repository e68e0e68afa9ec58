// `vae train --model dcgan` end to end on real MNIST (a few steps of a narrow DCGAN): the run folder's files, the checkpoint's
// batch-norm running statistics, `vae sample` and the sample-quality reader on it; and the options a DCGAN refuses.
using Vae.Cli;
using Vae.Tests.Cli;
using Vae.Tests.Data;
using TempDir = Vae.Tests.IO.TempDir;

namespace Vae.Tests.Runs;

public class GanRunTests
{
    [RealDataFact("mnist")]
    public void A_short_dcgan_run_writes_a_run_folder_that_sample_and_fid_read()
    {
        using var tmp = new TempDir();
        var o = new GanOptions { Model = new DcganSpec { Dz = 5, G1 = 6, G2 = 4, D1 = 4, D2 = 6 }, BatchSize = 16, MaxTrainingSamples = 48, Seed = 5 };
        var log = new StringWriter();
        var m = GanRun.Train(o, tmp.Path, "gan", "r", new ManagedBlas(), log);
        string run = tmp.File("gan/r");
        Assert.Equal(3, m.Steps);
        Assert.Contains("dcgan step 3/3", log.ToString());
        foreach (var f in new[] { "manifest.json", "curve.csv", "checkpoint.ckpt", "samples-64.png", "metrics.json" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"{f} missing");
        Assert.True(m.DiscriminatorObjective < 0 && double.IsFinite(m.GeneratorObjective));

        // The checkpoint holds both networks and the running statistics, moved away from their start (mean 0, variance 1).
        var (read, c) = GanRun.Read(run);
        Assert.Equal(o, read);
        var state = c!.GetFloats("gen.state");
        var layout = o.Model.GeneratorState();
        Assert.Contains(state.AsSpan(layout["gen.bn0.running_mean"].Offset, layout["gen.bn0.running_mean"].Length).ToArray(), v => v != 0f);
        Assert.Contains(state.AsSpan(layout["gen.bn1.running_var"].Offset, layout["gen.bn1.running_var"].Length).ToArray(), v => v != 1f);
        Assert.Equal(o.Model.DiscriminatorLayout().Count, c.GetFloats("dis.theta").Length);

        // `vae sample` and the Fréchet sampler read the run; the same seed gives the same images.
        var (code, output, err) = CliTests.Run("sample", "--run", run, "--n", "12");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(run, "samples-12.png")), output);
        var s1 = RunSamples.Draw(run, 12, new ManagedBlas());
        var s2 = RunSamples.Draw(run, 12, new ManagedBlas());
        Assert.Equal(s1.Images, s2.Images);
        Assert.Equal("mnist", s1.Dataset);
        Assert.Equal(5UL, s1.Seed);
        Assert.All(s1.Images, v => Assert.InRange(v, 0f, 1f));

        // A DCGAN has no ELBO: `vae eval` says so instead of misreading the checkpoint.
        var (evalCode, _, evalErr) = CliTests.Run("eval", "--run", run, "--k", "0");
        Assert.Equal(ExitCodes.Usage, evalCode);
        Assert.Contains("is a DCGAN run", evalErr);
    }

    /// <summary>Cancels when the log shows that step <paramref name="step"/>'s checkpoint point was reached (a kill at a known step).</summary>
    sealed class CancelAt(string line, CancellationTokenSource cts) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains(line) == true) cts.Cancel();
        }
    }

    [RealDataFact("mnist")]
    public void A_killed_dcgan_run_resumes_bit_exactly()
    {
        using var tmp = new TempDir();
        var o = new GanOptions { Model = new DcganSpec { Dz = 5, G1 = 6, G2 = 4, D1 = 4, D2 = 6 }, BatchSize = 16, MaxTrainingSamples = 16 * 5, Seed = 7 };
        GanRun.Train(o, tmp.Path, "gan", "straight", new ManagedBlas(), TextWriter.Null);

        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<RunInterruptedException>(() =>
            GanRun.Train(o, tmp.Path, "gan", "killed", new ManagedBlas(), new CancelAt("dcgan step 2/5", cts), resume: true, cancel: cts.Token));
        Assert.Equal(2, e.Step);
        Assert.False(File.Exists(tmp.File("gan/killed/metrics.json")));
        // A changed option is refused instead of silently mixing two runs.
        var other = Assert.Throws<ArgumentException>(() =>
            GanRun.Train(o with { LearningRate = 1e-3 }, tmp.Path, "gan", "killed", new ManagedBlas(), TextWriter.Null, resume: true));
        Assert.Contains("trained with other options", other.Message);

        var log = new StringWriter();
        var m = GanRun.Train(o, tmp.Path, "gan", "killed", new ManagedBlas(), log, resume: true);
        Assert.Contains("resuming", log.ToString());
        Assert.Equal(5, m.Steps);
        var (_, a) = GanRun.Read(tmp.File("gan/straight"));
        var (_, b) = GanRun.Read(tmp.File("gan/killed"));
        foreach (var arr in a!.Floats) Assert.Equal(arr.Data, b!.GetFloats(arr.Name));
        Assert.Equal(a.Counters, b!.Counters);
        // The curve has each step once, with the same objectives (the seconds differ).
        var ca = CurveCsv.Read(tmp.File("gan/straight/curve.csv")).Rows;
        var cb = CurveCsv.Read(tmp.File("gan/killed/curve.csv")).Rows;
        Assert.Equal(ca.Select(r => r[2]), cb.Select(r => r[2]));
        Assert.Equal(ca.Select(r => r[4..]), cb.Select(r => r[4..]));
        Assert.Throws<InvalidOperationException>(() => GanRun.Train(o, tmp.Path, "gan", "killed", new ManagedBlas(), TextWriter.Null, resume: true));

        // Killed after the last checkpoint but before metrics.json: resuming trains nothing and reports the last curve point.
        File.Delete(tmp.File("gan/killed/metrics.json"));
        var again = GanRun.Train(o, tmp.Path, "gan", "killed", new ManagedBlas(), TextWriter.Null, resume: true);
        Assert.Equal((m.DiscriminatorObjective, m.GeneratorObjective, m.RealProbability, m.FakeProbability),
                     (again.DiscriminatorObjective, again.GeneratorObjective, again.RealProbability, again.FakeProbability));
    }

    [Theory]
    [InlineData("--estimator", "A")]
    [InlineData("--hidden", "300")]
    [InlineData("--optimizer", "sgd")]
    public void Options_a_dcgan_does_not_use_are_refused(string option, string value)
    {
        var (code, _, err) = CliTests.Run("train", "--model", "dcgan", option, value, "--out", "/nonexistent-never-created");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"{option} do(es) not apply to --model dcgan", err);
    }

    [Fact]
    public void Dcgan_options_bind_from_the_command_line()
    {
        var t = new TrainCli(() => TextWriter.Null);
        var g = t.BindGan(VaeCli.ThrowOnErrors(VaeCli.ParseVerb(t.Command, ["--model", "dcgan", "--dz", "32", "--lr", "1e-4", "--max-samples", "640", "--seed", "9"])));
        Assert.Equal(32, g.Options.Model.Dz);
        Assert.Equal(1e-4, g.Options.LearningRate);
        Assert.Equal(0.5, g.Options.Beta1);
        Assert.Equal(64, g.Options.BatchSize);
        Assert.Equal(10, g.Options.Steps(60_000));
        Assert.Equal(9UL, g.Options.Seed);
        Assert.Equal("mnist", g.Experiment);
    }
}
