// Random truncations and byte flips of valid small files: every reader either succeeds or raises DataFormatException,
// never an index, null-reference, overflow or other exception from deep inside. Seeded, so failures reproduce.
// Must not: need real data.
using static Vae.Tests.Data.TestFiles;

namespace Vae.Tests.Data;

public class CorruptionFuzzTests
{
    static readonly double[,] A = { { 0, 1, 2 }, { 10, 11, 12 } };

    public static TheoryData<string> Kinds => ["idx", "idx.gz", "mat", "mat-compressed", "amat", "amat.gz"];

    static (byte[] Bytes, Action<string> Read) Sample(string kind) => kind switch
    {
        "idx" => (Idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), p => IdxReader.ReadImages(p)),
        "idx.gz" => (Gzip(Idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])), p => IdxReader.ReadImages(p)),
        "mat" => (Mat(MatCell("c", "ab"), MatMatrix("x", A, MxDouble, MiDouble), MatMatrix("y", A, MxUInt8, MiUInt8)),
                  p => { var m = MatFile.Read(p); m.GetMatrix("x"); m.GetMatrix("y"); }),
        "mat-compressed" => (Mat(Compressed(MatMatrix("x", A, MxDouble, MiUInt8)), Compressed(MatChar("s", "abc"))),
                  p => MatFile.Read(p).GetMatrix("x")),
        "amat" => (Amat(new float[,] { { 0, 1, 1 }, { 1, 0, 0.5f } }), p => AmatReader.Read(p, 1, 3)),
        "amat.gz" => (Gzip(Amat(new float[,] { { 0, 1, 1 }, { 1, 0, 0.5f } })), p => AmatReader.Read(p, 1, 3)),
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Truncated_or_flipped_files_raise_only_DataFormatException(string kind)
    {
        var (good, read) = Sample(kind);
        using var dir = new TempDir();
        string p = dir.File("f");
        File.WriteAllBytes(p, good);
        read(p); // the intact file reads
        var rng = new Rng(2024, RngStream.Eval);
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] bad = trial % 3 == 0 ? good[..rng.NextInt(good.Length)] : (byte[])good.Clone();
            if (trial % 3 != 0)
                for (int k = 1 + rng.NextInt(3); k > 0; k--) bad[rng.NextInt(bad.Length)] ^= (byte)(1 + rng.NextInt(255));
            File.WriteAllBytes(p, bad);
            try { read(p); }
            catch (DataFormatException e) { Assert.StartsWith(p, e.Message); rejected++; }
            catch (Exception e) { Assert.Fail($"{kind}, trial {trial}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.InRange(rejected, 50, 300); // every truncation and most flips are caught
    }
}
