// The unnormalised latent posterior p(z | x, theta) ∝ p(z) p(x|z) as a batched log density with its gradient in z
// (paper Appendix D: grad_z log p(z|x) = grad_z log p(z) + grad_z log p(x|z)), for HMC. Owns: log p(x, z) per row and
// d log p(x, z)/dz through the decoder (no parameter gradients), and the M-step gradient d/dtheta at fixed z (MCEM).
// Must not: sample, or update parameters.

namespace Vae.Core.Inference;

/// <summary>A batched target density for HMC: rows of z [rows, Dim] are independent chains.</summary>
public interface ILogDensity
{
    /// <summary>Dimension of one state.</summary>
    int Dim { get; }
    /// <summary>logp[r] = log density of row r of z [rows, Dim] (up to a constant); grad [rows, Dim] = its gradient (overwritten).</summary>
    void Evaluate(ReadOnlySpan<float> z, int rows, Span<double> logp, Span<float> grad);
}

/// <summary>
/// log p(x, z) = log p(x|z) + log N(z; 0, I) of a VAE's decoder for data x [M, D] and latents z [rows, Dz] with rows a
/// multiple of M (row r belongs to datapoint r mod M: several chains per datapoint, sample-major). Not thread-safe.
/// </summary>
public sealed class JointDensity : ILogDensity
{
    const double HalfLog2Pi = 0.91893853320467274178;
    readonly VaeModel _model;
    readonly float[] _x; // [maxM, D]
    readonly int _d;
    float[] _theta = [];
    int _m;

    /// <summary>Workspaces for up to maxRows rows (chains x datapoints).</summary>
    public JointDensity(ModelSpec spec, IBlas blas, int maxRows)
    {
        _model = new VaeModel(spec, blas, 1, maxRows);
        (_d, Dim) = (spec.D, spec.Dz);
        _x = new float[maxRows * spec.D];
    }

    public int Dim { get; }
    public int MaxRows => _model.MaxDecodeRows;
    /// <summary>Datapoints of the current data.</summary>
    public int M => _m;

    /// <summary>Sets the decoder parameters (kept by reference) and the data x [M, D] the chains condition on.</summary>
    public void Condition(float[] theta, ReadOnlySpan<float> x, int m)
    {
        if (m <= 0 || m > MaxRows) throw new ArgumentOutOfRangeException(nameof(m), $"datapoints M ({m}) must be in 1..{MaxRows}");
        if (x.Length < m * _d) throw new ArgumentException($"x holds {x.Length} floats, M*D = {m}*{_d} needed");
        _theta = theta; _m = m;
        x.Slice(0, m * _d).CopyTo(_x);
    }

    /// <summary>logp [rows] = log p(x_{r mod M}, z_r); grad [rows, Dz] = d log p(x, z)/dz (the decoder's input gradient minus z).</summary>
    public void Evaluate(ReadOnlySpan<float> z, int rows, Span<double> logp, Span<float> grad)
    {
        if (_m == 0) throw new InvalidOperationException("JointDensity.Condition must be called before Evaluate");
        if (rows % _m != 0) throw new ArgumentException($"rows ({rows}) must be a multiple of the datapoints M ({_m})");
        int n = rows * Dim;
        _model.Decode(_theta, z, rows);
        _model.LogLikelihood(_x, _m, rows, logp, withGrad: true, scale: 1f);
        var g = grad.Slice(0, n);
        g.Clear();
        _model.DecodeBackward(_theta, z, Span<float>.Empty, g, rows);
        for (int r = 0; r < rows; r++)
        {
            double lp = 0;
            for (int j = 0; j < Dim; j++)
            {
                float zj = z[r * Dim + j];
                lp -= HalfLog2Pi + 0.5 * zj * zj;
                g[r * Dim + j] -= zj;
            }
            logp[r] += lp;
        }
    }

    /// <summary>
    /// MCEM's M-step: returns (1/rows) sum_r log p(x_{r mod M}, z_r) and adds its gradient w.r.t. the decoder parameters
    /// to grad [P] (the encoder's entries are untouched); z is held fixed.
    /// </summary>
    public double AccumulateParameterGradient(ReadOnlySpan<float> z, int rows, Span<double> logp, Span<float> grad)
    {
        if (_m == 0) throw new InvalidOperationException("JointDensity.Condition must be called before AccumulateParameterGradient");
        if (rows % _m != 0) throw new ArgumentException($"rows ({rows}) must be a multiple of the datapoints M ({_m})");
        _model.Decode(_theta, z, rows);
        _model.LogLikelihood(_x, _m, rows, logp, withGrad: true, scale: 1f / rows);
        _model.DecodeBackward(_theta, z, grad, Span<float>.Empty, rows);
        double s = 0;
        for (int r = 0; r < rows; r++)
        {
            double lp = logp[r];
            for (int j = 0; j < Dim; j++) { float zj = z[r * Dim + j]; lp -= HalfLog2Pi + 0.5 * zj * zj; }
            s += lp;
        }
        return s / rows;
    }
}
