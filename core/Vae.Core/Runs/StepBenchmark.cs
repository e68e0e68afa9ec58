// `vae bench`: what one training step costs against what its matrix products could cost. Records the exact GEMM calls
// of a step (a recording IBlas), replays them alone on the provider (its own sgemm rate on the same shapes), and times
// whole steps of the trainer's own TrainingStep (ms, s/epoch, GFLOP/s, managed bytes allocated).
// Owns: benchmark loops. Must not: change the engine.

namespace Vae.Core.Runs;

/// <summary>One benchmark row (JSON field names as issue 6 asks).</summary>
public sealed record StepBenchResult(string provider, int threads, string estimator, int M, int L, string model,
    double ms_per_step, double s_per_epoch, double step_gflops, double sgemm_gflops, double ratio,
    double gemm_mflop_per_step, long alloc_bytes_per_step, string describe, string input = "sparse");

/// <summary>Times training steps of a model on one provider.</summary>
public static class StepBenchmark
{
    /// <summary>Counts the GEMM calls of one step so they can be replayed on their own.</summary>
    sealed class Recorder(IBlas inner) : IBlas
    {
        public readonly List<(bool Ta, bool Tb, int M, int N, int K)> Calls = [];
        public bool Recording;
        public string Name => inner.Name;
        public int Threads => inner.Threads;
        public string Describe() => inner.Describe();
        public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                          ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            if (Recording) Calls.Add((transA, transB, m, n, k));
            inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        }
    }

    /// <summary>One model's training step (the trainer's <see cref="TrainingStep"/>, Adam) on a fixed random binary minibatch.</summary>
    sealed class StepLoop
    {
        readonly TrainingStep _unit; readonly float[] _x;

        public StepLoop(IBlas blas, ModelSpec spec, Estimator est, int m, int l, int n, bool sparseInput = true)
        {
            _unit = new TrainingStep(spec, blas, est, m, l, new OptimizerOptions(), n, new Rng(3, RngStream.Noise));
            _unit.Parameters.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(1, RngStream.Init));
            _unit.Sgvb.Model.SparseBinaryInput = sparseInput;
            _x = new float[m * spec.D]; var rng = new Rng(2, RngStream.Split);
            for (int i = 0; i < _x.Length; i++) _x[i] = rng.NextSingle() < 0.13f ? 1f : 0f;
        }

        public void Step() => _unit.Step(_x);

        /// <summary>Milliseconds per step after 20 warm-up steps, and managed bytes allocated over the timed steps
        /// (counted by <paramref name="allocated"/>).</summary>
        public double Time(int steps, Func<long>? allocated, out long allocatedBytes)
        {
            for (int i = 0; i < 20; i++) Step();
            long a0 = allocated?.Invoke() ?? 0;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step();
            double ms = sw.Elapsed.TotalMilliseconds / steps;
            allocatedBytes = (allocated?.Invoke() ?? 0) - a0;
            return ms;
        }
    }

    /// <summary>
    /// Runs warm-up, then <paramref name="steps"/> timed steps (noise, forward, backward, Adam) on random binary data,
    /// then replays the step's GEMMs alone for the provider's rate. Dataset size for s/epoch: <paramref name="n"/>.
    /// With <paramref name="sparseInput"/> (default, as in training) the binary batch's first-layer products run on its
    /// ones (BinaryRows) and are not GEMM calls; false times the dense GEMM path for comparison.
    /// </summary>
    public static StepBenchResult Run(IBlas blas, ModelSpec spec, Estimator est, int m = 100, int l = 1, int steps = 200, int n = 60_000,
                                      bool sparseInput = true)
    {
        var rec = new Recorder(blas);
        var loop = new StepLoop(rec, spec, est, m, l, n, sparseInput);
        rec.Recording = true; loop.Step(); rec.Recording = false;
        // One thread: count this thread only (other threads of the process may allocate meanwhile). Several: count
        // the whole process, so a multi-threaded provider's helper threads are included.
        Func<long> allocated = blas.Threads == 1 ? GC.GetAllocatedBytesForCurrentThread : () => GC.GetTotalAllocatedBytes(true);
        double ms = loop.Time(steps, allocated, out long bytes);
        long alloc = bytes / steps;

        double flop = rec.Calls.Sum(c => 2.0 * c.M * c.N * c.K);
        double sgemmMs = ReplayMs(blas, rec.Calls, Math.Max(20, steps / 2));
        double stepGf = flop / (ms * 1e6), sgemmGf = flop / (sgemmMs * 1e6);
        return new StepBenchResult(blas.Name, blas.Threads, est.ToString(), m, l, spec.ToString(), ms, ms * (n / m) / 1000.0,
                                   stepGf, sgemmGf, stepGf / sgemmGf, flop / 1e6, alloc, blas.Describe(),
                                   sparseInput ? "sparse" : "dense");
    }

    /// <summary>
    /// Sweep throughput: <paramref name="runs"/> independent step loops at once, each with its own provider from
    /// <paramref name="makeBlas"/> (a sweep's points are independent runs); returns total training steps per second.
    /// </summary>
    public static double ParallelStepsPerSecond(Func<IBlas> makeBlas, ModelSpec spec, int runs, int steps = 100)
    {
        var blases = Enumerable.Range(0, runs).Select(_ => makeBlas()).ToArray();
        var loops = blases.Select(b => new StepLoop(b, spec, Estimator.B, 100, 1, 60_000)).ToArray();
        var ms = new double[runs];
        var threads = Enumerable.Range(0, runs).Select(i => new Thread(() => ms[i] = loops[i].Time(steps, null, out _))).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        foreach (var b in blases) (b as IDisposable)?.Dispose();
        return ms.Sum(v => 1000.0 / v);
    }

    /// <summary>Milliseconds for the recorded GEMM sequence alone (beta = 1 accumulating, like the backward pass).</summary>
    static double ReplayMs(IBlas blas, List<(bool Ta, bool Tb, int M, int N, int K)> calls, int reps)
    {
        var bufs = calls.Select(c => (A: Fill(c.M * c.K), B: Fill(c.K * c.N), C: new float[c.M * c.N])).ToArray();
        void Once()
        {
            for (int i = 0; i < calls.Count; i++)
            {
                var (ta, tb, mm, nn, kk) = calls[i]; var (a, b, c) = bufs[i];
                blas.Sgemm(ta, tb, mm, nn, kk, 1f, a, ta ? mm : kk, b, tb ? kk : nn, 0.5f, c, nn);
            }
        }
        for (int i = 0; i < 10; i++) Once();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) Once();
        return sw.Elapsed.TotalMilliseconds / reps;
    }

    static float[] Fill(int len) { var a = new float[len]; new Rng((ulong)len).FillUniform(a, -1f, 1f); return a; }

    /// <summary>
    /// Importance-sampled log p(x) of x [N, D] with K samples, side by side: the reference (<see cref="Evaluator.LogLikelihood"/>,
    /// one pipeline, GEMMs threaded) and <see cref="ImportanceSampler"/> (parallel workers, tiles), each with batch 100 and
    /// kChunk 100 (what `vae eval` uses) and the same noise stream, on the same slices of x in alternating order so that load
    /// changes hit both alike. Returns both times, both estimates, the largest per-point difference and the GFLOP/s of the new one.
    /// </summary>
    public static IsComparison ImportanceSampling(IBlas blas, ModelSpec spec, float[] theta, ReadOnlySpan<float> x, int k, Rng noise, int slices = 4)
    {
        int n = x.Length / spec.D, per = (n / slices + 99) / 100 * 100;
        var reference = new Evaluator(spec, blas, batch: 100, kChunk: 100);
        var sampler = new ImportanceSampler(spec, blas, batch: 100, kChunk: 100);
        Rng rOld = noise.Clone(), rNew = noise.Clone();
        var pOld = new double[n]; var pNew = new double[n];
        double tOld = 0, tNew = 0;
        for (int s = 0, start = 0; start < n; s++, start += per)
        {
            int rows = Math.Min(per, n - start);
            var xs = x.Slice(start * spec.D, rows * spec.D);
            for (int turn = 0; turn < 2; turn++)
                if ((turn + s) % 2 == 0) tOld += reference.LogLikelihood(theta, xs, k, rOld, pOld.AsSpan(start, rows)).Seconds;
                else tNew += sampler.LogLikelihood(theta, xs, k, rNew, pNew.AsSpan(start, rows)).Seconds;
        }
        var layout = ModelLayout.For(spec);
        double dec = layout.Params.Where(p => p.Name.StartsWith("dec.") && !p.IsBias).Sum(p => 2.0 * p.Rows * p.Cols);
        double maxDiff = pOld.Zip(pNew, (a, b) => Math.Abs(a - b)).Max();
        return new IsComparison(k, n, sampler.Workers, tOld, tNew, pOld.Average(), pNew.Average(), maxDiff, (double)n * k * dec / tNew / 1e9);
    }
}

/// <summary>Reference vs new importance sampler on the same data and noise (seconds, mean log p(x), max |per-point diff|).</summary>
public sealed record IsComparison(int K, int N, int Workers, double OldSeconds, double NewSeconds, double OldLogPx, double NewLogPx,
                                  double MaxPointDiff, double NewDecoderGflops)
{
    public double Ratio => NewSeconds / OldSeconds;
}
