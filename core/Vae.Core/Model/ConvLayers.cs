// 2-D convolution and transposed convolution on channels-last (NHWC) batches over the flat parameter buffer: im2col over
// a chunk of the batch, then ONE GEMM per chunk (forward and both backward products). Forward and backward side by side,
// same argument order as Dense. Owns: the column workspace and the chunking. Must not: know about models or optimizers.
// Backward ACCUMULATES (beta = 1) into grad and dx; the owner zeroes. dy is the gradient of the PRE-activation output.

namespace Vae.Core.Model;

/// <summary>Chunking shared by the convolutions: the column workspace holds at most ColumnBudget floats (16 MiB), so a
/// decoder sized for thousands of rows (importance sampling) does not need gigabytes; GEMMs still see thousands of rows.</summary>
public static class ConvChunk
{
    /// <summary>Default bound on a layer's column workspace, in floats.</summary>
    public const int ColumnBudget = 1 << 22;
    /// <summary>Images per chunk: as many as fit the budget, at least 1, at most maxBatch.</summary>
    public static int Images(ConvGeometry g, int maxBatch, int budget) =>
        Math.Clamp(budget / Math.Max(1, g.Patches * g.PatchSize), 1, maxBatch);
}


/// <summary>What both convolutions share: geometry, parameter offsets, the chunked column workspace, the batch check.</summary>
public abstract class ConvLayer
{
    private protected readonly float[] _cols; // [chunk*Ho*Wo, K*K*C] (C: input channels for Conv2d, output for the transposed one)
    private protected readonly int _chunk;
    readonly int _wLength;

    private protected ConvLayer(ParameterLayout layout, string prefix, ConvGeometry g, int wRows, int wCols, int channels,
                                int maxBatch, int columnBudget)
    {
        var w = layout[prefix + ".W"]; var b = layout[prefix + ".b"];
        if (w.Rows != wRows || w.Cols != wCols || b.Cols != channels)
            throw new ArgumentException($"{prefix}: layout has W [{w.Rows}, {w.Cols}], b [{b.Cols}]; geometry needs [{wRows}, {wCols}], [{channels}]");
        if (maxBatch <= 0) throw new ArgumentException($"{prefix}: maxBatch ({maxBatch}) must be positive");
        (G, WOffset, BOffset, MaxBatch, Cout, _wLength) = (g, w.Offset, b.Offset, maxBatch, channels, w.Rows * w.Cols);
        _chunk = ConvChunk.Images(g, maxBatch, columnBudget);
        _cols = new float[_chunk * g.Patches * g.PatchSize];
    }

    /// <summary>The im2col geometry: the image side is the input of a Conv2d and the output of a ConvTranspose2d.</summary>
    public ConvGeometry G { get; }
    public int WOffset { get; }
    public int BOffset { get; }
    public int MaxBatch { get; }
    /// <summary>Output channels.</summary>
    public int Cout { get; }
    /// <summary>Floats per input image.</summary>
    public abstract int InSize { get; }
    /// <summary>Floats per output image, Ho*Wo*Cout.</summary>
    public abstract int OutSize { get; }
    /// <summary>Images per im2col chunk (one GEMM each).</summary>
    public int ChunkImages => _chunk;

    /// <summary>Number of chunks for a batch of m images (checks m).</summary>
    private protected int Chunks(int m)
    {
        CheckBatch(m);
        return (m + _chunk - 1) / _chunk;
    }

    /// <summary>The column workspace of chunk i: images n0 .. n0 + c - 1, [c*Ho*Wo, K*K*C].</summary>
    private protected Span<float> Cols(int i, int m, out int n0, out int c)
    {
        n0 = i * _chunk; c = Math.Min(_chunk, m - n0);
        return _cols.AsSpan(0, c * G.Patches * G.PatchSize);
    }

    /// <summary>grad[W] += the weight gradient, grad[b] += sums of dy over M*Ho*Wo (both skipped when grad is empty);
    /// dx[m, InSize] += the input gradient (skipped when dx is empty). dy: [m, Ho, Wo, Cout] w.r.t. the pre-activation.
    /// The chunk loop and the bias are here once; each layer's two GEMMs per chunk are its BackwardChunk.</summary>
    public void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
                         Span<float> grad, Span<float> dx, int m)
    {
        var dw = grad.IsEmpty ? grad : grad.Slice(WOffset, _wLength);
        for (int i = 0, chunks = Chunks(m); i < chunks; i++)
        {
            var cols = Cols(i, m, out int n0, out int c);
            BackwardChunk(blas, theta.Slice(WOffset, _wLength), x.IsEmpty ? x : x.Slice(n0 * InSize, c * InSize), dy.Slice(n0 * OutSize, c * OutSize),
                          dw, dx.IsEmpty ? dx : dx.Slice(n0 * InSize, c * InSize), cols, c);
        }
        if (!grad.IsEmpty) Kernels.AccumulateColumnSums(dy.Slice(0, m * OutSize), m * (OutSize / Cout), grad.Slice(BOffset, Cout));
    }

    /// <summary>One chunk of c images: dw += its weight gradient (unless empty), dx += its input gradient (unless empty).</summary>
    private protected abstract void BackwardChunk(IBlas blas, ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
                                                  Span<float> dw, Span<float> dx, Span<float> cols, int c);

    void CheckBatch(int m)
    {
        if (m <= 0 || m > MaxBatch) throw new ArgumentOutOfRangeException(nameof(m), $"{GetType().Name} batch M ({m}) must be in 1..{MaxBatch}");
    }
}

/// <summary>
/// y[M, Ho, Wo, Cout] = act(conv(x[M, H, W, Cin], W) + b): W [K*K*Cin, Cout] (rows ordered kh, kw, cin) and b [Cout] at
/// fixed offsets of theta. PyTorch's Conv2d weight [Cout, Cin, K, K] is W = w.permute(2, 3, 1, 0).reshape(K*K*Cin, Cout).
/// </summary>
public sealed class Conv2d : ConvLayer
{
    /// <summary>Layout entries {prefix}.W [K*K*Cin, Cout] and {prefix}.b [1, Cout] for geometry g (input side).</summary>
    public static IEnumerable<(string, int, int, bool)> Tensors(string prefix, ConvGeometry g, int cout) =>
        [(prefix + ".W", g.PatchSize, cout, false), (prefix + ".b", 1, cout, true)];

    /// <summary>A convolution of images g.H x g.W x g.C into cout channels, for batches of up to maxBatch images.</summary>
    public Conv2d(ParameterLayout layout, string prefix, ConvGeometry g, int cout, int maxBatch, int columnBudget = ConvChunk.ColumnBudget)
        : base(layout, prefix, g, g.PatchSize, cout, cout, maxBatch, columnBudget) { }

    /// <summary>Floats per input image, H*W*Cin.</summary>
    public override int InSize => G.ImageSize;
    public override int OutSize => G.Patches * Cout;

    /// <summary>y[m, Ho, Wo, Cout] = act(x * W + b) (overwrites y).</summary>
    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> y, int m,
                        Activation act = Activation.Identity)
    {
        int p = G.Patches, k = G.PatchSize;
        var wt = theta.Slice(WOffset, k * Cout);
        for (int i = 0, chunks = Chunks(m); i < chunks; i++)
        {
            var cols = Cols(i, m, out int n0, out int c);
            G.Im2Col(x.Slice(n0 * InSize, c * InSize), c, cols);
            blas.Sgemm(false, false, c * p, Cout, k, 1f, cols, k, wt, Cout, 0f, y.Slice(n0 * OutSize, c * OutSize), Cout);
        }
        Kernels.BiasActivation(y.Slice(0, m * OutSize), theta.Slice(BOffset, Cout), m * p, act);
    }

    /// <summary>dW += cols(x)^T dy; dx += col2im(dy W^T).</summary>
    private protected override void BackwardChunk(IBlas blas, ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
                                                  Span<float> dw, Span<float> dx, Span<float> cols, int c)
    {
        int rows = c * G.Patches, k = G.PatchSize;
        if (!dw.IsEmpty)
        {
            G.Im2Col(x, c, cols);
            blas.Sgemm(true, false, k, Cout, rows, 1f, cols, k, dy, Cout, 1f, dw, Cout);
        }
        if (!dx.IsEmpty)
        {
            blas.Sgemm(false, true, rows, k, Cout, 1f, dy, Cout, w, Cout, 0f, cols, k);
            G.Col2ImAdd(cols, c, dx);
        }
    }
}

/// <summary>
/// The transposed convolution (the adjoint of Conv2d in x): y[M, Ho, Wo, Cout] = act(convT(x[M, Hi, Wi, Cin], W) + b)
/// with PyTorch's output size Ho = (Hi - 1) S - 2P + K + outputPadding. W [Cin, K*K*Cout] (columns ordered kh, kw,
/// cout); PyTorch's ConvTranspose2d weight [Cin, Cout, K, K] is W = w.permute(0, 2, 3, 1).reshape(Cin, K*K*Cout).
/// Forward: cols = x W (one GEMM per chunk), then col2im onto y; backward: im2col(dy), then dW += x^T cols, dx += cols W^T.
/// </summary>
public sealed class ConvTranspose2d : ConvLayer
{
    /// <summary>The output-side geometry of a transposed convolution of [hi, wi, *] into cout channels (image = output).</summary>
    public static ConvGeometry Geometry(int hi, int wi, int cout, int k, int stride, int pad, int outputPadding)
    {
        if (hi <= 0 || wi <= 0 || cout <= 0 || k <= 0 || stride <= 0 || pad < 0 || outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentException($"transposed convolution: input [{hi}, {wi}], {cout} channels, kernel {k}, stride {stride}, " +
                                        $"padding {pad}, output padding {outputPadding}: sizes positive, output padding < stride");
        int ho = (hi - 1) * stride - 2 * pad + k + outputPadding, wo = (wi - 1) * stride - 2 * pad + k + outputPadding;
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"transposed convolution: output [{ho}, {wo}] is empty");
        return new ConvGeometry(ho, wo, cout, k, stride, pad, hi, wi);
    }

    /// <summary>Layout entries {prefix}.W [Cin, K*K*Cout] and {prefix}.b [1, Cout].</summary>
    public static IEnumerable<(string, int, int, bool)> Tensors(string prefix, ConvGeometry g, int cin) =>
        [(prefix + ".W", cin, g.PatchSize, false), (prefix + ".b", 1, g.C, true)];

    /// <summary>A transposed convolution with output-side geometry g (from <see cref="Geometry"/>) from cin channels.</summary>
    public ConvTranspose2d(ParameterLayout layout, string prefix, ConvGeometry g, int cin, int maxBatch, int columnBudget = ConvChunk.ColumnBudget)
        : base(layout, prefix, g, cin, g.PatchSize, g.C, maxBatch, columnBudget) => Cin = cin;

    public int Cin { get; }
    /// <summary>Floats per input image, Hi*Wi*Cin.</summary>
    public override int InSize => G.Patches * Cin;
    public override int OutSize => G.ImageSize;

    /// <summary>y[m, Ho, Wo, Cout] = act(convT(x, W) + b) (overwrites y).</summary>
    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> y, int m,
                        Activation act = Activation.Identity)
    {
        int p = G.Patches, k = G.PatchSize;
        var wt = theta.Slice(WOffset, Cin * k);
        y.Slice(0, m * OutSize).Clear();
        for (int i = 0, chunks = Chunks(m); i < chunks; i++)
        {
            var cols = Cols(i, m, out int n0, out int c);
            blas.Sgemm(false, false, c * p, k, Cin, 1f, x.Slice(n0 * InSize, c * InSize), Cin, wt, k, 0f, cols, k);
            G.Col2ImAdd(cols, c, y.Slice(n0 * OutSize, c * OutSize));
        }
        Kernels.BiasActivation(y.Slice(0, m * OutSize), theta.Slice(BOffset, Cout), m * G.H * G.W, act);
    }

    /// <summary>dW += x^T im2col(dy); dx += im2col(dy) W^T.</summary>
    private protected override void BackwardChunk(IBlas blas, ReadOnlySpan<float> w, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
                                                  Span<float> dw, Span<float> dx, Span<float> cols, int c)
    {
        int rows = c * G.Patches, k = G.PatchSize;
        G.Im2Col(dy, c, cols);
        if (!dw.IsEmpty) blas.Sgemm(true, false, Cin, k, rows, 1f, x, Cin, cols, k, 1f, dw, k);
        if (!dx.IsEmpty) blas.Sgemm(false, true, rows, Cin, k, 1f, cols, k, w, k, 1f, dx, Cin);
    }
}
