// MAT v5 reader: numeric round trips (plain and miCOMPRESSED, several classes) past cells and strings, and bad input.
// Must not: need real data.
using static Vae.Tests.Data.TestFiles;

namespace Vae.Tests.Data;

public class MatReaderTests
{
    // 3 x 4 with distinct values: reading row-major instead of column-major would put A[0,1] = 1 where A[1,0] = 10 is.
    static readonly double[,] A = { { 0, 1, 2, 3 }, { 10, 11, 12, 13 }, { 20, 21, 22, 23 } };
    static readonly double[,] B = { { -1.5, 2.25 }, { 1e-3, 7 } };

    static byte[] SampleFile(bool compress)
    {
        byte[] Wrap(byte[] e) => compress ? Compressed(e) : e;
        return Mat(
            Wrap(MatCell("classnames", "Airplanes Side 2", "Faces 2")),
            Wrap(MatMatrix("data", A, MxUInt8, MiUInt8)),
            Wrap(MatChar("note", "skip me")),
            Wrap(MatMatrix("b", B, MxDouble, MiDouble)), // 1-char name: small data element format
            Wrap(MatMatrix("s16", A, MxInt16, MiInt16)),
            Wrap(MatMatrix("f", B, MxSingle, MiSingle)),
            Wrap(MatMatrix("dbl_as_u8", A, MxDouble, MiUInt8))); // MATLAB stores doubles in the smallest fitting type
    }

    static MatFile ReadBytes(byte[] bytes, IReadOnlyCollection<string>? load = null)
    {
        using var dir = new TempDir();
        string p = dir.File("t.mat");
        File.WriteAllBytes(p, bytes);
        return MatFile.Read(p, load);
    }

    static void AssertMatrix(double[,] expected, MatVariable v)
    {
        Assert.Equal([expected.GetLength(0), expected.GetLength(1)], v.Dims);
        for (int r = 0; r < v.Rows; r++)
            for (int c = 0; c < v.Cols; c++)
                Assert.Equal((float)expected[r, c], v.ColumnMajor![r + c * v.Rows]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Numeric_matrices_round_trip_column_major_past_cells_and_strings(bool compressed)
    {
        var mat = ReadBytes(SampleFile(compressed));

        Assert.Equal(["classnames", "data", "note", "b", "s16", "f", "dbl_as_u8"], mat.Variables.Select(v => v.Name));
        Assert.Equal(MatClass.Cell, mat.Get("classnames").Class);
        Assert.Null(mat.Get("note").ColumnMajor);
        AssertMatrix(A, mat.GetMatrix("data", 3, 4));
        AssertMatrix(B, mat.GetMatrix("b"));
        AssertMatrix(A, mat.GetMatrix("s16"));
        AssertMatrix(B, mat.GetMatrix("f"));
        AssertMatrix(A, mat.GetMatrix("dbl_as_u8"));
        Assert.Equal(MatClass.Double, mat.Get("dbl_as_u8").Class);
    }

    [Fact]
    public void Only_requested_variables_are_converted()
    {
        var mat = ReadBytes(SampleFile(compress: true), ["b"]);
        Assert.NotNull(mat.Get("b").ColumnMajor);
        Assert.Null(mat.Get("data").ColumnMajor);
    }

    static DataFormatException Fails(byte[] bytes, Action<MatFile>? use = null)
    {
        using var dir = new TempDir();
        string p = dir.File("bad.mat");
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<DataFormatException>(() => { var m = MatFile.Read(p); use?.Invoke(m); });
        Assert.Equal(p, e.FilePath);
        Assert.StartsWith(p, e.Message);
        return e;
    }

    [Fact]
    public void Missing_variable_names_the_variables_found()
    {
        var e = Fails(SampleFile(compress: true), m => m.GetMatrix("ff"));
        Assert.Contains("expected a variable 'ff', found only classnames (cell 1x2), data (uint8 3x4)", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_reported_with_both_shapes()
    {
        var e = Fails(SampleFile(compress: false), m => m.GetMatrix("data", 560, -1));
        Assert.Contains("expected 'data' of shape 560 x any, found data (uint8 3x4)", e.Message);
    }

    [Fact]
    public void Truncated_file_is_reported_with_declared_and_remaining_bytes()
    {
        byte[] full = SampleFile(compress: false);
        var e = Fails(full[..^20]);
        Assert.Contains("declares", e.Message);
        Assert.Contains("truncated", e.Message);
        var e2 = Fails(full[..131]);
        Assert.Contains("truncated element tag at byte 128: expected 8 bytes, found 3", e2.Message);
    }

    [Fact]
    public void Element_size_larger_than_the_file_is_reported()
    {
        byte[] bytes = Mat(MatMatrix("data", A, MxUInt8, MiUInt8));
        BitConverter.GetBytes(1_000_000).CopyTo(bytes, 132); // top-level miMATRIX size field
        var e = Fails(bytes);
        Assert.Contains("element at byte 128 (type 14) declares 1000000 bytes", e.Message);
    }

    [Fact]
    public void Data_size_disagreeing_with_dimensions_is_reported()
    {
        byte[] m = MatrixElement("x", MxUInt8, [3, 4], Element(MiUInt8, new byte[10]));
        var e = Fails(Mat(m), f => f.GetMatrix("x"));
        Assert.Contains("dimensions give 12 elements (12 bytes of type 2), found 10 bytes", e.Message);
    }

    [Fact]
    public void Corrupt_and_truncated_compressed_elements_are_reported()
    {
        byte[] c = Compressed(MatMatrix("data", A, MxUInt8, MiUInt8));
        byte[] corrupt = (byte[])c.Clone();
        for (int i = 12; i < c.Length - 4; i++) corrupt[i] ^= 0x33;
        Assert.Contains("miCOMPRESSED element at byte 128", Fails(Mat(corrupt)).Message);

        byte[] truncated = c[..^6];
        BitConverter.GetBytes(truncated.Length - 8).CopyTo(truncated, 4); // consistent outer size, cut stream
        var e = Fails(Mat(truncated));
        Assert.Contains("truncated or corrupt zlib stream", e.Message);
    }

    [Fact]
    public void Wrong_header_is_reported_as_not_a_MAT_v5_file()
    {
        var header = MatHeader(); header[126] = (byte)'X';
        var e = Fails([.. header, .. MatMatrix("data", A, MxUInt8, MiUInt8)]);
        Assert.Contains("expected a MAT v5 header", e.Message);
        Assert.Contains("found version 0x0100 and bytes 58 4d", e.Message);
    }

    [Fact]
    public void Big_endian_file_is_rejected_clearly()
    {
        var header = MatHeader(); header[126] = (byte)'M'; header[127] = (byte)'I';
        Assert.Contains("found a big-endian one", Fails(header).Message);
    }

    [Fact]
    public void MAT_v73_HDF5_file_is_rejected_with_advice()
    {
        var h = new byte[1024];
        MatHeader("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan 1 2024 HDF5 schema 1.00 .").CopyTo(h, 0);
        byte[] sig = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a];
        sig.CopyTo(h, 512);
        var e = Fails(h);
        Assert.Contains("MAT v7.3 (HDF5)", e.Message);
        Assert.Contains("-v7", e.Message);
        h[0] = (byte)'X'; // no 7.3 text: the HDF5 signature alone is enough
        Assert.Contains("MAT v7.3 (HDF5)", Fails(h).Message);
    }

    [Fact]
    public void Short_and_empty_files_are_reported()
    {
        Assert.Contains("expected a 128-byte MAT v5 header, found a file of 50 bytes", Fails(MatHeader()[..50]).Message);
        Assert.Contains("empty file (0 bytes)", Fails([]).Message);
    }

    [Fact]
    public void Header_only_file_has_no_variables()
    {
        var e = Fails(MatHeader(), m => m.Get("ff"));
        Assert.Contains("expected a variable 'ff', found no variables", e.Message);
    }
}
