// gzip / zlib layer: exact round trips, and corrupt or truncated streams detected with clear messages.
// Must not: need real data.

namespace Vae.Tests.Data;

public class CompressionTests
{
    static byte[] Payload()
    {
        var r = new Vae.Core.Numerics.Rng(11);
        var b = new byte[50_000];
        for (int i = 0; i < b.Length; i++) b[i] = (byte)(r.NextInt(4) * 60); // compressible but not trivial
        return b;
    }

    static DataFormatException ReadIdxFromGzip(byte[] gz)
    {
        using var dir = new TempDir();
        string p = dir.File("x.gz");
        File.WriteAllBytes(p, gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(p));
        Assert.Equal(p, e.FilePath);
        return e;
    }

    [Fact]
    public void Gzip_round_trips_exactly()
    {
        byte[] data = Payload();
        Assert.Equal(data, Compression.MaybeGunzip(TestFiles.Gzip(data), "mem"));
        Assert.Same(data, Compression.MaybeGunzip(data, "mem")); // not gzip: passed through
    }

    [Fact]
    public void Corrupt_gzip_stream_is_reported_as_corrupt()
    {
        byte[] gz = TestFiles.Gzip(TestFiles.Idx([50, 10, 100], Payload()));
        for (int i = 100; i < 140; i++) gz[i] ^= 0x5a;
        var e = ReadIdxFromGzip(gz);
        Assert.Contains("gzip stream", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_is_detected_by_its_size_trailer()
    {
        byte[] gz = TestFiles.Gzip(TestFiles.Idx([50, 10, 100], Payload()));
        foreach (int cut in new[] { 4, 9, gz.Length / 2 })
        {
            var e = ReadIdxFromGzip(gz[..^cut]);
            Assert.Contains("truncated or corrupt gzip stream", e.Message);
            Assert.Contains("decompressed", e.Message);
        }
        var tiny = ReadIdxFromGzip(gz[..12]);
        Assert.Contains("needs at least 18 bytes", tiny.Message);
    }

    [Fact]
    public void Zlib_inflate_checks_header_and_adler32()
    {
        byte[] data = Payload();
        byte[] element = TestFiles.Compressed(data); // tag (8 bytes) + zlib stream
        byte[] z = element[8..];
        Assert.Equal(data, Compression.Inflate(z, "mem", "test"));
        var trunc = Assert.Throws<DataFormatException>(() => Compression.Inflate(z[..(z.Length / 2)], "mem", "test"));
        Assert.Contains("Adler-32", trunc.Message);
        var head = Assert.Throws<DataFormatException>(() => Compression.Inflate([0x12, 0x34, 0, 0, 0, 0, 0], "mem", "test"));
        Assert.Contains("expected a zlib header", head.Message);
    }

    [Fact]
    public void Adler32_matches_the_RFC_1950_example()
    {
        // RFC 1950 / Wikipedia worked example: Adler-32 of "Wikipedia" is 0x11E60398.
        Assert.Equal(0x11E60398u, Compression.Adler32("Wikipedia"u8));
        Assert.Equal(1u, Compression.Adler32([]));
    }
}
