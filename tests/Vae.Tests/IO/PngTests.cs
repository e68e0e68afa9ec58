
namespace Vae.Tests.IO;

public class PngTests
{
    [Fact]
    public void Crc32_matches_the_standard_check_value_and_a_bitwise_implementation()
    {
        Assert.Equal(0xCBF43926u, Png.Crc32("123456789"u8)); // the CRC-32 catalogue's check value
        Assert.Equal(0xAE426082u, Png.Crc32("IEND"u8));       // the CRC every PNG file ends with
        var data = new byte[1000]; new Random(1).NextBytes(data);
        Assert.Equal(PngDecoder.BitwiseCrc32(data), Png.Crc32(data));
    }

    [Fact]
    public void Grey_image_decodes_to_the_same_pixels()
    {
        int w = 37, h = 23;
        var px = new byte[w * h];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 7 % 256);
        var d = PngDecoder.Decode(Png.EncodeGray(px, w, h));
        Assert.Equal((w, h, 1), (d.Width, d.Height, d.Channels));
        Assert.Equal(px, d.Pixels);
        Assert.Equal(["IHDR", "IDAT", "IEND"], d.ChunkTypes);
    }

    [Fact]
    public void Rgb_image_decodes_to_the_same_pixels()
    {
        int w = 5, h = 9;
        var px = new byte[w * h * 3];
        new Random(2).NextBytes(px);
        var d = PngDecoder.Decode(Png.EncodeRgb(px, w, h));
        Assert.Equal((w, h, 3), (d.Width, d.Height, d.Channels));
        Assert.Equal(px, d.Pixels);
    }

    [Fact]
    public void Wrong_buffer_size_or_channel_count_is_refused_with_the_numbers()
    {
        var e = Assert.Throws<ArgumentException>(() => Png.EncodeRgb(new byte[10], 2, 2));
        Assert.Contains("pixel buffer has 10 bytes, a 2 x 2 x 3 image needs 12", e.Message);
        Assert.Throws<ArgumentException>(() => Png.Encode(new byte[8], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => Png.EncodeGray([], 0, 5));
    }

    [Fact]
    public void Raster_save_writes_a_decodable_png_file()
    {
        using var dir = new TempDir();
        var r = Raster.Filled(4, 3, 3, 200);
        r.Pixels[0] = 1;
        r.Save(dir.File("r.png"));
        var d = PngDecoder.Decode(File.ReadAllBytes(dir.File("r.png")));
        Assert.Equal(r.Pixels, d.Pixels);
    }
}
