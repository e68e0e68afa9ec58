// Scatter plot of 2-D points coloured by class label: the test-set posterior means for Dz = 2 (paper Fig. 4 companion).
// Owns: data-to-pixel mapping (equal scale on both axes), axes box, unit grid, markers, palette, legend, tick numbers.
// Must not: compute the points (the CLI runs the encoder) or depend on a plotting library.
namespace Vae.Core.IO;

/// <summary>Renders labelled 2-D points into an RGB <see cref="Raster"/> on a white background.</summary>
public static class ScatterPlot
{
    // Matplotlib's "tab10": well-separated colours for the ten digit classes.
    static readonly (byte R, byte G, byte B)[] Tab10 =
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
        (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ];

    const int Margin = 28, LegendRowHeight = 14, FontScale = 2;

    /// <summary>
    /// Draws <paramref name="points"/> [N, 2] (x, y) coloured by <paramref name="labels"/> [N] (or all label 0 when
    /// empty) into a square plot area of <paramref name="size"/> pixels with equal scale on both axes, an axes box,
    /// light grid lines at whole numbers (darker at 0) numbered along the left and bottom edges, and a legend
    /// (colour swatch + label number) when there are at most 30 distinct labels.
    /// </summary>
    /// <param name="points">[N, 2] (x, y) pairs, all finite.</param>
    /// <param name="labels">[N] class labels >= 0, or empty for a single class.</param>
    /// <param name="size">Side of the square plot area in pixels (margins and legend are added).</param>
    /// <param name="markerRadius">Filled-disc radius in pixels; 0 draws single pixels.</param>
    /// <exception cref="ArgumentException">Odd-length points, a label count differing from N, a negative label, or a non-finite point.</exception>
    public static Raster Render(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, int size = 600, int markerRadius = 2)
    {
        if (points.Length % 2 != 0) throw new ArgumentException($"points has {points.Length} values; expected [N, 2] (an even count)");
        int n = points.Length / 2;
        if (!labels.IsEmpty && labels.Length != n) throw new ArgumentException($"labels has {labels.Length} entries, points has {n}");
        if (size < 32) throw new ArgumentOutOfRangeException(nameof(size), $"size ({size}) must be at least 32");
        if (markerRadius < 0) throw new ArgumentOutOfRangeException(nameof(markerRadius), $"markerRadius ({markerRadius}) must be >= 0");

        double minX = double.PositiveInfinity, maxX = double.NegativeInfinity, minY = minX, maxY = maxX;
        var distinct = new SortedSet<int>();
        for (int i = 0; i < n; i++)
        {
            float x = points[2 * i], y = points[2 * i + 1];
            if (!float.IsFinite(x) || !float.IsFinite(y)) throw new ArgumentException($"point {i} ({x}, {y}) is not finite");
            int label = labels.IsEmpty ? 0 : labels[i];
            if (label < 0) throw new ArgumentException($"label of point {i} is {label}; labels must be >= 0");
            distinct.Add(label);
            minX = Math.Min(minX, x); maxX = Math.Max(maxX, x); minY = Math.Min(minY, y); maxY = Math.Max(maxY, y);
        }
        if (n == 0) { minX = minY = -1; maxX = maxY = 1; }

        // Equal scale on both axes so the latent geometry is not distorted; 5% padding keeps markers off the box.
        double span = Math.Max(Math.Max(maxX - minX, maxY - minY), 1e-6) * 1.1;
        double cx = 0.5 * (minX + maxX), cy = 0.5 * (minY + maxY);
        double x0 = cx - span / 2, y0 = cy - span / 2, perPixel = span / (size - 1);

        bool legend = !labels.IsEmpty && distinct.Count <= 30; // unlabelled data (Frey Face): nothing to explain
        int legendWidth = legend ? 16 + FontScale * 4 * 3 + 12 : 0;
        int height = Math.Max(Margin / 2 + size + Margin, legend ? Margin / 2 + distinct.Count * LegendRowHeight + 4 : 0);
        var img = Raster.Filled(Margin + size + Margin / 2 + legendWidth, height, 3, 255);
        var canvas = new Canvas(img);
        int left = Margin, top = Margin / 2;
        int Px(double x) => left + (int)Math.Round((x - x0) / perPixel);
        int Py(double y) => top + size - 1 - (int)Math.Round((y - y0) / perPixel);

        // Whole-number grid lines, thinned to at most ~12 so they stay light, numbered at the edges.
        int step = Math.Max(1, (int)Math.Ceiling(span / 12));
        for (long g = (long)Math.Ceiling(x0 / step) * step; g <= x0 + span; g += step)
        {
            canvas.VLine(Px(g), top, top + size - 1, g == 0 ? Grey(170) : Grey(225));
            canvas.Text(g.ToString(System.Globalization.CultureInfo.InvariantCulture), Px(g), top + size + 4, centred: true);
        }
        for (long g = (long)Math.Ceiling(y0 / step) * step; g <= y0 + span; g += step)
        {
            canvas.HLine(left, left + size - 1, Py(g), g == 0 ? Grey(170) : Grey(225));
            string t = g.ToString(System.Globalization.CultureInfo.InvariantCulture);
            canvas.Text(t, left - 3 - TextWidth(t), Py(g) - FontScale * 5 / 2, centred: false);
        }

        for (int i = 0; i < n; i++)
            canvas.Disc(Px(points[2 * i]), Py(points[2 * i + 1]), markerRadius, LabelColor(labels.IsEmpty ? 0 : labels[i]));

        var black = Grey(0);
        canvas.HLine(left - 1, left + size, top - 1, black); canvas.HLine(left - 1, left + size, top + size, black);
        canvas.VLine(left - 1, top - 1, top + size, black); canvas.VLine(left + size, top - 1, top + size, black);

        if (legend)
        {
            int lx = left + size + Margin / 2, ly = top;
            foreach (int label in distinct)
            {
                canvas.Rect(lx, ly + 2, lx + 9, ly + 11, LabelColor(label));
                canvas.Text(label.ToString(System.Globalization.CultureInfo.InvariantCulture), lx + 14, ly + 2, centred: false);
                ly += LegendRowHeight;
            }
        }
        return img;
    }

    /// <summary>Writes <see cref="Render"/>'s plot to <paramref name="path"/> as a PNG, atomically.</summary>
    public static void Save(string path, ReadOnlySpan<float> points, ReadOnlySpan<int> labels, int size = 600, int markerRadius = 2) =>
        Render(points, labels, size, markerRadius).Save(path);

    /// <summary>
    /// Colour of a class label: tab10 for 0-9; beyond that a hashed colour (golden-ratio hue steps with varying
    /// saturation and value), so e.g. Caltech's 101 classes all differ and none is near the white background.
    /// </summary>
    public static (byte R, byte G, byte B) LabelColor(int label)
    {
        if (label < 0) throw new ArgumentOutOfRangeException(nameof(label), $"label ({label}) must be >= 0");
        if (label < Tab10.Length) return Tab10[label];
        double h = (0.1 + label * 0.6180339887498949) % 1.0;
        double s = 0.55 + 0.15 * (label % 3);  // 0.55 .. 0.85
        double v = 0.60 + 0.15 * (label / 3 % 3); // 0.60 .. 0.90
        return Hsv(h, s, v);
    }

    static (byte, byte, byte) Grey(byte v) => (v, v, v);

    static (byte R, byte G, byte B) Hsv(double h, double s, double v)
    {
        double c = v * s, hp = h * 6, x = c * (1 - Math.Abs(hp % 2 - 1)), m = v - c;
        (double r, double g, double b) = (int)hp switch
        {
            0 => (c, x, 0.0), 1 => (x, c, 0.0), 2 => (0.0, c, x), 3 => (0.0, x, c), 4 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        static byte B(double u) => (byte)Math.Round(Math.Clamp(u, 0, 1) * 255);
        return (B(r + m), B(g + m), B(b + m));
    }

    // 3 x 5 bitmap glyphs, one 15-bit mask each, top row in the high bits: enough for tick and legend numbers.
    static int Glyph(char c) => c switch
    {
        '0' => 0b111_101_101_101_111, '1' => 0b010_110_010_010_111, '2' => 0b111_001_111_100_111,
        '3' => 0b111_001_111_001_111, '4' => 0b101_101_111_001_001, '5' => 0b111_100_111_001_111,
        '6' => 0b111_100_111_101_111, '7' => 0b111_001_010_010_010, '8' => 0b111_101_111_101_111,
        '9' => 0b111_101_111_001_111, '-' => 0b000_000_111_000_000, '.' => 0b000_000_000_000_010,
        _ => 0,
    };

    static int TextWidth(string s) => s.Length == 0 ? 0 : FontScale * (4 * s.Length - 1);

    /// <summary>Clipped drawing primitives over an RGB raster.</summary>
    readonly struct Canvas(Raster r)
    {
        public void Set(int x, int y, (byte R, byte G, byte B) c)
        {
            if ((uint)x >= (uint)r.Width || (uint)y >= (uint)r.Height) return;
            int o = (y * r.Width + x) * 3;
            r.Pixels[o] = c.R; r.Pixels[o + 1] = c.G; r.Pixels[o + 2] = c.B;
        }

        public void HLine(int xa, int xb, int y, (byte, byte, byte) c) { for (int x = xa; x <= xb; x++) Set(x, y, c); }
        public void VLine(int x, int ya, int yb, (byte, byte, byte) c) { for (int y = ya; y <= yb; y++) Set(x, y, c); }

        public void Rect(int xa, int ya, int xb, int yb, (byte, byte, byte) c)
        {
            for (int y = ya; y <= yb; y++) HLine(xa, xb, y, c);
        }

        public void Disc(int cx, int cy, int radius, (byte, byte, byte) c)
        {
            int r2 = radius * radius + radius; // "+ radius" rounds small discs instead of drawing plus signs
            for (int dy = -radius; dy <= radius; dy++)
                for (int dx = -radius; dx <= radius; dx++)
                    if (dx * dx + dy * dy <= r2) Set(cx + dx, cy + dy, c);
        }

        public void Text(string s, int x, int y, bool centred)
        {
            if (centred) x -= TextWidth(s) / 2;
            foreach (char ch in s)
            {
                int g = Glyph(ch);
                for (int row = 0; row < 5; row++)
                    for (int col = 0; col < 3; col++)
                        if ((g >> (14 - (row * 3 + col)) & 1) != 0)
                            Rect(x + col * FontScale, y + row * FontScale, x + col * FontScale + FontScale - 1,
                                 y + row * FontScale + FontScale - 1, (0, 0, 0));
                x += 4 * FontScale;
            }
        }
    }
}
