// Image grids for the paper's figures: samples (Fig. 5), manifolds (Fig. 4), reconstructions (input beside output).
// Owns: tiling float images [N, H*W] in [0, 1] into one greyscale Raster, with separators and integer upscaling.
// Must not: run the model or choose what to show (the CLI decodes z; this only lays pixels out).
namespace Vae.Core.IO;

/// <summary>Tiles greyscale images into grids. Values are clamped to [0, 1]; NaN is drawn black.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Tiles <paramref name="images"/> [N, imageHeight * imageWidth] (row-major, values in [0, 1]) into a grid with
    /// <paramref name="columns"/> cells per row (fewer if N is smaller) and ceil(N / columns) rows.
    /// </summary>
    /// <param name="images">[N, imageHeight * imageWidth]; N = images.Length / (imageHeight * imageWidth), which must divide exactly.</param>
    /// <param name="imageHeight">Rows per image (28 for MNIST and Frey Face).</param>
    /// <param name="imageWidth">Columns per image (28 for MNIST, 20 for Frey Face).</param>
    /// <param name="columns">Cells per grid row.</param>
    /// <param name="scale">Integer upscaling: each pixel becomes scale x scale.</param>
    /// <param name="gap">Separator width in output pixels between cells (0 for none).</param>
    /// <param name="separator">Grey level of separators and of empty cells in the last row.</param>
    public static Raster Tile(ReadOnlySpan<float> images, int imageHeight, int imageWidth, int columns,
                              int scale = 1, int gap = 1, byte separator = 128)
    {
        int n = CountImages(images.Length, imageHeight, imageWidth, nameof(images));
        return TileCore(images, [], n, imageHeight, imageWidth, columns, scale, gap, gap, separator);
    }

    /// <summary>
    /// Reconstruction figure: each cell shows input i beside output i (separated by <paramref name="gap"/>), with
    /// <paramref name="pairsPerRow"/> pairs per grid row separated by the wider <paramref name="pairGap"/>.
    /// </summary>
    /// <param name="inputs">[N, imageHeight * imageWidth] in [0, 1].</param>
    /// <param name="outputs">[N, imageHeight * imageWidth] in [0, 1], e.g. decoder means; same N as inputs.</param>
    /// <param name="imageHeight">Rows per image.</param>
    /// <param name="imageWidth">Columns per image.</param>
    /// <param name="pairsPerRow">(input, output) pairs per grid row.</param>
    /// <param name="scale">Integer upscaling: each pixel becomes scale x scale.</param>
    /// <param name="gap">Separator between an input and its output, and between grid rows.</param>
    /// <param name="pairGap">Separator between neighbouring pairs.</param>
    /// <param name="separator">Grey level of separators and empty cells.</param>
    public static Raster Pairs(ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, int imageHeight, int imageWidth,
                               int pairsPerRow, int scale = 1, int gap = 1, int pairGap = 4, byte separator = 128)
    {
        int n = CountImages(inputs.Length, imageHeight, imageWidth, nameof(inputs));
        int m = CountImages(outputs.Length, imageHeight, imageWidth, nameof(outputs));
        if (n != m) throw new ArgumentException($"inputs hold {n} images, outputs hold {m}; reconstructions need one output per input");
        if (pairsPerRow <= 0) throw new ArgumentOutOfRangeException(nameof(pairsPerRow), $"pairsPerRow ({pairsPerRow}) must be positive");
        if (pairGap < 0) throw new ArgumentOutOfRangeException(nameof(pairGap), $"pairGap ({pairGap}) must be >= 0");
        return TileCore(inputs, outputs, 2 * n, imageHeight, imageWidth, 2 * pairsPerRow, scale, gap, pairGap, separator);
    }

    /// <summary>Writes <see cref="Tile"/>'s grid to <paramref name="path"/> as a PNG, atomically.</summary>
    public static void SaveTile(string path, ReadOnlySpan<float> images, int imageHeight, int imageWidth, int columns,
                                int scale = 1, int gap = 1, byte separator = 128) =>
        Tile(images, imageHeight, imageWidth, columns, scale, gap, separator).Save(path);

    /// <summary>Writes <see cref="Pairs"/>'s grid to <paramref name="path"/> as a PNG, atomically.</summary>
    public static void SavePairs(string path, ReadOnlySpan<float> inputs, ReadOnlySpan<float> outputs, int imageHeight,
                                 int imageWidth, int pairsPerRow, int scale = 1, int gap = 1, int pairGap = 4, byte separator = 128) =>
        Pairs(inputs, outputs, imageHeight, imageWidth, pairsPerRow, scale, gap, pairGap, separator).Save(path);

    /// <summary>Float intensity in [0, 1] to a byte, rounding to nearest; out-of-range values clamp, NaN gives 0.</summary>
    public static byte ToByte(float v) => float.IsNaN(v) ? (byte)0 : (byte)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);

    // Cell k of the grid is image k of `a`, or with `b` non-empty (pairs mode) alternately a[k/2] and b[k/2].
    // Columns 2j and 2j+1 are separated by `gap`, columns 2j+1 and 2j+2 by `oddGap` (equal to gap for plain tiles).
    static Raster TileCore(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int cells, int h, int w, int columns,
                           int scale, int gap, int oddGap, byte separator)
    {
        if (columns <= 0) throw new ArgumentOutOfRangeException(nameof(columns), $"columns ({columns}) must be positive");
        if (scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), $"scale ({scale}) must be positive");
        if (gap < 0) throw new ArgumentOutOfRangeException(nameof(gap), $"gap ({gap}) must be >= 0");
        if (cells == 0) throw new ArgumentException("no images to tile (N = 0)");
        int cols = Math.Min(columns, cells);
        int rows = (cells + columns - 1) / columns;
        int cw = w * scale, ch = h * scale;

        var x0 = new int[cols]; // left edge of each grid column in output pixels
        for (int c = 1; c < cols; c++) x0[c] = x0[c - 1] + cw + (c % 2 == 1 ? gap : oddGap);
        long width = x0[cols - 1] + (long)cw;
        long height = rows * (long)ch + (rows - 1) * (long)gap;
        if (width > int.MaxValue || height > int.MaxValue) throw new ArgumentException($"grid {width} x {height} is too large");

        var r = Raster.Filled((int)width, (int)height, 1, separator);
        var px = r.Pixels; // [height, width]
        for (int k = 0; k < cells; k++)
        {
            int gr = k / columns, gc = k % columns;
            ReadOnlySpan<float> img = b.IsEmpty ? a.Slice(k * h * w, h * w)
                                    : (k % 2 == 0 ? a : b).Slice(k / 2 * h * w, h * w);
            int top = gr * (ch + gap), left = x0[gc];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    byte v = ToByte(img[y * w + x]);
                    for (int dy = 0; dy < scale; dy++)
                        px.AsSpan((top + y * scale + dy) * (int)width + left + x * scale, scale).Fill(v);
                }
        }
        return r;
    }

    static int CountImages(int length, int h, int w, string what)
    {
        if (h <= 0 || w <= 0) throw new ArgumentException($"image size {h} x {w} must be positive");
        long d = (long)h * w;
        if (length % d != 0)
            throw new ArgumentException($"{what} has {length} values, not a multiple of the image size {h} x {w} = {d}");
        return (int)(length / d);
    }
}
