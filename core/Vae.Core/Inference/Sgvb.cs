// The SGVB estimators (paper Sec. 2.3, eqs. 6-8, Appendix B): reparameterised forward over L noise samples and
// the analytic backward of J = (1/M) sum_m Elbo_m. Owns: z = mu + sigma * eps, log p(z), log q(z|x), closed-form KL,
// the [L, M] log-weights, and the gradient seeds of each estimator. Must not: draw noise (the caller passes eps)
// or update parameters. Rows are sample-major: row r = l*M + m.
using System.Numerics.Tensors;

namespace Vae.Core.Inference;

/// <summary>SGVB estimator A or B on one minibatch with injected noise. Not thread-safe (owns workspaces).</summary>
public sealed class Sgvb
{
    readonly VaeModel _model;
    readonly int _d, _nz;
    readonly float[] _x;      // [maxM, D]       the minibatch, kept for backward
    readonly float[] _eps;    // [maxL, maxM, Dz] noise, sample-major
    readonly float[] _sigma;  // [maxM, Dz]      exp(LogVar / 2)
    readonly float[] _z;      // [maxL*maxM, Dz]
    readonly float[] _dz;     // [maxL*maxM, Dz]
    readonly double[] _klTerm;           // [maxM, Dz]    1 + LogVar - Mu^2 - exp(LogVar)
    readonly double[] _logPxzRow, _logW; // [maxL*maxM]  per row; _logW viewed as [L, M]
    readonly double[] _elbo, _logPxz, _kl, _logPz, _logQz; // [maxM] per datapoint (means over l)
    int _m, _l; Estimator _est; bool _backwardReady;

    /// <summary>Workspaces for minibatches of up to maxBatch datapoints with up to maxSamples noise samples each.</summary>
    public Sgvb(ModelSpec spec, IBlas blas, int maxBatch, int maxSamples)
    {
        if (maxSamples <= 0) throw new ArgumentException($"maxSamples ({maxSamples}) must be positive");
        _model = new VaeModel(spec, blas, maxBatch, checked(maxBatch * maxSamples));
        (_d, _nz, MaxBatch, MaxSamples) = (spec.D, spec.Dz, maxBatch, maxSamples);
        int rows = maxBatch * maxSamples;
        _x = new float[maxBatch * _d];
        _eps = new float[rows * _nz]; _z = new float[rows * _nz]; _dz = new float[rows * _nz];
        _sigma = new float[maxBatch * _nz]; _klTerm = new double[maxBatch * _nz];
        _logPxzRow = new double[rows]; _logW = new double[rows];
        _elbo = new double[maxBatch]; _logPxz = new double[maxBatch]; _kl = new double[maxBatch];
        _logPz = new double[maxBatch]; _logQz = new double[maxBatch];
    }

    public VaeModel Model => _model;
    public int MaxBatch { get; }
    public int MaxSamples { get; }

    /// <summary>Per-datapoint bound of the last forward [M] (nats; estimator A or B).</summary>
    public ReadOnlySpan<double> Elbo => _elbo.AsSpan(0, _m);
    /// <summary>Mean over l of log p(x|z_l) [M].</summary>
    public ReadOnlySpan<double> LogPxz => _logPxz.AsSpan(0, _m);
    /// <summary>Closed-form KL(q(z|x) || p(z)) [M] (paper Appendix B).</summary>
    public ReadOnlySpan<double> Kl => _kl.AsSpan(0, _m);
    /// <summary>Mean over l of log p(z_l) [M].</summary>
    public ReadOnlySpan<double> LogPz => _logPz.AsSpan(0, _m);
    /// <summary>Mean over l of log q(z_l|x) [M].</summary>
    public ReadOnlySpan<double> LogQz => _logQz.AsSpan(0, _m);
    /// <summary>log p(x_m, z_lm) - log q(z_lm|x_m), [L, M] row-major: the importance log-weights.</summary>
    public ReadOnlySpan<double> LogWeights => _logW.AsSpan(0, _l * _m);
    /// <summary>Latent samples [L*M, Dz] of the last forward.</summary>
    public ReadOnlySpan<float> Z => _z.AsSpan(0, _l * _m * _nz);

    /// <summary>
    /// Forward pass on x [M, D] with noise eps [L, M, Dz]; returns J = (1/M) sum_m Elbo_m (nats per datapoint).
    /// Estimator A (eq. 6): Elbo_m = (1/L) sum_l log p(x, z_l) - log q(z_l|x).
    /// Estimator B (eq. 7): Elbo_m = -KL(q||p) + (1/L) sum_l log p(x|z_l).
    /// With prepareBackward = false (evaluation) the likelihood gradient is skipped and Backward is unavailable.
    /// </summary>
    public double Forward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int m, ReadOnlySpan<float> eps, int l,
                          Estimator est, bool prepareBackward = true)
    {
        if (m <= 0 || m > MaxBatch) throw new ArgumentOutOfRangeException(nameof(m), $"batch M ({m}) must be in 1..{MaxBatch}");
        if (l <= 0 || l > MaxSamples) throw new ArgumentOutOfRangeException(nameof(l), $"samples L ({l}) must be in 1..{MaxSamples}");
        if (x.Length < m * _d) throw new ArgumentException($"x holds {x.Length} floats, M*D = {m}*{_d} needed");
        if (eps.Length < l * m * _nz) throw new ArgumentException($"eps holds {eps.Length} floats, L*M*Dz = {l}*{m}*{_nz} needed");
        (_m, _l, _est) = (m, l, est);
        int rows = l * m, zn = rows * _nz;
        x.Slice(0, m * _d).CopyTo(_x);
        eps.Slice(0, zn).CopyTo(_eps);

        _model.Encode(theta, _x, m);
        int mz = m * _nz;
        var mu = _model.Mu.Slice(0, mz); var lv = _model.LogVar.Slice(0, mz);
        LatentKernels.Reparameterize(mu, lv, _eps, l, _sigma.AsSpan(0, mz), _z);

        _model.Decode(theta, _z, rows);
        _model.LogLikelihood(_x, m, rows, _logPxzRow, prepareBackward, 1f / rows);

        _elbo.AsSpan(0, m).Clear(); _logPxz.AsSpan(0, m).Clear(); _logPz.AsSpan(0, m).Clear(); _logQz.AsSpan(0, m).Clear();
        for (int r = 0; r < rows; r++)
        {
            int dp = r % m;
            var (pz, qz) = LatentKernels.LogDensities(_z.AsSpan(r * _nz, _nz), _eps.AsSpan(r * _nz, _nz), lv.Slice(dp * _nz, _nz));
            _logW[r] = _logPxzRow[r] + pz - qz;
            _logPxz[dp] += _logPxzRow[r] / l; _logPz[dp] += pz / l; _logQz[dp] += qz / l;
        }
        double sum = 0;
        LatentKernels.KlTerms(mu, lv, _klTerm);
        for (int i = 0; i < m; i++)
        {
            double kl = 0;
            for (int j = 0; j < _nz; j++) kl -= 0.5 * _klTerm[i * _nz + j];
            _kl[i] = kl;
            _elbo[i] = est == Estimator.B ? _logPxz[i] - kl : _logPxz[i] + _logPz[i] - _logQz[i];
            sum += _elbo[i];
        }
        _backwardReady = prepareBackward;
        return sum / m;
    }

    /// <summary>grad += dJ/dtheta for the last forward (J = mean over the minibatch of Elbo; ascent direction).</summary>
    public void Backward(ReadOnlySpan<float> theta, Span<float> grad)
    {
        if (!_backwardReady) throw new InvalidOperationException("Backward needs a preceding Forward with prepareBackward = true");
        int m = _m, l = _l, rows = m * l, zn = rows * _nz, mz = m * _nz;
        var dz = _dz.AsSpan(0, zn);
        if (_est == Estimator.A)
        {
            // d/dz of (1/(M L)) log p(z) = -z / (M L)
            TensorPrimitives.Multiply(_z.AsSpan(0, zn), -1f / rows, dz);
        }
        else dz.Clear();
        _model.DecodeBackward(theta, _z, grad, dz, rows);

        // z = mu + sigma * eps: dMu = sum_l dz; dLogVar = sum_l dz * eps * sigma / 2.
        var dMu = _model.MuGrad.Slice(0, mz); var dLv = _model.LogVarGrad.Slice(0, mz);
        var mu = _model.Mu; var lv = _model.LogVar;
        LatentKernels.ReparameterizeBackward(dz, _eps, _sigma.AsSpan(0, mz), l, dMu, dLv);
        float invM = 1f / m;
        if (_est == Estimator.A)
            TensorPrimitives.Add(dLv, 0.5f * invM, dLv); // -log q = 0.5 (log 2pi + LogVar + eps^2) per dim: d/dLogVar = 0.5
        else
            for (int i = 0; i < mz; i++)
            {
                dMu[i] -= invM * mu[i];                                   // d(-KL)/dMu = -Mu
                dLv[i] += invM * 0.5f * (1f - _sigma[i] * _sigma[i]);     // d(-KL)/dLogVar = (1 - exp(LogVar)) / 2
            }
        _model.EncodeBackward(theta, _x, grad, m);
    }
}
