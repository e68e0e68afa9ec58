// Issue 9 in process: every defect the issue lists, as a test that fails on the code before the fix: run ids that leave
// the results root (resume included), NaN reported as a result, checkpoints after a non-finite point, a false "last good
// checkpoint", resumes that silently change a run's meaning, temp files left by killed writes, non-regular files.
// The CLI-level battery (child processes, kill -9, real data) is scripts/suites/reliability.sh.
using System.Diagnostics;
using System.Text.Json;
using Vae.Core.Inputs;
using Vae.Core.IO;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Runs;
using Vae.Core.Training;
using Vae.Tests.IO;
using Vae.Tests.Training;

namespace Vae.Tests.Runs;

public class ReliabilityTests
{
    static TrainOptions Small(int epochs = 2) => new()
    {
        Dataset = "synthetic",
        Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] },
        BatchSize = 20, Epochs = epochs, FinalK = 20,
        Optimizer = new OptimizerOptions { LearningRate = 3e-3 },
        Seed = 7,
    };

    /// <summary>A provider that forwards to the managed one and, once armed, writes NaN into the output of every GEMM with
    /// <c>m == Rows</c> (the evaluator's 100-row batches, or the trainer's 20-row minibatches): a deterministic divergence.</summary>
    sealed class PoisonBlas(int rows, long afterCalls, string name = "managed") : IBlas
    {
        readonly ManagedBlas _inner = new();
        long _calls;
        public string Name => name;
        public int Threads => _inner.Threads;
        public string Describe() => _inner.Describe().Replace("blas=managed", "blas=" + name);
        public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                          ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            _inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            if (m == rows && ++_calls > afterCalls) c[0] = float.NaN;
        }
    }

    [Theory]
    [InlineData("../../victim")]
    [InlineData("..")]
    [InlineData("/abs/victim")]
    [InlineData("a/../../victim")]
    public void A_run_id_that_leaves_the_results_folder_is_refused_on_resume_too(string runId)
    {
        using var tmp = new TempDir();
        string victim = tmp.File("victim");
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "manifest.json"), "precious");
        foreach (bool resume in new[] { true, false })
        {
            var e = Assert.Throws<InputException>(() => RunDriver.Train(Small() with { Dataset = "mnist" }, tmp.File("out/a"), "exp",
                runId.StartsWith('/') ? victim : runId, new ManagedBlas(), TextWriter.Null, resume: resume));
            Assert.StartsWith("--run-id: ", e.Message);
        }
        Assert.Equal("precious", File.ReadAllText(Path.Combine(victim, "manifest.json")));
        Assert.Single(Directory.GetFileSystemEntries(victim));
    }

    [Fact]
    public void An_experiment_name_that_leaves_the_results_folder_is_refused_on_resume_too()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<InputException>(() => RunDriver.Train(Small(), tmp.File("out"), "..", "x", new ManagedBlas(), TextWriter.Null, resume: true));
        Assert.StartsWith("--experiment: '..'", e.Message);
        Assert.False(Directory.Exists(tmp.File("x")));
    }

    [Fact]
    public void A_run_folder_that_is_a_symbolic_link_is_not_written_through()
    {
        using var tmp = new TempDir();
        Directory.CreateDirectory(tmp.File("victim"));
        Directory.CreateDirectory(tmp.File("out/exp"));
        Directory.CreateSymbolicLink(tmp.File("out/exp/r"), tmp.File("victim"));
        var e = Assert.Throws<InputException>(() => FileKinds.RunFolderPath(tmp.File("out"), "exp", "r"));
        Assert.Contains("symbolic link", e.Message);
    }

    [Fact]
    public void Parameters_that_overflow_on_the_last_step_fail_the_run_and_no_metrics_are_written()
    {
        // One SGD step with a huge step size: the bound and gradient of step 1 are finite, the parameters after it are not.
        using var tmp = new TempDir();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        var o = Small() with { MaxTrainingSamples = 20, Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 3e38 } };
        var e = Assert.Throws<TrainingDivergedException>(() => RunDriver.Train(o, TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null));
        Assert.Matches("step 1: (parameter enc\\.|the test ELBO)", e.Message);
        Assert.Contains("no checkpoint with a finite bound exists", e.Message);
        Assert.False(File.Exists(folder.File(RunFolder.MetricsFile)));
        Assert.False(File.Exists(folder.File(RunDriver.CheckpointFile)));
        Assert.Contains("\"Outcome\": \"diverged: ", File.ReadAllText(folder.File(RunFolder.ManifestFile)));
    }

    [Fact]
    public void A_non_finite_test_elbo_stops_before_the_curve_point_and_its_checkpoint_and_names_the_last_good_one()
    {
        using var tmp = new TempDir();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        // Evaluation GEMMs have m = 100 rows: 2 per test pass (encoder, decoder layers...). Count the first curve point's.
        var count = new PoisonBlas(100, long.MaxValue);
        var t = new Trainer(Small(1), count, TrainerTests.Synthetic());
        t.TestElbo();
        long perEval = typeof(PoisonBlas).GetField("_calls", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(count) is long c ? c : 0;
        Assert.True(perEval > 0);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            RunDriver.Train(Small(3), TrainerTests.Synthetic(), folder, new PoisonBlas(100, perEval), TextWriter.Null));
        Assert.Contains("step 40: the test ELBO is NaN", e.Message);
        Assert.Contains($"the last checkpoint with a finite bound is kept at {folder.File(RunDriver.CheckpointFile)} (step 20)", e.Message);
        Assert.Equal(20, Checkpoint.Load(folder.File(RunDriver.CheckpointFile)).GetCounter("step"));
        Assert.Equal(2, File.ReadAllLines(folder.File(RunDriver.CurveFile)).Length); // header + the good point only
        Assert.DoesNotContain("NaN", File.ReadAllText(folder.File(RunDriver.CurveFile)));
        Assert.False(File.Exists(folder.File(RunFolder.MetricsFile)));
    }

    [Fact]
    public void A_non_finite_training_bound_names_the_step_and_the_kept_checkpoint()
    {
        using var tmp = new TempDir();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        // Training GEMMs have m = 20 rows; poison them after epoch 1 (20 steps) and a few more calls.
        var probe = new PoisonBlas(20, long.MaxValue);
        new Trainer(Small(1), probe, TrainerTests.Synthetic()).TrainSteps(20);
        long perEpoch = (long)typeof(PoisonBlas).GetField("_calls", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(probe)!;
        var e = Assert.Throws<TrainingDivergedException>(() =>
            RunDriver.Train(Small(3), TrainerTests.Synthetic(), folder, new PoisonBlas(20, perEpoch + 1), TextWriter.Null));
        Assert.Matches("step 21: (the bound is NaN|gradient of )", e.Message);
        Assert.Contains("(step 20)", e.Message);
        Assert.False(File.Exists(folder.File(RunFolder.MetricsFile)));
    }

    [Fact]
    public void Eval_of_a_checkpoint_holding_nan_fails_and_writes_no_report()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        var t = new Trainer(Small(1), new ManagedBlas(), data);
        t.Theta[t.Layout["dec.logits.b"].Offset] = float.NaN;
        Checkpoint.Save(folder.File(RunDriver.CheckpointFile), t.Snapshot());
        var e = Assert.Throws<TrainingDivergedException>(() => RunInspection.Evaluate(folder.Path, 5, new ManagedBlas(), data: data));
        Assert.Contains("the test ELBO is NaN", e.Message);
        Assert.Empty(Directory.GetFiles(folder.Path, "eval-*.json"));
    }

    [Fact]
    public void A_step_size_that_changes_nothing_is_refused()
    {
        using var tmp = new TempDir();
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        var o = Small(1) with { Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 1e-37 } };
        var e = Assert.Throws<NoOpTrainingException>(() => RunDriver.Train(o, TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null));
        Assert.Contains("no parameter has changed", e.Message);
        Assert.False(File.Exists(folder.File(RunFolder.MetricsFile)));
        Assert.False(File.Exists(folder.File(RunDriver.CheckpointFile)));
    }

    static RunFolder Interrupted(TempDir tmp, int epochs, IBlas? blas = null)
    {
        var folder = RunFolder.Create(tmp.Path, "exp", "r");
        RunDriver.Train(Small(epochs), TrainerTests.Synthetic(), folder, blas ?? new ManagedBlas(), TextWriter.Null);
        File.Delete(folder.File(RunFolder.MetricsFile)); // as if killed after its last checkpoint
        return folder;
    }

    static JsonElement Segments(RunFolder f) =>
        JsonDocument.Parse(File.ReadAllText(f.File(RunFolder.ManifestFile))).RootElement.GetProperty("Segments").Clone();

    [Fact]
    public void A_resume_with_a_smaller_budget_than_already_trained_is_refused_unless_allowed_and_then_recorded()
    {
        using var tmp = new TempDir();
        var folder = Interrupted(tmp, 2);
        string manifest = File.ReadAllText(folder.File(RunFolder.ManifestFile));
        var e = Assert.Throws<InputException>(() => RunDriver.Train(Small(1), TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null, resume: true));
        Assert.Contains("already trained 40 steps", e.Message);
        Assert.Contains("--allow-change", e.Message);
        Assert.Equal(manifest, File.ReadAllText(folder.File(RunFolder.ManifestFile)));

        RunDriver.Train(Small(1), TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null, resume: true, allowChange: true);
        var s = Segments(folder);
        Assert.Equal(2, s.GetArrayLength());
        Assert.Equal(40, s[0].GetProperty("BudgetSteps").GetInt64());
        Assert.Equal(20, s[1].GetProperty("BudgetSteps").GetInt64());
        Assert.Contains("budget", s[1].GetProperty("AllowedChanges")[0].GetString());
        Assert.Equal("finished", s[1].GetProperty("Outcome").GetString());
    }

    [Fact]
    public void A_resume_with_another_blas_provider_is_refused_and_every_segment_names_its_provider()
    {
        using var tmp = new TempDir();
        var folder = Interrupted(tmp, 1);
        var e = Assert.Throws<InputException>(() =>
            RunDriver.Train(Small(2), TrainerTests.Synthetic(), folder, new PoisonBlas(-1, 0, "otherblas"), TextWriter.Null, resume: true));
        Assert.Contains("BLAS provider: the run was trained with managed, this resume would use otherblas", e.Message);

        RunDriver.Train(Small(2), TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null, resume: true); // same provider: fine
        var s = Segments(folder);
        Assert.Equal(2, s.GetArrayLength());
        foreach (var seg in s.EnumerateArray())
        {
            Assert.Equal("managed", seg.GetProperty("BlasProvider").GetString());
            Assert.True(seg.GetProperty("Threads").GetInt32() >= 1);
            Assert.False(string.IsNullOrEmpty(seg.GetProperty("GitCommit").GetString()));
        }
        Assert.Equal(0, s[1].GetProperty("AllowedChanges").GetArrayLength());
        Assert.Equal(20, s[1].GetProperty("FromStep").GetInt64());
        Assert.Equal(40, s[1].GetProperty("ToStep").GetInt64());
    }

    [Fact]
    public void Temp_files_of_a_killed_write_are_removed_when_the_run_starts_again()
    {
        using var tmp = new TempDir();
        var folder = Interrupted(tmp, 1);
        int dead = DeadPid();
        string stale = folder.File($".{RunDriver.CheckpointFile}.{dead}.{Guid.NewGuid():N}.tmp");
        string live = folder.File($".{RunDriver.CurveFile}.1.{Guid.NewGuid():N}.tmp"); // pid 1 is running: a live writer's
        string other = folder.File(".notes.tmp");                                      // not ours: never touched
        foreach (var p in new[] { stale, live, other }) File.WriteAllText(p, "half");
        var log = new StringWriter();
        RunDriver.Train(Small(2), TrainerTests.Synthetic(), folder, new ManagedBlas(), log, resume: true);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(other));
        Assert.Contains("removed 1 temp file(s)", log.ToString());
    }

    static int DeadPid()
    {
        for (int pid = 4_000_000; ; pid--)
        {
            try { using var p = Process.GetProcessById(pid); }
            catch (ArgumentException) { return pid; }
        }
    }

    [Fact]
    public void Fifos_and_devices_are_named_as_such_and_never_opened()
    {
        using var tmp = new TempDir();
        string fifo = tmp.File("fifo");
        using (var mk = Process.Start("mkfifo", fifo)) mk.WaitForExit();
        Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo));
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of("/dev/null"));
        Assert.Equal(FileKind.Directory, FileKinds.Of(tmp.Path));
        Assert.Equal(FileKind.Missing, FileKinds.Of(tmp.File("nope")));
        File.WriteAllText(tmp.File("f"), "x");
        Assert.Equal(FileKind.Regular, FileKinds.Of(tmp.File("f")));

        // Each would block forever in open(2) if it were opened: run them with a deadline.
        void Quick(Action a, string expect)
        {
            var task = Task.Run(() => Assert.ThrowsAny<Exception>(a));
            Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "blocked on a FIFO");
            Assert.Contains(expect, task.Result.Message);
        }
        Quick(() => Checkpoint.Load(fifo), "is a FIFO (named pipe), expected a checkpoint file");
        Quick(() => Vae.Core.Data.Compression.ReadFile(fifo), "found a FIFO (named pipe)");
        Quick(() => FileKinds.RequireFolder("--run", fifo), "--run: '" + fifo + "' is a FIFO");
        Quick(() => RunInspection.Evaluate(fifo, 0, new ManagedBlas()), "--run: ");
        Quick(() => FileKinds.RunFolderPath(tmp.File("f"), "exp", "r"), "--out: ");
    }
}
