// .amat reader: round trips (plain and gzip) and per-line error messages.
// Must not: need real data.

namespace Vae.Tests.Data;

public class AmatReaderTests
{
    static readonly float[,] X = { { 0, 1, 1, 0, 0, 1 }, { 1, 1, 1, 0, 0, 0 }, { 0.25f, 0.5f, 1e-3f, -2, 0, 1 } };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rows_round_trip_plain_and_gzip(bool gzip)
    {
        using var dir = new TempDir();
        string p = dir.File("x.amat");
        byte[] text = TestFiles.Amat(X);
        File.WriteAllBytes(p, gzip ? TestFiles.Gzip(text) : text);

        var set = AmatReader.Read(p, 2, 3);

        Assert.Equal((3, 2, 3), (set.N, set.Rows, set.Cols));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 6; j++) Assert.Equal(X[i, j], set.X[i * 6 + j]);
        Assert.Null(set.Labels);
    }

    [Fact]
    public void Blank_lines_and_CRLF_are_tolerated()
    {
        using var dir = new TempDir();
        string p = dir.File("x.amat");
        File.WriteAllText(p, "0 1\r\n\n1 0\r\n\n");
        var set = AmatReader.Read(p, 1, 2);
        Assert.Equal([0f, 1f, 1f, 0f], set.X);
    }

    static DataFormatException Fails(string text, int rows = 2, int cols = 3) => Fails(System.Text.Encoding.ASCII.GetBytes(text), rows, cols);

    static DataFormatException Fails(byte[] bytes, int rows = 2, int cols = 3)
    {
        using var dir = new TempDir();
        string p = dir.File("bad.amat");
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<DataFormatException>(() => AmatReader.Read(p, rows, cols));
        Assert.Equal(p, e.FilePath);
        return e;
    }

    [Theory]
    [InlineData("0 1 0 1 0 1\n0 1 0 1 0\n", "line 2: expected 6 values (2 x 3), found 5")]
    [InlineData("0 1 0 1 0 1 1\n", "line 1: expected 6 values (2 x 3), found 7")]
    [InlineData("0 1 x 1 0 1\n", "line 1, value 3: expected a finite number, found 'x'")]
    [InlineData("NaN 1 0 1 0 1\n", "line 1, value 1: expected a finite number, found 'NaN'")]
    [InlineData("", "empty file (0 bytes)")]
    [InlineData("\n \n", "found no data")]
    public void Bad_text_is_reported_with_its_line_value_count_and_what_was_expected(string text, string expected) =>
        Assert.Contains(expected, Fails(text).Message);

    [Fact]
    public void Truncated_gzip_amat_is_reported()
    {
        var big = new float[300, 6];
        byte[] gz = TestFiles.Gzip(TestFiles.Amat(big));
        Assert.Contains("truncated or corrupt gzip stream", Fails(gz[..^30]).Message);
    }
}
