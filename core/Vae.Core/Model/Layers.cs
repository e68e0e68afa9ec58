// Dense layers and MLPs over the flat parameter buffer: forward and backward side by side, same argument order.
// Owns: GEMM calls and activation kernels of hidden layers, their activation workspaces, and the choice of the exact
// sparse first-layer products for 0/1 input batches (Numerics/BinaryInput.cs).
// Must not: know about likelihoods, estimators or optimizers. Backward ACCUMULATES (beta = 1); the owner zeroes.

namespace Vae.Core.Model;

/// <summary>Y = X W + b with W [In, Out] and b [Out] living at fixed offsets of the flat parameter buffer.</summary>
public readonly struct Dense
{
    public readonly int In, Out, WOffset, BOffset;

    public Dense(ParameterLayout layout, string prefix)
    {
        var w = layout[prefix + ".W"]; var b = layout[prefix + ".b"];
        (In, Out, WOffset, BOffset) = (w.Rows, w.Cols, w.Offset, b.Offset);
    }

    /// <summary>y[rows, Out] = act(x[rows, In] W + b) (overwrites y); the bias and activation share one pass.</summary>
    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> y, int rows,
                        Activation act = Activation.Identity)
    {
        blas.Sgemm(false, false, rows, Out, In, 1f, x, In, theta.Slice(WOffset, In * Out), Out, 0f, y, Out);
        Kernels.BiasActivation(y, theta.Slice(BOffset, Out), rows, act);
    }

    /// <summary>The dense Forward for a binary x given as index lists (exact, see BinaryRows).</summary>
    public void Forward(ReadOnlySpan<float> theta, BinaryRows x, Span<float> y, int rows, Activation act, Span<float> scratch)
    {
        x.Multiply(theta.Slice(WOffset, In * Out), Out, y, scratch);
        Kernels.BiasActivation(y, theta.Slice(BOffset, Out), rows, act);
    }

    /// <summary>The dense Backward for a binary x given as index lists (exact, see BinaryRows).</summary>
    public void Backward(IBlas blas, ReadOnlySpan<float> theta, BinaryRows x, ReadOnlySpan<float> dy,
                         Span<float> grad, Span<float> dx, int rows, Span<float> scratch)
    {
        x.AccumulateTransposeProduct(dy, Out, grad.Slice(WOffset, In * Out), scratch);
        Kernels.AccumulateColumnSums(dy.Slice(0, rows * Out), rows, grad.Slice(BOffset, Out));
        if (!dx.IsEmpty)
            blas.Sgemm(false, true, rows, In, Out, 1f, dy, Out, theta.Slice(WOffset, In * Out), Out, 1f, dx, In);
    }

    /// <summary>
    /// grad[W] += x^T dy; grad[b] += column sums of dy (both skipped when grad is empty: input gradient only, e.g.
    /// d log p(x, z)/dz for HMC); dx[rows, In] += dy W^T (skipped when dx is empty). x: [rows, In], dy: [rows, Out].
    /// </summary>
    public void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
                         Span<float> grad, Span<float> dx, int rows)
    {
        if (!grad.IsEmpty)
        {
            blas.Sgemm(true, false, In, Out, rows, 1f, x, In, dy, Out, 1f, grad.Slice(WOffset, In * Out), Out);
            Kernels.AccumulateColumnSums(dy.Slice(0, rows * Out), rows, grad.Slice(BOffset, Out));
        }
        if (!dx.IsEmpty)
            blas.Sgemm(false, true, rows, In, Out, 1f, dy, Out, theta.Slice(WOffset, In * Out), Out, 1f, dx, In);
    }
}

/// <summary>A stack of Dense + activation layers with workspaces for up to maxRows rows.</summary>
public sealed class Mlp : INetwork
{
    readonly Dense[] _layers;
    readonly float[][] _h;  // per layer: [maxRows, H_i]  activations (post-nonlinearity)
    readonly float[][] _dh; // per layer: [maxRows, H_i]  dJ/dh, accumulated
    readonly Activation _act;
    readonly BinaryRows? _binary; // index lists of a 0/1 input batch (first layer's exact sparse products)
    readonly float[] _scratch;    // [max layer width]
    bool _binaryBatch;            // the last Forward's input was 0/1 and indexed

    /// <summary>Layers named {prefix}.0, {prefix}.1, ... in the layout. With <paramref name="sparseBinaryInput"/>, a
    /// batch whose inputs are all 0 or 1 runs the first layer's products on the ones only (same bits as ManagedBlas).</summary>
    public Mlp(ParameterLayout layout, string prefix, int layers, Activation act, int maxRows, bool sparseBinaryInput = false)
    {
        _act = act;
        _layers = new Dense[layers];
        _h = new float[layers][]; _dh = new float[layers][];
        for (int i = 0; i < layers; i++)
        {
            _layers[i] = new Dense(layout, $"{prefix}.{i}");
            _h[i] = new float[maxRows * _layers[i].Out];
            _dh[i] = new float[maxRows * _layers[i].Out];
        }
        MaxRows = maxRows;
        if (sparseBinaryInput && layers > 0) _binary = new BinaryRows(maxRows, _layers[0].In);
        _scratch = _binary is null ? [] : new float[_layers[0].Out];
    }

    /// <summary>Use the exact sparse first-layer products for 0/1 batches (when built with sparseBinaryInput); tests and
    /// benchmarks switch it off to compare with the dense path.</summary>
    public bool UseSparseBinaryInput { get; set; } = true;
    /// <summary>True when the last Forward took the sparse path.</summary>
    public bool LastInputWasBinary => _binaryBatch;

    public int MaxRows { get; }
    /// <summary>Width of the last hidden layer.</summary>
    public int OutWidth => _layers[^1].Out;
    /// <summary>Last hidden activations [rows, OutWidth] after Forward.</summary>
    public Span<float> Output => _h[^1];
    /// <summary>dJ/d(last hidden activations) [rows, OutWidth]: heads accumulate into it before Backward.</summary>
    public Span<float> OutputGrad => _dh[^1];
    /// <summary>Activations of layer i (for tests).</summary>
    public ReadOnlySpan<float> Hidden(int i) => _h[i];

    /// <summary>Runs x[rows, In] through every layer.</summary>
    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows)
    {
        CheckRows(rows);
        ReadOnlySpan<float> input = x;
        _binaryBatch = _binary is not null && UseSparseBinaryInput && _binary.Build(x, rows);
        for (int i = 0; i < _layers.Length; i++)
        {
            var h = _h[i].AsSpan(0, rows * _layers[i].Out);
            if (i == 0 && _binaryBatch) _layers[0].Forward(theta, _binary!, h, rows, _act, _scratch);
            else _layers[i].Forward(blas, theta, input, h, rows, _act);
            input = h;
        }
    }

    /// <summary>Zeroes the activation gradients for the next backward pass.</summary>
    public void ZeroGrad(int rows)
    {
        for (int i = 0; i < _layers.Length; i++) _dh[i].AsSpan(0, rows * _layers[i].Out).Clear();
    }

    /// <summary>
    /// From OutputGrad (filled by the caller) down to the input: grad += dJ/dtheta of every layer (skipped when grad is
    /// empty), dx[rows, In] += dJ/dx (skipped when dx is empty, e.g. the encoder's data input). x must be the last Forward's input.
    /// </summary>
    public void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, Span<float> dx, int rows)
    {
        CheckRows(rows);
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            var h = _h[i].AsSpan(0, rows * _layers[i].Out);
            var dh = _dh[i].AsSpan(0, rows * _layers[i].Out);
            Kernels.ActivationBackward(_act, h, dh);
            ReadOnlySpan<float> input = i == 0 ? x : _h[i - 1].AsSpan(0, rows * _layers[i - 1].Out);
            Span<float> dInput = i == 0 ? dx : _dh[i - 1].AsSpan(0, rows * _layers[i - 1].Out);
            if (i == 0 && _binaryBatch) _layers[0].Backward(blas, theta, _binary!, dh, grad, dInput, rows, _scratch);
            else _layers[i].Backward(blas, theta, input, dh, grad, dInput, rows);
        }
    }

    void CheckRows(int rows)
    {
        if (rows <= 0 || rows > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"rows ({rows}) must be in 1..{MaxRows}");
    }
}
