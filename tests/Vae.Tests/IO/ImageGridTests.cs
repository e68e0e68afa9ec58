
namespace Vae.Tests.IO;

public class ImageGridTests
{
    // Image k of size h x w has pixel (y, x) = ((k * 31 + y * w + x) % 11) / 10, so every cell is recognisable.
    static float[] Images(int n, int h, int w)
    {
        var a = new float[n * h * w];
        for (int k = 0; k < n; k++)
            for (int i = 0; i < h * w; i++) a[k * h * w + i] = (k * 31 + i) % 11 / 10f;
        return a;
    }

    static byte Expected(int k, int y, int x, int w) => ImageGrid.ToByte((k * 31 + y * w + x) % 11 / 10f);

    [Fact]
    public void Tile_places_each_image_in_its_cell_with_separators_and_upscaling()
    {
        int n = 7, h = 3, w = 4, cols = 3, scale = 2, gap = 1;
        var r = ImageGrid.Tile(Images(n, h, w), h, w, cols, scale, gap, separator: 77);
        Assert.Equal(3 * w * scale + 2 * gap, r.Width);
        Assert.Equal(3 * h * scale + 2 * gap, r.Height);
        Assert.Equal(1, r.Channels);
        for (int k = 0; k < 9; k++)
        {
            int top = k / cols * (h * scale + gap), left = k % cols * (w * scale + gap);
            for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++)
                    Assert.Equal(k < n ? Expected(k, y / scale, x / scale, w) : (byte)77, r.Pixels[(top + y) * r.Width + left + x]);
        }
        for (int y = 0; y < r.Height; y++) Assert.Equal(77, r.Pixels[y * r.Width + w * scale]); // first vertical separator
    }

    [Fact]
    public void Tile_with_fewer_images_than_columns_uses_only_the_needed_width()
    {
        var r = ImageGrid.Tile(Images(2, 2, 2), 2, 2, 10, gap: 0);
        Assert.Equal((4, 2), (r.Width, r.Height));
    }

    [Fact]
    public void Values_are_clamped_and_NaN_is_drawn_black()
    {
        var r = ImageGrid.Tile([-0.5f, 2f, float.NaN, 0.5f], 1, 4, 1);
        Assert.Equal([0, 255, 0, 128], r.Pixels);
    }

    [Fact]
    public void Pairs_put_each_input_beside_its_reconstruction_with_wider_gaps_between_pairs()
    {
        int n = 3, h = 2, w = 2, gap = 1, pairGap = 3;
        var inputs = Images(n, h, w);
        var outputs = Images(n + 10, h, w)[(10 * h * w)..]; // images 10, 11, 12 stand in for reconstructions
        var r = ImageGrid.Pairs(inputs, outputs, h, w, pairsPerRow: 2, gap: gap, pairGap: pairGap, separator: 5);
        Assert.Equal(4 * w + 2 * gap + pairGap, r.Width);
        Assert.Equal(2 * h + gap, r.Height);
        int[] left = [0, w + gap, 2 * w + gap + pairGap, 3 * w + 2 * gap + pairGap];
        for (int p = 0; p < n; p++)
        {
            int top = p / 2 * (h + gap);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    Assert.Equal(Expected(p, y, x, w), r.Pixels[(top + y) * r.Width + left[2 * (p % 2)] + x]);
                    Assert.Equal(Expected(p + 10, y, x, w), r.Pixels[(top + y) * r.Width + left[2 * (p % 2) + 1] + x]);
                }
        }
    }

    [Fact]
    public void Bad_shapes_are_refused_with_the_numbers()
    {
        var e = Assert.Throws<ArgumentException>(() => ImageGrid.Tile(new float[10], 28, 28, 10));
        Assert.Contains("10 values, not a multiple of the image size 28 x 28 = 784", e.Message);
        e = Assert.Throws<ArgumentException>(() => ImageGrid.Pairs(new float[8], new float[12], 2, 2, 1));
        Assert.Contains("inputs hold 2 images, outputs hold 3", e.Message);
        Assert.Throws<ArgumentException>(() => ImageGrid.Tile([], 2, 2, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile(new float[4], 2, 2, 0));
    }

    [Fact]
    public void SaveTile_writes_a_png_with_the_grid_pixels()
    {
        using var dir = new TempDir();
        var images = Images(5, 3, 3);
        ImageGrid.SaveTile(dir.File("g.png"), images, 3, 3, 2);
        var d = PngDecoder.Decode(File.ReadAllBytes(dir.File("g.png")));
        Assert.Equal(ImageGrid.Tile(images, 3, 3, 2).Pixels, d.Pixels);
    }
}
