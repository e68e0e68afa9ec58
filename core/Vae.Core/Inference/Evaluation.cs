// Evaluation of a trained model on a whole dataset: ELBO per datapoint, importance-sampled log p(x) (chunked over K,
// log-mean-exp in double, from the engine's [K, M] log-weights), and posterior-collapse diagnostics.
// Owns: the loops over data and samples for evaluation. Must not: train, or hold data beyond the caller's arrays.

namespace Vae.Core.Inference;

/// <summary>Importance-sampled log-likelihood over a dataset (nats per datapoint): LogPx is the mean over the N
/// datapoints of log (1/K) sum_k w_k, StdErr the standard error of that mean, Seconds the wall time.</summary>
public sealed record LogLikelihoodResult(double LogPx, double StdErr, int K, int N, double Seconds);

/// <summary>Dataset ELBO (nats per datapoint) and its parts.</summary>
public sealed record ElboResult(double Elbo, double StdErr, double LogPxz, double Kl, int N, int L);

/// <summary>Running sums of per-datapoint bounds (see <see cref="Evaluator.Accumulate"/>), in double.</summary>
public struct ElboSums
{
    public double S, S2, Px, Kl;
    public int N;

    /// <summary>Mean bound, its standard error, mean log p(x|z) and KL over the N rows summed.</summary>
    public readonly ElboResult Result(int l)
    {
        double mean = S / N;
        return new ElboResult(mean, Math.Sqrt(Math.Max(0, S2 / N - mean * mean) / N), Px / N, Kl / N, N, l);
    }
}

/// <summary>Posterior-collapse diagnostics: active units (Burda et al. 2016: Var_x E_q[z_j] &gt; threshold) and KL per unit.</summary>
public sealed record LatentDiagnostics(int ActiveUnits, double[] PosteriorMeanVariance, double[] KlPerUnit, double Threshold);

/// <summary>Evaluates a model over datasets given as flat [N, D] arrays. Not thread-safe (owns an Sgvb workspace).</summary>
public sealed class Evaluator
{
    readonly Sgvb _sgvb;
    readonly int _batch, _kChunk, _dz, _d;
    readonly float[] _eps;      // [kChunk, batch, Dz]
    readonly double[] _max, _sum; // [batch] running log-sum-exp state per datapoint
    const int ConvRows = 500;

    /// <summary>Evaluates in minibatches of <paramref name="batch"/> datapoints and chunks of <paramref name="kChunk"/> samples,
    /// so memory stays bounded for any K (decoder rows = batch * kChunk).</summary>
    public Evaluator(ModelSpec spec, IBlas blas, int batch = 100, int kChunk = 50)
    {
        if (batch <= 0 || kChunk <= 0) throw new ArgumentException($"batch ({batch}) and kChunk ({kChunk}) must be positive");
        // The conv decoder holds ~40k activation floats per row (x2 for gradients): keep its rows near ConvRows.
        if (spec.Architecture == Architecture.Conv) kChunk = Math.Max(1, Math.Min(kChunk, ConvRows / batch));
        _sgvb = new Sgvb(spec, blas, batch, kChunk);
        (_batch, _kChunk, _dz, _d) = (batch, kChunk, spec.Dz, spec.D);
        _eps = new float[kChunk * batch * spec.Dz];
        _max = new double[batch]; _sum = new double[batch];
    }

    /// <summary>
    /// Dataset bound with L samples per datapoint (estimator B unless given): mean over the N rows of x [N, D].
    /// Exact over the whole set (no subsampling); noise from <paramref name="noise"/>.
    /// </summary>
    public ElboResult Elbo(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Rng noise, int l = 1, Estimator est = Estimator.B)
    {
        var sums = new ElboSums();
        Accumulate(theta, x, noise, ref sums, l, est);
        return sums.Result(l);
    }

    /// <summary>
    /// Adds the bound of the rows of x [n, D] to <paramref name="sums"/>, for a set evaluated in pieces that need not be
    /// in memory at once (a binarized copy of a training set): pieces of a multiple of the batch size, in order, with one
    /// noise stream give the same bits as one <see cref="Elbo"/> call on the whole set.
    /// </summary>
    public void Accumulate(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Rng noise, ref ElboSums sums, int l = 1, Estimator est = Estimator.B)
    {
        int n = CheckData(x);
        if (l <= 0 || l > _kChunk) throw new ArgumentOutOfRangeException(nameof(l), $"L ({l}) must be in 1..{_kChunk}");
        for (int start = 0; start < n; start += _batch)
        {
            int m = Math.Min(_batch, n - start);
            var eps = _eps.AsSpan(0, l * m * _dz);
            noise.FillNormal(eps);
            _sgvb.Forward(theta, x.Slice(start * _d, m * _d), m, eps, l, est, prepareBackward: false);
            for (int i = 0; i < m; i++)
            {
                double e = _sgvb.Elbo[i]; sums.S += e; sums.S2 += e * e; sums.Px += _sgvb.LogPxz[i]; sums.Kl += _sgvb.Kl[i];
            }
        }
        sums.N += n;
    }

    /// <summary>
    /// Importance-sampled log p(x) with K samples from q(z|x) per datapoint (Rezende et al. 2014; Burda et al. 2016):
    /// log p(x) ~ log (1/K) sum_k exp(logw_k), logw = log p(x, z_k) - log q(z_k|x). Chunked over K; log-sum-exp in double.
    /// The per-datapoint estimates go to perPoint [N] when given; <paramref name="progress"/>, if given, gets (0, N) at the
    /// start and (rows done, N) after each minibatch of rows.
    /// </summary>
    public LogLikelihoodResult LogLikelihood(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int k, Rng noise, Span<double> perPoint = default,
                                             Action<int, int>? progress = null)
    {
        int n = CheckData(x);
        if (!perPoint.IsEmpty && perPoint.Length < n) throw new ArgumentException($"perPoint holds {perPoint.Length} values, N = {n} needed");
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), $"K ({k}) must be positive");
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        double s = 0, s2 = 0, logK = Math.Log(k);
        progress?.Invoke(0, n);
        for (int start = 0; start < n; start += _batch)
        {
            int m = Math.Min(_batch, n - start);
            Array.Fill(_max, double.NegativeInfinity, 0, m); Array.Clear(_sum, 0, m);
            for (int done = 0; done < k; done += _kChunk)
            {
                int kc = Math.Min(_kChunk, k - done);
                var eps = _eps.AsSpan(0, kc * m * _dz);
                noise.FillNormal(eps);
                _sgvb.Forward(theta, x.Slice(start * _d, m * _d), m, eps, kc, Estimator.A, prepareBackward: false);
                var lw = _sgvb.LogWeights; // [kc, m]
                for (int r = 0; r < kc; r++)
                for (int i = 0; i < m; i++)
                {
                    double v = lw[r * m + i];
                    if (v > _max[i]) { _sum[i] = _sum[i] * Math.Exp(_max[i] - v) + 1; _max[i] = v; }
                    else _sum[i] += Math.Exp(v - _max[i]);
                }
            }
            for (int i = 0; i < m; i++)
            {
                double lp = _max[i] + Math.Log(_sum[i]) - logK;
                if (!perPoint.IsEmpty) perPoint[start + i] = lp;
                s += lp; s2 += lp * lp;
            }
            progress?.Invoke(start + m, n);
        }
        double mean = s / n;
        double secs = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        return new LogLikelihoodResult(mean, Math.Sqrt(Math.Max(0, s2 / n - mean * mean) / n), k, n, secs);
    }

    /// <summary>Active units: Var over x of the posterior mean per latent dimension, above threshold (0.01); KL per unit.</summary>
    public LatentDiagnostics Diagnose(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, double threshold = 0.01)
    {
        int n = CheckData(x);
        var mean = new double[_dz]; var sq = new double[_dz]; var kl = new double[_dz];
        var model = _sgvb.Model;
        for (int start = 0; start < n; start += _batch)
        {
            int m = Math.Min(_batch, n - start);
            model.Encode(theta, x.Slice(start * _d, m * _d), m);
            var mu = model.Mu; var lv = model.LogVar;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < _dz; j++)
            {
                double u = mu[i * _dz + j], v = lv[i * _dz + j];
                mean[j] += u; sq[j] += u * u;
                kl[j] += -0.5 * (1 + v - u * u - Math.Exp(v));
            }
        }
        var variance = new double[_dz]; int active = 0;
        for (int j = 0; j < _dz; j++)
        {
            double mu = mean[j] / n;
            variance[j] = sq[j] / n - mu * mu;
            kl[j] /= n;
            if (variance[j] > threshold) active++;
        }
        return new LatentDiagnostics(active, variance, kl, threshold);
    }

    int CheckData(ReadOnlySpan<float> x)
    {
        if (x.Length == 0 || x.Length % _d != 0)
            throw new ArgumentException($"data holds {x.Length} floats, not a positive multiple of D = {_d}");
        return x.Length / _d;
    }
}
