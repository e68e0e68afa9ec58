
namespace Vae.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void Write_replaces_the_file_and_leaves_no_temp_file()
    {
        using var dir = new TempDir();
        string p = dir.File("sub/a.txt");
        AtomicFile.WriteAllText(p, "first");
        AtomicFile.WriteAllText(p, "second ü");
        Assert.Equal("second ü", File.ReadAllText(p));
        Assert.Equal([(byte)'s', (byte)'e'], File.ReadAllBytes(p)[..2]); // UTF-8 without a byte-order mark
        Assert.Single(Directory.GetFiles(dir.File("sub")));
    }

    [Fact]
    public void Failed_write_keeps_the_old_content_and_removes_the_temp_file()
    {
        using var dir = new TempDir();
        string p = dir.File("b.bin");
        AtomicFile.WriteAllBytes(p, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s =>
        {
            s.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("writer failed half way");
        }));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(p));
        Assert.Equal(["b.bin"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Writing_over_a_folder_is_refused_with_its_name()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("d"));
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(dir.File("d"), "x"));
        Assert.Contains("a folder of that name exists", e.Message);
    }
}
