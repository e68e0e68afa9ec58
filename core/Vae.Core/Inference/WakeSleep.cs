// Wake-sleep (Hinton, Dayan, Frey & Neal 1995) with the AEVB encoder as recognition model and the AEVB decoder as
// generative model (the paper's Fig. 2 baseline). Wake: z ~ q(z|x), ascend log p(x, z) in theta. Sleep: dream
// z ~ p(z), x ~ p(x|z), ascend log q(z|x) in phi. Owns: both phases' objectives and gradients. Must not: draw noise
// (the caller passes it) or update parameters. Shares the Sgvb workspaces it is given.

namespace Vae.Core.Inference;

/// <summary>The two phases of wake-sleep over one flat parameter buffer. Not thread-safe.</summary>
public sealed class WakeSleep
{
    const double HalfLog2Pi = 0.91893853320467274178;
    readonly Sgvb _sgvb;
    readonly int _d, _nz;
    readonly float[] _xDream; // [maxM, D]
    readonly double[] _logQ;  // [maxM]

    /// <summary>Uses <paramref name="sgvb"/>'s model and workspaces (a trainer's), so no second copy of the networks' buffers.</summary>
    public WakeSleep(Sgvb sgvb)
    {
        _sgvb = sgvb;
        var spec = sgvb.Model.Spec;
        (_d, _nz) = (spec.D, spec.Dz);
        _xDream = new float[sgvb.MaxBatch * _d];
        _logQ = new double[sgvb.MaxBatch];
    }

    /// <summary>The dream noise the sleep phase expects for p(x|z): U(0, 1) for a Bernoulli decoder, N(0, 1) for a Gaussian one.</summary>
    public bool DreamNoiseIsUniform => _sgvb.Model.Spec.Likelihood == Likelihood.Bernoulli;
    /// <summary>The dreamed data [M, D] of the last Sleep.</summary>
    public ReadOnlySpan<float> Dream => _xDream;
    /// <summary>log q(z_m | x_m) of the last Sleep [M].</summary>
    public ReadOnlySpan<double> SleepLogQ => _logQ;

    /// <summary>
    /// Wake phase on x [M, D] with noise eps [L, M, Dz]: z = mu + sigma * eps is a sample of q(z|x), held fixed;
    /// grad += d/dtheta (1/(M L)) sum log p(x, z) (decoder entries only; log p(z) does not depend on theta).
    /// Returns the minibatch's estimator-B bound (eq. 7), the same number AEVB reports, so the curves compare.
    /// </summary>
    public double Wake(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int m, ReadOnlySpan<float> eps, int l, Span<float> grad)
    {
        double j = _sgvb.Forward(theta, x, m, eps, l, Estimator.B, prepareBackward: true);
        _sgvb.Model.DecodeBackward(theta, _sgvb.Z, grad, Span<float>.Empty, l * m);
        return j;
    }

    /// <summary>
    /// Sleep phase: z [M, Dz] is a draw from p(z) = N(0, I) (pass standard normals), x ~ p(x|z) from dreamNoise [M, D]
    /// (see <see cref="DreamNoiseIsUniform"/>); grad += d/dphi (1/M) sum_m log q(z_m | x_m) (encoder entries only).
    /// Returns (1/M) sum_m log q(z_m | x_m).
    /// </summary>
    public double Sleep(ReadOnlySpan<float> theta, ReadOnlySpan<float> z, ReadOnlySpan<float> dreamNoise, int m, Span<float> grad)
    {
        if (m <= 0 || m > _sgvb.MaxBatch) throw new ArgumentOutOfRangeException(nameof(m), $"batch M ({m}) must be in 1..{_sgvb.MaxBatch}");
        if (z.Length < m * _nz || dreamNoise.Length < m * _d)
            throw new ArgumentException($"z ({z.Length}) and dream noise ({dreamNoise.Length}) need M*Dz = {m * _nz} and M*D = {m * _d} floats");
        var model = _sgvb.Model;
        model.Decode(theta, z, m);
        model.SampleData(dreamNoise, _xDream, m);
        model.Encode(theta, _xDream, m);
        var mu = model.Mu; var lv = model.LogVar; var dMu = model.MuGrad; var dLv = model.LogVarGrad;
        double sum = 0;
        float invM = 1f / m;
        for (int i = 0; i < m; i++)
        {
            double lq = 0;
            for (int j = 0; j < _nz; j++)
            {
                int k = i * _nz + j;
                float prec = MathF.Exp(-lv[k]), r = z[k] - mu[k], r2p = r * r * prec;
                lq -= HalfLog2Pi + 0.5 * (lv[k] + r2p);
                dMu[k] = invM * r * prec;              // d log q / d mu = (z - mu) / sigma^2
                dLv[k] = invM * 0.5f * (r2p - 1f);     // d log q / d logvar = ((z - mu)^2 / sigma^2 - 1) / 2
            }
            _logQ[i] = lq; sum += lq;
        }
        model.EncodeBackward(theta, _xDream, grad, m);
        return sum / m;
    }
}
