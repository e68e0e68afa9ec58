// Patch unfolding for convolutions on channels-last (NHWC) images: im2col copies every K x K patch of a batch into one
// row of a [M*Ho*Wo, K*K*C] matrix (so a convolution is ONE GEMM over the batch); col2im adds such rows back onto images.
// Owns: the geometry (output size, padding) and the two copy loops. Must not: call BLAS or hold parameters.
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
    public void Im2Col(ReadOnlySpan<float> x, int m, Span<float> cols)
    {
        Check(x.Length, cols.Length, m);
        int rowLen = PatchSize, img = ImageSize;
        for (int n = 0; n < m; n++)
        {
            var xn = x.Slice(n * img, img);
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++)
                {
                    var row = cols.Slice(((n * Ho + oh) * Wo + ow) * rowLen, rowLen);
                    for (int kh = 0; kh < K; kh++)
                    {
                        int ih = oh * Stride - Pad + kh;
                        var seg = row.Slice(kh * K * C, K * C);
                        if ((uint)ih >= (uint)H) { seg.Clear(); continue; }
                        int iw0 = ow * Stride - Pad;
                        if (iw0 >= 0 && iw0 + K <= W) { xn.Slice((ih * W + iw0) * C, K * C).CopyTo(seg); continue; }
                        for (int kw = 0; kw < K; kw++)
                        {
                            int iw = iw0 + kw;
                            var dst = seg.Slice(kw * C, C);
                            if ((uint)iw >= (uint)W) dst.Clear(); else xn.Slice((ih * W + iw) * C, C).CopyTo(dst);
                        }
                    }
                }
        }
    }

    /// <summary>The adjoint of Im2Col: x[m, ih, iw, c] += cols[...] for every patch entry inside the image.</summary>
    public void Col2ImAdd(ReadOnlySpan<float> cols, int m, Span<float> x)
    {
        Check(x.Length, cols.Length, m);
        int rowLen = PatchSize, img = ImageSize;
        for (int n = 0; n < m; n++)
        {
            var xn = x.Slice(n * img, img);
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++)
                {
                    var row = cols.Slice(((n * Ho + oh) * Wo + ow) * rowLen, rowLen);
                    for (int kh = 0; kh < K; kh++)
                    {
                        int ih = oh * Stride - Pad + kh;
                        if ((uint)ih >= (uint)H) continue;
                        int iw0 = ow * Stride - Pad;
                        if (iw0 >= 0 && iw0 + K <= W)
                        {
                            var dst = xn.Slice((ih * W + iw0) * C, K * C);
                            TensorPrimitives.Add(dst, row.Slice(kh * K * C, K * C), dst);
                            continue;
                        }
                        for (int kw = 0; kw < K; kw++)
                        {
                            int iw = iw0 + kw;
                            if ((uint)iw >= (uint)W) continue;
                            var dst = xn.Slice((ih * W + iw) * C, C);
                            TensorPrimitives.Add(dst, row.Slice((kh * K + kw) * C, C), dst);
                        }
                    }
                }
        }
    }

    void Check(int xLength, int colsLength, int m)
    {
        if (m < 0 || (long)m * ImageSize > xLength || (long)m * Patches * PatchSize > colsLength)
            throw new ArgumentException($"im2col: M = {m} images of [{H}, {W}, {C}] need {(long)m * ImageSize} floats (have {xLength}) " +
                                        $"and {(long)m * Patches * PatchSize} column floats (have {colsLength})");
    }
}
