// Reading a data file's bytes and undoing gzip / zlib, with the integrity checks .NET leaves out.
// Owns: file -> bytes, gzip detection and decompression, zlib (MAT miCOMPRESSED) decompression, Adler-32.
// Must not: know any file format beyond the compression layer.
using System.IO.Compression;

namespace Vae.Core.Data;

/// <summary>Whole-file reads and decompression that turn every failure into a <see cref="DataFormatException"/>.</summary>
public static class Compression
{
    /// <summary>All bytes of <paramref name="path"/>; a missing or empty file is a <see cref="DataFormatException"/>.</summary>
    public static byte[] ReadFile(string path)
    {
        var kind = Inputs.FileKinds.Of(path);
        if (kind == Inputs.FileKind.Missing) throw new DataFormatException(path, "expected a data file, found no file at this path");
        if (kind != Inputs.FileKind.Regular) throw new DataFormatException(path, $"expected a data file, found {Inputs.FileKinds.Describe(kind)}");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw new DataFormatException(path, $"could not be read: {e.Message}", e); }
        catch (UnauthorizedAccessException e) { throw new DataFormatException(path, $"could not be read: {e.Message}", e); }
        if (bytes.Length == 0) throw new DataFormatException(path, "expected a data file, found an empty file (0 bytes)");
        return bytes;
    }

    /// <summary>True when the bytes start with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    /// <summary>The decompressed content when <paramref name="bytes"/> is gzip, else <paramref name="bytes"/> itself.
    /// Only single-member gzip is accepted: the trailer's ISIZE must equal the decompressed length, because .NET's
    /// GZipStream silently returns a short result for a truncated stream.</summary>
    public static byte[] MaybeGunzip(byte[] bytes, string path)
    {
        if (!IsGzip(bytes)) return bytes;
        if (bytes.Length < 18)
            throw new DataFormatException(path, $"gzip stream truncated: a gzip file needs at least 18 bytes (header + trailer), found {bytes.Length}");
        uint isize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        // The trailer's size is only a hint until verified; deflate cannot expand more than ~1032x.
        long hint = Math.Min(isize, Math.Min((long)bytes.Length * 1032, Array.MaxLength));
        byte[] output;
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
            using var ms = new MemoryStream(capacity: (int)hint);
            gz.CopyTo(ms);
            output = ms.Length == ms.Capacity ? ms.GetBuffer() : ms.ToArray(); // exact hint: no copy
        }
        catch (InvalidDataException e) { throw new DataFormatException(path, $"corrupt gzip stream (the compressed data or its CRC is invalid): {e.Message}", e); }
        catch (OutOfMemoryException e) { throw new DataFormatException(path, "gzip stream decompresses to more than 2 GiB", e); }
        if (isize != (uint)output.Length)
            throw new DataFormatException(path,
                $"truncated or corrupt gzip stream: trailer says {isize} uncompressed bytes (mod 2^32), decompressed {output.Length} " +
                "(a multi-member gzip file is not supported either)");
        return output;
    }

    /// <summary>Inflates a zlib stream (RFC 1950) that must decompress completely and match its Adler-32 trailer.</summary>
    /// <param name="data">The compressed bytes, header to trailer.</param>
    /// <param name="path">File the bytes came from (for messages).</param>
    /// <param name="what">What the stream is (for messages), e.g. "miCOMPRESSED element at byte 128".</param>
    public static byte[] Inflate(ReadOnlySpan<byte> data, string path, string what)
    {
        if (data.Length < 6) throw new DataFormatException(path, $"{what}: a zlib stream needs at least 6 bytes, found {data.Length}");
        if ((data[0] & 0x0f) != 8 || ((data[0] << 8) | data[1]) % 31 != 0)
            throw new DataFormatException(path, $"{what}: expected a zlib header (deflate, check bits), found bytes {data[0]:x2} {data[1]:x2}");
        byte[] output;
        try
        {
            using var z = new ZLibStream(new MemoryStream(data.ToArray(), writable: false), CompressionMode.Decompress);
            using var ms = new MemoryStream(capacity: Math.Min(1 << 28, data.Length * 4));
            z.CopyTo(ms);
            output = ms.ToArray();
        }
        catch (InvalidDataException e) { throw new DataFormatException(path, $"{what}: corrupt zlib stream: {e.Message}", e); }
        uint expected = (uint)(data[^4] << 24 | data[^3] << 16 | data[^2] << 8 | data[^1]); // big-endian trailer
        uint found = Adler32(output);
        if (expected != found)
            throw new DataFormatException(path,
                $"{what}: truncated or corrupt zlib stream: Adler-32 expected {expected:x8} (trailer), found {found:x8} over {output.Length} decompressed bytes");
        return output;
    }

    /// <summary>Adler-32 checksum (RFC 1950).</summary>
    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        const uint Mod = 65521; const int Nmax = 5552; // largest block with no 32-bit overflow
        uint a = 1, b = 0;
        while (data.Length > 0)
        {
            int n = Math.Min(Nmax, data.Length);
            foreach (byte x in data[..n]) { a += x; b += a; }
            a %= Mod; b %= Mod;
            data = data[n..];
        }
        return b << 16 | a;
    }
}
