// Importance-sampled log p(x) over a whole test set, fast (issue 11): batches of datapoints run on parallel workers, each
// with a one-thread GEMM provider and its own buffers; each batch is encoded once and its K samples decoded in tiles that
// stay in cache. It draws the noise of Evaluator.LogLikelihood with the same (batch, kChunk) in the same order, so the two
// agree to rounding. Owns: the workers, noise positioning and tiling. Must not: train, or change the estimator.

namespace Vae.Core.Inference;

/// <summary>log p(x) ~ log (1/K) sum_k p(x, z_k) / q(z_k|x), z_k ~ q(z|x) (Rezende et al. 2014; Burda et al. 2016):
/// log-weights per sample as in <see cref="Sgvb"/>, log-sum-exp online in double per datapoint.</summary>
public sealed unsafe class ImportanceSampler
{
    readonly ModelSpec _spec;
    readonly IBlas[] _blas;  // one per worker
    readonly int _batch, _kChunk, _tileSamples;

    /// <summary>
    /// Noise is drawn per batch of <paramref name="batch"/> datapoints and chunk of <paramref name="kChunk"/> samples
    /// ([kChunk, batch, Dz], sample-major), as <see cref="Evaluator"/> with the same two numbers draws it. Workers: the
    /// provider's thread count, each running a one-thread copy of it (<see cref="BlasResolver.WithThreads"/>); a provider
    /// that cannot be copied runs on one worker. Decoder rows per GEMM: tileSamples x batch.
    /// </summary>
    public ImportanceSampler(ModelSpec spec, IBlas blas, int batch = 100, int kChunk = 100, int tileSamples = 5)
    {
        if (batch <= 0 || kChunk <= 0 || tileSamples <= 0)
            throw new ArgumentException($"batch ({batch}), kChunk ({kChunk}) and tileSamples ({tileSamples}) must be positive");
        _spec = spec.Validate();
        (_batch, _kChunk, _tileSamples) = (batch, kChunk, Math.Min(tileSamples, kChunk));
        int workers = Math.Max(1, blas.Threads);
        var copies = new List<IBlas>();
        for (int w = 0; w < workers && BlasResolver.WithThreads(blas, 1) is { } one; w++) copies.Add(one);
        _blas = copies.Count == workers ? copies.ToArray() : [blas];
        if (_blas.Length == 1) foreach (var c in copies) (c as IDisposable)?.Dispose();
    }

    /// <summary>Parallel workers used.</summary>
    public int Workers => _blas.Length;

    /// <summary>log p(x) of the rows of x [N, D] with K samples each; per-datapoint estimates to perPoint [N] when given.
    /// Leaves <paramref name="noise"/> where Evaluator.LogLikelihood would leave it. <paramref name="progress"/>, if given,
    /// gets (0, N) at the start and (rows done, N) after each batch (one call at a time, from the workers).</summary>
    public LogLikelihoodResult LogLikelihood(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int k, Rng noise, Span<double> perPoint = default,
                                             Action<int, int>? progress = null)
    {
        int d = _spec.D;
        if (x.Length == 0 || x.Length % d != 0) throw new ArgumentException($"data holds {x.Length} floats, not a positive multiple of D = {d}");
        int n = x.Length / d;
        if (!perPoint.IsEmpty && perPoint.Length < n) throw new ArgumentException($"perPoint holds {perPoint.Length} values, N = {n} needed");
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), $"K ({k}) must be positive");
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        int batches = (n + _batch - 1) / _batch;
        var lp = new double[n];
        var starts = new Rng?[batches];
        int next = -1, ready = 0, done = 0;
        var progressGate = new object();
        progress?.Invoke(0, n);
        Exception? failure = null;
        fixed (float* pt = theta) fixed (float* px = x)
        {
            var (tp, xp, tl) = ((IntPtr)pt, (IntPtr)px, theta.Length);
            void Work(IBlas blas)
            {
                try
                {
                    var w = new Worker(_spec, blas, _batch, _kChunk, _tileSamples);
                    for (int b; (b = Interlocked.Increment(ref next)) < batches && Volatile.Read(ref failure) is null;)
                    {
                        var spin = new SpinWait();
                        while (Volatile.Read(ref ready) <= b) spin.SpinOnce(sleep1Threshold: 20);
                        int start = b * _batch, m = Math.Min(_batch, n - start);
                        w.Batch(new ReadOnlySpan<float>((float*)tp, tl), new ReadOnlySpan<float>((float*)xp + (long)start * d, m * d), m, k,
                                starts[b]!, lp.AsSpan(start, m));
                        starts[b] = null;
                        if (progress is not null) lock (progressGate) progress(done += m, n);
                    }
                }
                catch (Exception e) { Interlocked.CompareExchange(ref failure, e, null); }
            }
            var threads = _blas.Skip(1).Select(bl => new Thread(() => Work(bl)) { IsBackground = true }).ToArray();
            foreach (var t in threads) t.Start();
            // This thread positions a copy of the stream at every batch (cheap: no transforms), then works too.
            var producer = new Thread(() =>
            {
                for (int b = 0; b < batches; b++)
                {
                    starts[b] = noise.Clone();
                    Volatile.Write(ref ready, b + 1);
                    noise.SkipNormals((long)k * Math.Min(_batch, n - b * _batch) * _spec.Dz);
                }
            }) { IsBackground = true };
            producer.Start();
            Work(_blas[0]);
            producer.Join();
            foreach (var t in threads) t.Join();
        }
        if (failure is not null) throw new InvalidOperationException($"importance sampling failed: {failure.Message}", failure);
        double s = 0, s2 = 0;
        for (int i = 0; i < n; i++) { s += lp[i]; s2 += lp[i] * lp[i]; }
        if (!perPoint.IsEmpty) lp.CopyTo(perPoint);
        double mean = s / n, secs = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        return new LogLikelihoodResult(mean, Math.Sqrt(Math.Max(0, s2 / n - mean * mean) / n), k, n, secs);
    }

    /// <summary>One worker's model and buffers, sized once.</summary>
    sealed class Worker(ModelSpec spec, IBlas blas, int batch, int kChunk, int tileSamples)
    {
        readonly VaeModel _model = new(spec, blas, batch, batch * tileSamples);
        readonly int _dz = spec.Dz;
        readonly float[] _eps = new float[kChunk * batch * spec.Dz], _z = new float[tileSamples * batch * spec.Dz];
        readonly float[] _sigma = new float[batch * spec.Dz];
        readonly double[] _logPxz = new double[tileSamples * batch], _max = new double[batch], _sum = new double[batch];

        /// <summary>log p(x) of the batch x [m, D] into lp [m], noise from rng (chunk by chunk, as Evaluator draws it).</summary>
        public void Batch(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int m, int k, Rng rng, Span<double> lp)
        {
            int mz = m * _dz;
            _model.Encode(theta, x, m);
            var mu = _model.Mu.Slice(0, mz); var lv = _model.LogVar.Slice(0, mz);
            Array.Fill(_max, double.NegativeInfinity, 0, m); Array.Clear(_sum, 0, m);
            for (int done = 0; done < k; done += kChunk)
            {
                int kc = Math.Min(kChunk, k - done);
                rng.FillNormal(_eps.AsSpan(0, kc * mz));
                for (int l0 = 0; l0 < kc; l0 += tileSamples)
                {
                    int tl = Math.Min(tileSamples, kc - l0), rows = tl * m;
                    var eps = _eps.AsSpan(l0 * mz, tl * mz);
                    LatentKernels.Reparameterize(mu, lv, eps, tl, _sigma.AsSpan(0, mz), _z);
                    _model.Decode(theta, _z, rows);
                    _model.LogLikelihood(x, m, rows, _logPxz, withGrad: false, scale: 1f);
                    for (int r = 0; r < rows; r++)
                    {
                        int i = r % m;
                        var (pz, qz) = LatentKernels.LogDensities(_z.AsSpan(r * _dz, _dz), eps.Slice(r * _dz, _dz), lv.Slice(i * _dz, _dz));
                        double v = _logPxz[r] + pz - qz;
                        if (v > _max[i]) { _sum[i] = _sum[i] * Math.Exp(_max[i] - v) + 1; _max[i] = v; }
                        else _sum[i] += Math.Exp(v - _max[i]);
                    }
                }
            }
            double logK = Math.Log(k);
            for (int i = 0; i < m; i++) lp[i] = _max[i] + Math.Log(_sum[i]) - logK;
        }
    }
}
