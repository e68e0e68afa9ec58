// The paper's Appendix D marginal-likelihood estimator: HMC samples from p(z|x); a Gaussian q(z) fitted to the first
// half of them; then p(x) ~ [ (1/L) sum_l q(z_l) / (p(z_l) p(x|z_l)) ]^-1 over the second half (log-sum-exp in double).
// Owns: chain start, burn-in, the per-datapoint Gaussian fit and the estimate. Must not: train, or use the encoder (the
// estimate depends on the generative model only, so it scores AEVB, wake-sleep and MCEM alike).

namespace Vae.Core.Inference;

/// <summary>Marginal-likelihood estimators: Is = importance sampling with q(z|x) as proposal (Evaluator.LogLikelihood; needs
/// a trained encoder); Hmc = the paper's Appendix D estimator (HMC posterior samples; decoder only, small Dz).</summary>
public enum LogPxEstimator { Is, Hmc }

/// <summary>Names of the estimators (one place): "is", "hmc", and a phrase for every printed number.</summary>
public static class LogPxEstimators
{
    public static string Label(LogPxEstimator e) => e == LogPxEstimator.Hmc ? "hmc" : "is";
    public static string Describe(LogPxEstimator e) => e == LogPxEstimator.Hmc
        ? "HMC / Appendix D estimator" : "importance sampling from q(z|x)";
    public static LogPxEstimator Parse(string s) => s.Trim().ToLowerInvariant() switch
    {
        "is" => LogPxEstimator.Is,
        "hmc" => LogPxEstimator.Hmc,
        _ => throw new ArgumentException($"'{s}' is not an estimator; expected is (importance sampling) or hmc (Appendix D)"),
    };
}

/// <summary>Settings of the Appendix D estimator. Samples are per datapoint, pooled over its chains; half fit q(z),
/// half evaluate the estimate.</summary>
public sealed record AppendixDOptions
{
    /// <summary>Largest latent dimension accepted: the estimator fits a full-covariance Gaussian to posterior samples and
    /// its variance explodes as Dz grows (paper §5: "for high-dimensional latent space the estimates became unreliable";
    /// Fig. 3 uses Dz = 3).</summary>
    public const int MaxDz = 10;
    /// <summary>Posterior samples per datapoint after burn-in, both halves together (at least 2 per chain).</summary>
    public int Samples { get; init; } = 400;
    /// <summary>Independent HMC chains per datapoint, started from the prior.</summary>
    public int Chains { get; init; } = 4;
    /// <summary>Transitions per chain with step-size adaptation before sampling; the step size is fixed afterwards.</summary>
    public int BurnIn { get; init; } = 150;
    public HmcOptions Hmc { get; init; } = new();

    public AppendixDOptions Validate()
    {
        Hmc.Validate();
        if (Chains <= 0) throw new ArgumentException($"HMC chains per datapoint ({Chains}) must be at least 1");
        if (Samples < 2 * Chains) throw new ArgumentException($"HMC samples per datapoint ({Samples}) must be at least 2 per chain ({2 * Chains}): half fit q(z), half evaluate");
        if (BurnIn < 0) throw new ArgumentException($"HMC burn-in ({BurnIn}) must be >= 0");
        return this;
    }
}

/// <summary>An Appendix D estimate over a dataset: the mean over N datapoints of log p(x) (nats) with its standard error,
/// the posterior samples per datapoint actually used (K, both halves), and the sampler's mean acceptance and step size.</summary>
public sealed record AppendixDResult(double LogPx, double StdErr, int K, int N, double Seconds, double Acceptance, double StepSize);

/// <summary>Appendix D estimator over datapoints in batches. Not thread-safe (owns workspaces).</summary>
public sealed class AppendixDEstimator
{
    const double Log2Pi = 1.8378770664093454836;
    readonly AppendixDOptions _o;
    readonly JointDensity _target;
    readonly Hmc _hmc;
    readonly int _batch, _dz, _d;
    readonly float[] _z, _step;          // [Chains*batch, Dz], [Chains*batch]
    readonly double[] _logp;             // [Chains*batch]
    readonly double[] _mean, _cov, _chol; // [batch, Dz], [batch, Dz, Dz] (sums, then moments), [batch, Dz, Dz] lower factor
    readonly double[] _max, _sum;        // [batch] running log-sum-exp of log q - log p(x, z)
    readonly double[] _y;                // [Dz]

    /// <summary>Throws ArgumentException when Dz exceeds <see cref="AppendixDOptions.MaxDz"/>, saying what to use instead.</summary>
    public AppendixDEstimator(ModelSpec spec, IBlas blas, AppendixDOptions? options = null, int batch = 100)
    {
        _o = (options ?? new AppendixDOptions()).Validate();
        spec.Validate();
        if (spec.Dz > AppendixDOptions.MaxDz)
            throw new ArgumentException($"the HMC (Appendix D) estimator fits a Gaussian to posterior samples and is unreliable for " +
                $"high-dimensional latents (the paper uses Dz = 3); this model has Dz = {spec.Dz} > {AppendixDOptions.MaxDz}: " +
                "use the importance-sampled estimator (--estimator is) instead");
        if (batch <= 0) throw new ArgumentException($"batch ({batch}) must be positive");
        (_batch, _dz, _d) = (batch, spec.Dz, spec.D);
        int rows = checked(_o.Chains * batch);
        _target = new JointDensity(spec, blas, rows);
        _hmc = new Hmc(_o.Hmc, spec.Dz, rows);
        _z = new float[rows * _dz]; _step = new float[rows]; _logp = new double[rows];
        _mean = new double[batch * _dz]; _cov = new double[batch * _dz * _dz]; _chol = new double[batch * _dz * _dz];
        _max = new double[batch]; _sum = new double[batch]; _y = new double[_dz];
    }

    public AppendixDOptions Options => _o;

    /// <summary>
    /// Estimates log p(x) for each row of x [N, D] (written to perPoint [N] when given) and returns their mean with its
    /// standard error. All randomness (chain starts, momenta, accept draws) comes from rng. progress(done, total) is called
    /// after every HMC transition, in units of datapoint-transitions.
    /// </summary>
    public AppendixDResult Estimate(float[] theta, ReadOnlySpan<float> x, Rng rng, Span<double> perPoint = default,
                                    Action<int, int>? progress = null)
    {
        if (x.Length == 0 || x.Length % _d != 0) throw new ArgumentException($"data holds {x.Length} floats, not a positive multiple of D = {_d}");
        int n = x.Length / _d;
        if (!perPoint.IsEmpty && perPoint.Length < n) throw new ArgumentException($"perPoint holds {perPoint.Length} values, N = {n} needed");
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        int c = _o.Chains, perHalf = (_o.Samples / 2 + c - 1) / c; // transitions per half
        int used = perHalf * c;                                      // samples per datapoint per half
        double s = 0, s2 = 0, acc = 0, stepSum = 0; long transitions = 0;
        long work = (long)n * (_o.BurnIn + 2 * perHalf), done = 0;
        void Tick(int m) { done += m; progress?.Invoke((int)Math.Min(int.MaxValue, done * 1000 / work), 1000); }
        for (int start = 0; start < n; start += _batch)
        {
            int m = Math.Min(_batch, n - start), rows = c * m;
            _target.Condition(theta, x.Slice(start * _d, m * _d), m);
            var z = _z.AsSpan(0, rows * _dz); var step = _step.AsSpan(0, rows); var logp = _logp.AsSpan(0, rows);
            rng.FillNormal(z);
            step.Fill((float)_o.Hmc.InitialStepSize);
            for (int b = 0; b < _o.BurnIn; b++) { _hmc.Transition(_target, z, step, logp, rows, rng, adapt: true); Tick(m); }

            Array.Clear(_mean, 0, m * _dz); Array.Clear(_cov, 0, m * _dz * _dz);
            for (int t = 0; t < perHalf; t++)
            {
                acc += _hmc.Transition(_target, z, step, logp, rows, rng, adapt: false); transitions++; Tick(m);
                for (int r = 0; r < rows; r++) Accumulate(r % m, z.Slice(r * _dz, _dz));
            }
            for (int i = 0; i < m; i++) Fit(i, used);

            Array.Fill(_max, double.NegativeInfinity, 0, m); Array.Clear(_sum, 0, m);
            for (int t = 0; t < perHalf; t++)
            {
                acc += _hmc.Transition(_target, z, step, logp, rows, rng, adapt: false); transitions++; Tick(m);
                for (int r = 0; r < rows; r++)
                {
                    int i = r % m;
                    double v = LogQ(i, z.Slice(r * _dz, _dz)) - logp[r]; // log q(z) - log p(x, z)
                    if (v > _max[i]) { _sum[i] = _sum[i] * Math.Exp(_max[i] - v) + 1; _max[i] = v; }
                    else _sum[i] += Math.Exp(v - _max[i]);
                }
            }
            for (int r = 0; r < rows; r++) stepSum += step[r];
            for (int i = 0; i < m; i++)
            {
                double lp = -(_max[i] + Math.Log(_sum[i]) - Math.Log(used));
                if (!perPoint.IsEmpty) perPoint[start + i] = lp;
                s += lp; s2 += lp * lp;
            }
        }
        double mean = s / n;
        double secs = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
        return new AppendixDResult(mean, Math.Sqrt(Math.Max(0, s2 / n - mean * mean) / n), 2 * used, n, secs,
                                   acc / transitions, stepSum / ((double)n * c));
    }

    void Accumulate(int i, ReadOnlySpan<float> z)
    {
        var mu = _mean.AsSpan(i * _dz, _dz); var cov = _cov.AsSpan(i * _dz * _dz, _dz * _dz);
        for (int a = 0; a < _dz; a++)
        {
            mu[a] += z[a];
            for (int b = 0; b <= a; b++) cov[a * _dz + b] += (double)z[a] * z[b];
        }
    }

    /// <summary>Moments of datapoint i's first-half samples, then the Cholesky factor of the covariance (jittered if needed).</summary>
    void Fit(int i, int count)
    {
        var mu = _mean.AsSpan(i * _dz, _dz); var cov = _cov.AsSpan(i * _dz * _dz, _dz * _dz); var l = _chol.AsSpan(i * _dz * _dz, _dz * _dz);
        for (int a = 0; a < _dz; a++) mu[a] /= count;
        double trace = 0;
        for (int a = 0; a < _dz; a++)
        {
            for (int b = 0; b <= a; b++) cov[a * _dz + b] = cov[a * _dz + b] / count - mu[a] * mu[b];
            trace += cov[a * _dz + a];
        }
        // Samples that never moved (all rejected) give a singular covariance; a jitter keeps q proper.
        for (double jitter = 1e-10 * Math.Max(trace, 1e-30); ; jitter *= 100)
            if (Cholesky(cov, l, jitter)) return;
    }

    bool Cholesky(ReadOnlySpan<double> cov, Span<double> l, double jitter)
    {
        l.Clear();
        for (int a = 0; a < _dz; a++)
        for (int b = 0; b <= a; b++)
        {
            double v = cov[a * _dz + b] + (a == b ? jitter : 0);
            for (int k = 0; k < b; k++) v -= l[a * _dz + k] * l[b * _dz + k];
            if (a == b) { if (!(v > 0)) return false; l[a * _dz + a] = Math.Sqrt(v); }
            else l[a * _dz + b] = v / l[b * _dz + b];
        }
        return true;
    }

    double LogQ(int i, ReadOnlySpan<float> z)
    {
        var mu = _mean.AsSpan(i * _dz, _dz); var l = _chol.AsSpan(i * _dz * _dz, _dz * _dz);
        double maha = 0, logDet = 0;
        for (int a = 0; a < _dz; a++)
        {
            double v = z[a] - mu[a];
            for (int k = 0; k < a; k++) v -= l[a * _dz + k] * _y[k];
            _y[a] = v / l[a * _dz + a];
            maha += _y[a] * _y[a]; logDet += Math.Log(l[a * _dz + a]);
        }
        return -0.5 * (_dz * Log2Pi + maha) - logDet;
    }
}
