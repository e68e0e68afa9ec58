using System.Text.Json;
using System.Text.RegularExpressions;
using Vae.Core.IO;

namespace Vae.Tests.IO;

public class RunFolderTests
{
    enum Estimator { A, B }
    sealed record Options(int Dz, double LearningRate, Estimator Estimator, ulong Seed);
    sealed record Metrics(double TestElbo, double LogPx, int ActiveUnits);

    [Fact]
    public void Create_makes_a_time_stamped_folder_under_results_and_experiment()
    {
        using var dir = new TempDir();
        var before = DateTime.UtcNow.AddSeconds(-1);
        var run = RunFolder.Create(dir.Path, "mnist-dz20");
        Assert.True(Directory.Exists(run.Path));
        Assert.Equal(Path.Combine(dir.Path, "mnist-dz20", run.RunId), run.Path);
        var m = Regex.Match(run.RunId, @"^(\d{8}-\d{6})-[0-9a-f]{6}$");
        Assert.True(m.Success, run.RunId);
        var stamp = DateTime.ParseExact(m.Groups[1].Value, "yyyyMMdd-HHmmss", null);
        Assert.InRange(stamp, before.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
        Assert.NotEqual(run.RunId, RunFolder.Create(dir.Path, "mnist-dz20").RunId);
    }

    [Fact]
    public void An_explicit_run_id_is_used_and_never_reused()
    {
        using var dir = new TempDir();
        var run = RunFolder.Create(dir.Path, "exp", "fixed-id");
        Assert.Equal("fixed-id", run.RunId);
        var e = Assert.Throws<IOException>(() => RunFolder.Create(dir.Path, "exp", "fixed-id"));
        Assert.Contains("already exists", e.Message);
        Assert.Equal(run.Path, RunFolder.Open(run.Path).Path);
        Assert.Throws<Vae.Core.Inputs.InputException>(() => RunFolder.Create(dir.Path, "exp", "../escape"));
        Assert.Throws<Vae.Core.Inputs.InputException>(() => RunFolder.Create(dir.Path, "..", "x"));
        Assert.Throws<ArgumentException>(() => run.File("../outside.txt"));
        Assert.Throws<DirectoryNotFoundException>(() => RunFolder.Open(dir.File("missing")));
    }

    [Fact]
    public void Manifest_holds_the_callers_fields_and_the_environment()
    {
        using var dir = new TempDir();
        var run = RunFolder.Create(dir.Path, "exp", "r1");
        run.WriteManifest(new { Options = new Options(20, 1e-3, Estimator.B, 42), Dataset = "mnist-dynamic", Blas = "managed" });
        using var doc = JsonDocument.Parse(File.ReadAllText(run.File(RunFolder.ManifestFile)));
        var root = doc.RootElement;
        Assert.Equal(20, root.GetProperty("Options").GetProperty("Dz").GetInt32());
        Assert.Equal(0.001, root.GetProperty("Options").GetProperty("LearningRate").GetDouble());
        Assert.Equal("B", root.GetProperty("Options").GetProperty("Estimator").GetString());
        Assert.Equal("mnist-dynamic", root.GetProperty("Dataset").GetString());
        var env = root.GetProperty(RunFolder.EnvironmentKey);
        Assert.Equal(Environment.MachineName, env.GetProperty("Machine").GetString());
        Assert.Equal(Environment.ProcessorCount, env.GetProperty("ProcessorCount").GetInt32());
        Assert.StartsWith(".NET", env.GetProperty("DotNet").GetString());
        Assert.InRange(env.GetProperty("CreatedUtc").GetDateTime(), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        string commit = env.GetProperty("GitCommit").GetString()!;
        Assert.True(commit == GitCommit.Unknown || Regex.IsMatch(commit, "^[0-9a-f]{40}([0-9a-f]{24})?$"), commit);
        Assert.Contains("\n  \"", File.ReadAllText(run.File(RunFolder.ManifestFile))); // indented
    }

    [Fact]
    public void Manifest_refuses_content_that_is_not_an_object_or_has_its_own_environment()
    {
        using var dir = new TempDir();
        var run = RunFolder.Create(dir.Path, "exp", "r1");
        Assert.Throws<ArgumentException>(() => run.WriteManifest(new[] { 1, 2 }));
        Assert.Throws<ArgumentException>(() => run.WriteManifest(new { Environment = "mine" }));
        Assert.False(File.Exists(run.File(RunFolder.ManifestFile)));
    }

    [Fact]
    public void Metrics_json_round_trips_including_non_finite_values()
    {
        using var dir = new TempDir();
        var run = RunFolder.Create(dir.Path, "exp", "r1");
        var m = new Metrics(-100.83333333333333, double.NaN, 17);
        run.WriteMetrics(m);
        var back = JsonSerializer.Deserialize<Metrics>(File.ReadAllText(run.File(RunFolder.MetricsFile)), RunFolder.JsonOptions);
        Assert.Equal(m.TestElbo, back!.TestElbo);
        Assert.True(double.IsNaN(back.LogPx));
        Assert.Equal(17, back.ActiveUnits);
        Assert.Equal(["metrics.json"], Directory.GetFiles(run.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Curves_and_images_go_inside_the_run_folder()
    {
        using var dir = new TempDir();
        var run = RunFolder.Create(dir.Path, "exp", "r1");
        var c = run.CreateCurve("curve.csv", ["samples", "elbo"]);
        c.Append([100, -200.5]);
        Assert.Equal(run.File("curve.csv"), c.Path);
        ImageGrid.SaveTile(run.File("images/samples.png"), new float[4 * 4], 2, 2, 2);
        Assert.True(File.Exists(Path.Combine(run.Path, "images", "samples.png")));
    }
}
