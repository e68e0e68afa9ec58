// Batch normalisation (Ioffe & Szegedy 2015) over the columns of a [rows, C] block: rows = M for dense features,
// rows = M*H*W for channels-last images (per-channel statistics). Forward and backward side by side.
// Owns: the per-column statistics of the last forward. Must not: allocate per call or update parameters; running
// statistics live in the model's STATE buffer (not trained, saved with the parameters), scale/shift in theta.

namespace Vae.Core.Model;

/// <summary>
/// Train mode: y = act(gamma (x - mean_B) / sqrt(var_B + eps) + beta) with the batch's biased variance, and the running
/// statistics updated as PyTorch does (r = (1 - momentum) r + momentum s, the running variance from the UNBIASED batch
/// variance). Eval mode: the running statistics replace the batch's. Statistics are reduced in double. Not thread-safe.
/// </summary>
public sealed class BatchNorm
{
    readonly double[] _mean, _invStd, _sumDy, _sumDyXhat; // [C]

    /// <summary>Trained tensors {prefix}.gamma [1, C] (starts at 1) and {prefix}.beta [1, C] (starts at 0).</summary>
    public static IEnumerable<(string, int, int, bool, float?)> Tensors(string prefix, int c) =>
        [(prefix + ".gamma", 1, c, false, 1f), (prefix + ".beta", 1, c, true, 0f)];

    /// <summary>State tensors {prefix}.running_mean [1, C] (starts at 0) and {prefix}.running_var [1, C] (starts at 1).</summary>
    public static IEnumerable<(string, int, int, bool, float?)> StateTensors(string prefix, int c) =>
        [(prefix + ".running_mean", 1, c, true, 0f), (prefix + ".running_var", 1, c, true, 1f)];

    /// <summary>A batch norm over C columns with its tensors in <paramref name="layout"/> (theta) and <paramref name="state"/>.</summary>
    public BatchNorm(ParameterLayout layout, ParameterLayout state, string prefix, float momentum = 0.1f, float eps = 1e-5f)
    {
        var g = layout[prefix + ".gamma"]; var b = layout[prefix + ".beta"];
        var rm = state[prefix + ".running_mean"]; var rv = state[prefix + ".running_var"];
        C = g.Cols;
        if (b.Cols != C || rm.Cols != C || rv.Cols != C) throw new ArgumentException($"{prefix}: batch-norm tensors disagree on C ({C})");
        if (!(momentum >= 0 && momentum <= 1) || !(eps > 0)) throw new ArgumentException($"{prefix}: momentum ({momentum}) must be in [0, 1], eps ({eps}) > 0");
        (GammaOffset, BetaOffset, MeanOffset, VarOffset, Momentum, Eps) = (g.Offset, b.Offset, rm.Offset, rv.Offset, momentum, eps);
        _mean = new double[C]; _invStd = new double[C]; _sumDy = new double[C]; _sumDyXhat = new double[C];
    }

    public int C { get; }
    public int GammaOffset { get; }
    public int BetaOffset { get; }
    public int MeanOffset { get; }
    public int VarOffset { get; }
    public float Momentum { get; }
    public float Eps { get; }
    /// <summary>Whether the last Forward normalised with the batch's statistics (train) or the running ones (eval).</summary>
    public bool LastWasTraining { get; private set; }

    /// <summary>y[rows, C] = act(gamma xhat + beta) (overwrites y; y must not alias x, which Backward reads). Train mode also updates the running
    /// statistics in <paramref name="state"/> (needs rows &gt; 1 for the unbiased variance).</summary>
    public void Forward(ReadOnlySpan<float> theta, Span<float> state, ReadOnlySpan<float> x, Span<float> y, int rows, bool train,
                        Activation act = Activation.Identity)
    {
        int c = C, n = rows * c;
        if (rows <= 0 || x.Length < n || y.Length < n) throw new ArgumentException($"batch norm: rows ({rows}) * C ({c}) floats needed in x ({x.Length}) and y ({y.Length})");
        if (train && rows < 2) throw new ArgumentException("batch norm in train mode needs at least 2 rows per column");
        var rm = state.Slice(MeanOffset, c); var rv = state.Slice(VarOffset, c);
        if (train)
        {
            Array.Clear(_mean); Array.Clear(_invStd);
            for (int r = 0; r < rows; r++) for (int j = 0; j < c; j++) _mean[j] += x[r * c + j];
            for (int j = 0; j < c; j++) _mean[j] /= rows;
            for (int r = 0; r < rows; r++) for (int j = 0; j < c; j++) { double d = x[r * c + j] - _mean[j]; _invStd[j] += d * d; }
            for (int j = 0; j < c; j++)
            {
                double var = _invStd[j] / rows;
                rm[j] = (float)((1 - Momentum) * rm[j] + Momentum * _mean[j]);
                rv[j] = (float)((1 - Momentum) * rv[j] + Momentum * var * rows / (rows - 1));
                _invStd[j] = 1 / Math.Sqrt(var + Eps);
            }
        }
        else
            for (int j = 0; j < c; j++) { _mean[j] = rm[j]; _invStd[j] = 1 / Math.Sqrt(rv[j] + (double)Eps); }
        LastWasTraining = train;
        var gamma = theta.Slice(GammaOffset, c); var beta = theta.Slice(BetaOffset, c);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < c; j++)
                y[r * c + j] = (float)(gamma[j] * (x[r * c + j] - _mean[j]) * _invStd[j] + beta[j]);
        Kernels.ActivationForward(act, y.Slice(0, n));
    }

    /// <summary>grad[gamma] += sum dy xhat, grad[beta] += sum dy (skipped when grad is empty); dx[rows, C] += dJ/dx
    /// through the statistics of the last Forward (train: the batch's, which depend on x; eval: constants).
    /// x must be the last Forward's input; dy is w.r.t. the pre-activation output.</summary>
    public void Backward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> grad, Span<float> dx, int rows)
    {
        int c = C;
        if (rows <= 0 || x.Length < rows * c || dy.Length < rows * c) throw new ArgumentException($"batch norm backward: rows ({rows}) * C ({c}) floats needed");
        Array.Clear(_sumDy); Array.Clear(_sumDyXhat);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < c; j++)
            {
                double g = dy[r * c + j];
                _sumDy[j] += g; _sumDyXhat[j] += g * (x[r * c + j] - _mean[j]) * _invStd[j];
            }
        if (!grad.IsEmpty)
            for (int j = 0; j < c; j++) { grad[GammaOffset + j] += (float)_sumDyXhat[j]; grad[BetaOffset + j] += (float)_sumDy[j]; }
        if (dx.IsEmpty) return;
        var gamma = theta.Slice(GammaOffset, c);
        double inv = 1.0 / rows;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < c; j++)
            {
                double g = dy[r * c + j];
                if (LastWasTraining)
                {
                    double xhat = (x[r * c + j] - _mean[j]) * _invStd[j];
                    g -= (_sumDy[j] + xhat * _sumDyXhat[j]) * inv;
                }
                dx[r * c + j] += (float)(gamma[j] * _invStd[j] * g);
            }
    }
}
