// A run interrupted between curve points (what a Slurm warning signal or SIGTERM does through the cancellation token)
// saves a checkpoint of that exact step; resuming it gives the numbers and curve of a run that never stopped.
using Vae.Core.IO;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Runs;
using Vae.Core.Training;
using Vae.Tests.IO;
using Vae.Tests.Training;

namespace Vae.Tests.Runs;

public class RunInterruptTests
{
    /// <summary>The managed GEMM, cancelling a token after a fixed number of calls: a deterministic mid-epoch stop.</summary>
    sealed class CancelAfter(int calls, CancellationTokenSource cts) : IBlas
    {
        readonly ManagedBlas _inner = new();
        int _n;
        public string Name => _inner.Name;
        public int Threads => _inner.Threads;
        public string Describe() => _inner.Describe();
        public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                          ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            if (++_n == calls) cts.Cancel();
            _inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    static TrainOptions Small() => new()
    {
        Dataset = "synthetic",
        Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] },
        BatchSize = 20, Epochs = 3, FinalK = 20,
        Optimizer = new OptimizerOptions { LearningRate = 3e-3 },
        Seed = 7,
    };

    // Curve rows without the wall-clock column (index 3).
    static string[] Curve(RunFolder f) =>
        File.ReadAllLines(f.File(RunDriver.CurveFile)).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 3))).ToArray();

    [Fact]
    public void An_interrupted_run_resumes_bit_exactly_from_the_step_it_stopped_at()
    {
        using var tmp = new TempDir();
        var data = TrainerTests.Synthetic();
        var straightFolder = RunFolder.Create(tmp.Path, "exp", "straight");
        var straight = RunDriver.Train(Small(), data, straightFolder, new ManagedBlas(), TextWriter.Null);

        var folder = RunFolder.Create(tmp.Path, "exp", "stopped");
        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<RunInterruptedException>(() =>
            RunDriver.Train(Small(), data, folder, new CancelAfter(300, cts), TextWriter.Null, cancel: cts.Token));
        Assert.True(e.Step > 20 && e.Step % 20 != 0, $"expected a stop between curve points (every 20 steps), got step {e.Step}");
        Assert.False(File.Exists(folder.File(RunFolder.MetricsFile)));
        Assert.Equal(e.Step, Checkpoint.Load(folder.File(RunDriver.CheckpointFile)).GetCounter("step"));
        Assert.False(RunLock.IsHeld(folder.Path)); // released on the way out

        var resumed = RunDriver.Train(Small(), data, RunFolder.Open(folder.Path), new ManagedBlas(), TextWriter.Null, resume: true);
        Assert.Equal(straight.TestElbo, resumed.TestElbo);
        Assert.Equal(straight.TrainElbo, resumed.TrainElbo);
        Assert.Equal(straight.LogPx, resumed.LogPx);
        Assert.Equal(straight.Samples, resumed.Samples);
        Assert.Equal(Curve(straightFolder), Curve(folder)); // the running train bound of the cut interval included
    }
}
