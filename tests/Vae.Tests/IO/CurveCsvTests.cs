using System.Globalization;
using Vae.Core.IO;

namespace Vae.Tests.IO;

public class CurveCsvTests
{
    [Fact]
    public void Rows_are_written_with_a_header_and_read_back_bit_exactly()
    {
        using var dir = new TempDir();
        var c = CurveCsv.Create(dir.File("curve.csv"), ["samples", "train_elbo", "test_elbo"]);
        Assert.Equal("samples,train_elbo,test_elbo\n", File.ReadAllText(c.Path));
        double[] row = [6e7, 0.1 + 0.2, -100.83333333333333];
        c.Append(row);
        c.Append([1, double.NaN, double.NegativeInfinity]);
        string[] lines = File.ReadAllLines(c.Path);
        Assert.Equal(3, lines.Length);
        Assert.Equal("60000000,0.30000000000000004,-100.83333333333333", lines[1]);
        Assert.Equal("1,NaN,-Infinity", lines[2]);
        var parsed = lines[1].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(row.Select(BitConverter.DoubleToInt64Bits), parsed.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Unflushed_rows_reach_the_file_only_on_flush()
    {
        using var dir = new TempDir();
        var c = CurveCsv.Create(dir.File("c.csv"), ["step"]);
        c.Append([1], flush: false);
        Assert.Single(File.ReadAllLines(c.Path));
        c.Flush();
        Assert.Equal(["step", "1"], File.ReadAllLines(c.Path));
        Assert.Equal(1, c.RowCount);
    }

    [Fact]
    public void Resume_keeps_rows_chosen_by_the_caller_and_continues_appending()
    {
        using var dir = new TempDir();
        var c = CurveCsv.Create(dir.File("c.csv"), ["samples", "elbo"]);
        for (int i = 1; i <= 5; i++) c.Append([i * 100, -i]);
        var r = CurveCsv.Resume(dir.File("c.csv"), ["samples", "elbo"], row => row[0] <= 300);
        Assert.Equal(3, r.RowCount);
        r.Append([400, -4.5]);
        Assert.Equal(["samples,elbo", "100,-1", "200,-2", "300,-3", "400,-4.5"], File.ReadAllLines(r.Path));
    }

    [Fact]
    public void Resume_refuses_a_different_header_or_a_broken_row_naming_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.csv"), "samples,elbo\n100,-1\n200,oops\n");
        var e = Assert.Throws<FormatException>(() => CurveCsv.Resume(dir.File("c.csv"), ["samples", "loss"]));
        Assert.Contains("header is \"samples,elbo\", expected \"samples,loss\"", e.Message);
        e = Assert.Throws<FormatException>(() => CurveCsv.Resume(dir.File("c.csv"), ["samples", "elbo"]));
        Assert.Contains("line 3, field 'elbo': \"oops\" is not a number", e.Message);
        Assert.Contains(dir.File("c.csv"), e.Message);
    }

    [Fact]
    public void Read_returns_fields_and_rows_with_NaN_by_name_and_leaves_the_file_alone()
    {
        using var dir = new TempDir();
        var c = CurveCsv.Create(dir.File("c.csv"), ["samples", "test_elbo"]);
        c.Append([100, double.NaN]);
        c.Append([200, -1.25]);
        string before = File.ReadAllText(c.Path);
        var r = CurveCsv.Read(c.Path);
        Assert.Equal(["samples", "test_elbo"], r.Fields);
        Assert.Equal([100.0, 200.0], r.Column("samples"));
        Assert.True(double.IsNaN(r.Column("test_elbo")[0]));
        Assert.Equal(-1.25, r.Rows[1][1]);
        Assert.Equal(before, File.ReadAllText(c.Path));
        Assert.Contains("has no field 'epoch' (fields: samples, test_elbo)", Assert.Throws<FormatException>(() => r.Column("epoch")).Message);
        File.WriteAllText(dir.File("empty.csv"), "");
        Assert.Contains("no header line", Assert.Throws<FormatException>(() => CurveCsv.Read(dir.File("empty.csv"))).Message);
    }

    [Fact]
    public void Bad_field_names_and_row_lengths_are_refused()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => CurveCsv.Create(dir.File("c.csv"), []));
        Assert.Throws<ArgumentException>(() => CurveCsv.Create(dir.File("c.csv"), ["a,b"]));
        Assert.Throws<ArgumentException>(() => CurveCsv.Create(dir.File("c.csv"), ["a", "a"]));
        var c = CurveCsv.Create(dir.File("c.csv"), ["a", "b"]);
        Assert.Contains("3 values for 2 fields (a, b)", Assert.Throws<ArgumentException>(() => c.Append([1, 2, 3])).Message);
    }
}
