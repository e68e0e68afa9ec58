
namespace Vae.Tests.IO;

public class ScatterPlotTests
{
    static (byte, byte, byte) At(Raster r, int x, int y)
    {
        int o = (y * r.Width + x) * 3;
        return (r.Pixels[o], r.Pixels[o + 1], r.Pixels[o + 2]);
    }

    static List<(int X, int Y)> PixelsOf(Raster r, (byte, byte, byte) c)
    {
        var list = new List<(int, int)>();
        for (int y = 0; y < r.Height; y++)
            for (int x = 0; x < r.Width; x++)
                if (At(r, x, y) == c) list.Add((x, y));
        return list;
    }

    [Fact]
    public void Points_are_drawn_in_their_label_colour_at_positions_preserving_order_and_aspect()
    {
        // Three points: label 1 at left-bottom, label 2 at right-bottom, label 3 at left-top (y grows upwards).
        float[] pts = [-2f, -1f, 2f, -1f, -2f, 3f];
        var r = ScatterPlot.Render(pts, [1, 2, 3], size: 200, markerRadius: 0);
        Assert.Equal(3, r.Channels);
        var p1 = Assert.Single(PixelsOf(r, ScatterPlot.LabelColor(1)), p => p.X < 28 + 200);
        var p2 = Assert.Single(PixelsOf(r, ScatterPlot.LabelColor(2)), p => p.X < 28 + 200); // legend swatches lie right of the plot
        var p3 = Assert.Single(PixelsOf(r, ScatterPlot.LabelColor(3)), p => p.X < 28 + 200);
        Assert.Equal(p1.Y, p2.Y);
        Assert.Equal(p1.X, p3.X);
        Assert.True(p2.X > p1.X && p3.Y < p1.Y);
        Assert.InRange(Math.Abs((p2.X - p1.X) - (p1.Y - p3.Y)), 0, 1); // equal scale on both axes: 4 units each way
    }

    [Fact]
    public void Markers_are_filled_discs_of_the_requested_radius()
    {
        var r = ScatterPlot.Render([0f, 0f, 10f, 10f], [4, 5], size: 300, markerRadius: 3);
        var disc = PixelsOf(r, ScatterPlot.LabelColor(4)).Where(p => p.X < 28 + 300).ToList();
        Assert.Equal(7, disc.Max(p => p.X) - disc.Min(p => p.X) + 1);
        Assert.Equal(7, disc.Max(p => p.Y) - disc.Min(p => p.Y) + 1);
        Assert.InRange(disc.Count, 29, 49); // between the inscribed diamond-ish disc and the full 7 x 7 square
    }

    [Fact]
    public void Label_colours_are_distinct_for_101_classes_and_visible_on_white()
    {
        var colours = Enumerable.Range(0, 101).Select(ScatterPlot.LabelColor).ToList();
        Assert.Equal(101, colours.Distinct().Count());
        foreach (var (r, g, b) in colours) Assert.True(r + g + b < 3 * 235, $"colour ({r}, {g}, {b}) is too close to white");
        // The first ten (digits) are far apart: squared RGB distance above 40^2 for every pair.
        for (int i = 0; i < 10; i++)
            for (int j = i + 1; j < 10; j++)
            {
                var (a, b) = (colours[i], colours[j]);
                int d2 = (a.R - b.R) * (a.R - b.R) + (a.G - b.G) * (a.G - b.G) + (a.B - b.B) * (a.B - b.B);
                Assert.True(d2 > 1600, $"labels {i} and {j} are too similar");
            }
    }

    [Fact]
    public void The_plot_has_a_black_axes_box_around_the_data()
    {
        var r = ScatterPlot.Render([0f, 0f, 1f, 1f], [], size: 100);
        // Plot area starts at x = 28, y = 14; the box is one pixel outside it.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(((byte)0, (byte)0, (byte)0), At(r, 27, 14 + i));
            Assert.Equal(((byte)0, (byte)0, (byte)0), At(r, 28 + i, 13));
        }
    }

    [Fact]
    public void Unlabelled_points_get_no_legend_and_labelled_ones_do()
    {
        float[] pts = [0f, 0f, 1f, 1f];
        var plain = ScatterPlot.Render(pts, [], size: 100);
        var labelled = ScatterPlot.Render(pts, [0, 1], size: 100);
        Assert.True(labelled.Width > plain.Width, $"legend adds width: {labelled.Width} vs {plain.Width}");
    }

    [Fact]
    public void Bad_input_is_refused_naming_the_point_or_the_counts()
    {
        Assert.Contains("even count", Assert.Throws<ArgumentException>(() => ScatterPlot.Render([1f, 2f, 3f], [])).Message);
        Assert.Contains("labels has 1 entries, points has 2", Assert.Throws<ArgumentException>(() => ScatterPlot.Render([1f, 2f, 3f, 4f], [0])).Message);
        Assert.Contains("point 1 (NaN, 4) is not finite", Assert.Throws<ArgumentException>(() => ScatterPlot.Render([1f, 2f, float.NaN, 4f], [])).Message);
        Assert.Contains("label of point 0 is -1", Assert.Throws<ArgumentException>(() => ScatterPlot.Render([1f, 2f], [-1])).Message);
    }

    [Fact]
    public void Save_writes_an_rgb_png()
    {
        using var dir = new TempDir();
        ScatterPlot.Save(dir.File("s.png"), [0f, 1f, 2f, 3f], [0, 1]);
        var d = PngDecoder.Decode(File.ReadAllBytes(dir.File("s.png")));
        Assert.Equal(3, d.Channels);
        Assert.Equal(ScatterPlot.Render([0f, 1f, 2f, 3f], [0, 1]).Pixels, d.Pixels);
    }
}
