// IDX reader: round trips of small files written by the tests, and every bad-input message.
// Must not: need real data.

namespace Vae.Tests.Data;

public class IdxReaderTests
{
    // 3 images of 2 x 3 with distinct pixels, so any transposition or offset error changes values.
    static readonly byte[] Pixels = [0, 1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 60, 255, 254, 253, 252, 251, 250];
    static readonly byte[] Labels = [7, 0, 9];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_and_labels_round_trip_plain_and_gzip(bool gzip)
    {
        using var dir = new TempDir();
        string ip = dir.File("img"), lp = dir.File("lab");
        byte[] img = TestFiles.Idx([3, 2, 3], Pixels), lab = TestFiles.Idx([3], Labels);
        File.WriteAllBytes(ip, gzip ? TestFiles.Gzip(img) : img);
        File.WriteAllBytes(lp, gzip ? TestFiles.Gzip(lab) : lab);

        var set = IdxReader.Read(ip, lp);

        Assert.Equal((3, 2, 3, 6), (set.N, set.Rows, set.Cols, set.D));
        for (int i = 0; i < Pixels.Length; i++) Assert.Equal(Pixels[i] / 255f, set.X[i]);
        Assert.Equal([7, 0, 9], set.Labels!);
    }

    static DataFormatException Fails(byte[] bytes, bool labels = false)
    {
        using var dir = new TempDir();
        string p = dir.File("bad-idx");
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<DataFormatException>(() => { if (labels) IdxReader.ReadLabels(p); else IdxReader.ReadImages(p); });
        Assert.Equal(p, e.FilePath);
        Assert.StartsWith(p, e.Message);
        return e;
    }

    [Fact]
    public void Truncated_data_is_reported_with_expected_and_found_byte_counts()
    {
        byte[] full = TestFiles.Idx([3, 2, 3], Pixels);
        var e = Fails(full[..^5]);
        Assert.Contains("3 x 2 x 3 = 18 data bytes, found 13 (file truncated)", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_the_data_are_reported()
    {
        var e = Fails([.. TestFiles.Idx([3, 2, 3], Pixels), 1, 2]);
        Assert.Contains("found 20 (trailing bytes)", e.Message);
    }

    [Fact]
    public void Header_dimensions_larger_than_the_file_are_reported()
    {
        var e = Fails(TestFiles.Idx([60000, 28, 28], Pixels));
        Assert.Contains("60000 x 28 x 28 = 47040000 data bytes, found 18", e.Message);
    }

    [Fact]
    public void Wrong_magic_number_is_reported_with_both_values()
    {
        var e = Fails(TestFiles.Idx([3], Labels)); // a label file read as images
        Assert.Contains("expected 0x00000803", e.Message);
        Assert.Contains("found 0x00000801", e.Message);
        var e2 = Fails([0x1a, 0x2b, 0x3c, 0x4d, 0, 0, 0, 0], labels: true);
        Assert.Contains("found 0x1a2b3c4d", e2.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        var e = Fails(TestFiles.Idx([3, 2, 3], Pixels)[..9]);
        Assert.Contains("truncated header: expected 16 bytes, found 9", e.Message);
        var e2 = Fails([0, 0]);
        Assert.Contains("found a file of 2 bytes", e2.Message);
    }

    [Fact]
    public void Empty_file_is_reported_as_empty()
    {
        var e = Fails([]);
        Assert.Contains("empty file (0 bytes)", e.Message);
    }

    [Fact]
    public void Label_count_different_from_image_count_names_both_files()
    {
        using var dir = new TempDir();
        string ip = dir.File("img"), lp = dir.File("lab");
        File.WriteAllBytes(ip, TestFiles.Idx([3, 2, 3], Pixels));
        File.WriteAllBytes(lp, TestFiles.Idx([2], [1, 2]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(ip, lp));
        Assert.Equal(lp, e.FilePath);
        Assert.Contains($"label count (2) != image count (3) of {ip}", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_data_format_error_naming_the_path()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("nope")));
        Assert.Contains("found no file at this path", e.Message);
    }
}
