// Patch unfolding for convolutions on channels-last (NHWC) images: im2col copies every K x K patch of a batch into one
// row of a [M*Ho*Wo, K*K*C] matrix (so a convolution is ONE GEMM over the batch); col2im adds such rows back onto images.
// Owns: the geometry (output size, padding) and the two copy loops. Must not: call BLAS or hold parameters.
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Vae.Core.Numerics;

/// <summary>
/// A convolution's geometry: images [H, W, C] (channels last), square kernel K, stride S, zero padding P on the top and
/// left; patch grid [Ho, Wo]. Patch (oh, ow) reads pixels (oh*S - P + kh, ow*S - P + kw), kh, kw in 0..K-1; pixels
/// outside the image read as 0. Ho, Wo are given (a transposed convolution's output padding makes the image larger
/// than the grid needs) but must cover no more than the padded image.
/// </summary>
public readonly record struct ConvGeometry(int H, int W, int C, int K, int Stride, int Pad, int Ho, int Wo)
{
    /// <summary>A convolution's geometry with PyTorch's output size: Ho = floor((H + 2P - K) / S) + 1.</summary>
    public static ConvGeometry Conv(int h, int w, int c, int k, int stride, int pad)
    {
        if (h <= 0 || w <= 0 || c <= 0 || k <= 0 || stride <= 0 || pad < 0)
            throw new ArgumentException($"convolution: image [{h}, {w}, {c}], kernel {k}, stride {stride}, padding {pad}: sizes must be positive, padding >= 0");
        if (h + 2 * pad < k || w + 2 * pad < k)
            throw new ArgumentException($"convolution: kernel {k} is larger than the padded image [{h + 2 * pad}, {w + 2 * pad}]");
        return new(h, w, c, k, stride, pad, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
    }

    /// <summary>Pixels per image, H*W*C.</summary>
    public int ImageSize => H * W * C;
    /// <summary>Patches per image, Ho*Wo.</summary>
    public int Patches => Ho * Wo;
    /// <summary>Floats per patch row, K*K*C (order kh, kw, c).</summary>
    public int PatchSize => K * K * C;

    /// <summary>cols[m*Ho*Wo + oh*Wo + ow, (kh*K + kw)*C + c] = x[m, ih, iw, c] (0 outside). x: [M, H, W, C]; cols: [M*Ho*Wo, K*K*C].</summary>
    public void Im2Col(ReadOnlySpan<float> x, int m, Span<float> cols) =>
        Walk<Gather>(ref MemoryMarshal.GetReference(x), x.Length, m, ref MemoryMarshal.GetReference(cols), cols.Length);

    /// <summary>The adjoint of Im2Col: x[m, ih, iw, c] += cols[...] for every patch entry inside the image.</summary>
    public void Col2ImAdd(ReadOnlySpan<float> cols, int m, Span<float> x) =>
        Walk<ScatterAdd>(ref MemoryMarshal.GetReference(x), x.Length, m, ref MemoryMarshal.GetReference(cols), cols.Length);

    /// <summary>Visits every (patch row segment, image segment) pair once; contiguous kernel rows as one segment.</summary>
    void Walk<TOp>(ref float x0, int xLength, int m, ref float cols0, int colsLength) where TOp : struct, ISegmentOp
    {
        Check(xLength, colsLength, m);
        int rowLen = PatchSize, img = ImageSize, kc = K * C;
        for (int n = 0; n < m; n++)
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++)
                {
                    var row = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref cols0, ((n * Ho + oh) * Wo + ow) * rowLen), rowLen);
                    var xn = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref x0, n * img), img);
                    int iw0 = ow * Stride - Pad;
                    bool inside = iw0 >= 0 && iw0 + K <= W;
                    for (int kh = 0; kh < K; kh++)
                    {
                        int ih = oh * Stride - Pad + kh;
                        var seg = row.Slice(kh * kc, kc);
                        if ((uint)ih >= (uint)H) { TOp.Outside(seg); continue; }
                        if (inside) { TOp.Apply(xn.Slice((ih * W + iw0) * C, kc), seg); continue; }
                        for (int kw = 0; kw < K; kw++)
                        {
                            int iw = iw0 + kw;
                            if ((uint)iw >= (uint)W) TOp.Outside(seg.Slice(kw * C, C));
                            else TOp.Apply(xn.Slice((ih * W + iw) * C, C), seg.Slice(kw * C, C));
                        }
                    }
                }
    }

    interface ISegmentOp
    {
        static abstract void Apply(Span<float> image, Span<float> col);
        static abstract void Outside(Span<float> col);
    }

    readonly struct Gather : ISegmentOp
    {
        public static void Apply(Span<float> image, Span<float> col) => image.CopyTo(col);
        public static void Outside(Span<float> col) => col.Clear();
    }

    readonly struct ScatterAdd : ISegmentOp
    {
        public static void Apply(Span<float> image, Span<float> col) => TensorPrimitives.Add(image, col, image);
        public static void Outside(Span<float> col) { }
    }

    void Check(int xLength, int colsLength, int m)
    {
        if (m < 0 || (long)m * ImageSize > xLength || (long)m * Patches * PatchSize > colsLength)
            throw new ArgumentException($"im2col: M = {m} images of [{H}, {W}, {C}] need {(long)m * ImageSize} floats (have {xLength}) " +
                                        $"and {(long)m * Patches * PatchSize} column floats (have {colsLength})");
    }
}
