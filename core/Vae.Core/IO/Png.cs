// A minimal PNG encoder (8-bit greyscale and RGB) and the Raster value it encodes.
// Owns: PNG signature, IHDR / IDAT / IEND chunks, the chunk CRC-32, zlib compression via ZLibStream.
// Must not: lay out images (ImageGrid / ScatterPlot do) or decode PNGs (the tests carry their own decoder).
using System.Buffers.Binary;
using System.IO.Compression;

namespace Vae.Core.IO;

/// <summary>An 8-bit image: <see cref="Pixels"/> is [Height, Width, Channels] row-major; 1 channel = grey, 3 = RGB.</summary>
public sealed record Raster(int Width, int Height, int Channels, byte[] Pixels)
{
    /// <summary>Creates a blank raster filled with <paramref name="fill"/> in every channel.</summary>
    public static Raster Filled(int width, int height, int channels, byte fill = 0)
    {
        Png.CheckSize(width, height, channels, null);
        var px = new byte[(long)width * height * channels]; // [H, W, C]
        if (fill != 0) px.AsSpan().Fill(fill);
        return new Raster(width, height, channels, px);
    }

    /// <summary>The PNG encoding of this image.</summary>
    public byte[] ToPng() => Png.Encode(Pixels, Width, Height, Channels);

    /// <summary>Writes this image as a PNG file, atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPng());
}

/// <summary>PNG encoding for 8-bit greyscale (colour type 0) and 8-bit RGB (colour type 2), no interlacing.</summary>
public static class Png
{
    static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    static readonly uint[] CrcTable = MakeCrcTable();

    /// <summary>Encodes <paramref name="pixels"/> [height, width, channels] (channels 1 = grey, 3 = RGB) as a PNG file.</summary>
    /// <exception cref="ArgumentException">Non-positive size, unsupported channel count, or a pixel buffer of the wrong length.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        CheckSize(width, height, channels, pixels.Length);
        int stride = width * channels;

        // Filter type 2 (Up: each byte minus the byte above it) on every row; the first row's "above" is zeros, so it is
        // stored as is. Decoder-means grids vary smoothly down a column, so Up leaves deflate long runs of small values:
        // the 579 x 579 MNIST manifold (Fig. 4) took 240 KB with filter None and about 177 KB with Up.
        byte[] idat;
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[1 + stride];
                row[0] = 2;
                for (int y = 0; y < height; y++)
                {
                    var cur = pixels.Slice(y * stride, stride);
                    if (y == 0) cur.CopyTo(row.AsSpan(1));
                    else
                    {
                        var above = pixels.Slice((y - 1) * stride, stride);
                        for (int i = 0; i < stride; i++) row[1 + i] = unchecked((byte)(cur[i] - above[i]));
                    }
                    z.Write(row);
                }
            }
            idat = compressed.ToArray();
        }

        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;                                   // bit depth
        ihdr[9] = channels == 1 ? (byte)0 : (byte)2;   // colour type: grey or truecolour
        ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;      // deflate, adaptive filtering, no interlace

        using var png = new MemoryStream(Signature.Length + 3 * 12 + ihdr.Length + idat.Length);
        png.Write(Signature);
        WriteChunk(png, "IHDR"u8, ihdr);
        WriteChunk(png, "IDAT"u8, idat);
        WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Encodes a greyscale image [height, width].</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 1);

    /// <summary>Encodes an RGB image [height, width, 3].</summary>
    public static byte[] EncodeRgb(ReadOnlySpan<byte> pixels, int width, int height) => Encode(pixels, width, height, 3);

    /// <summary>The CRC-32 used by PNG (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320).</summary>
    public static uint Crc32(ReadOnlySpan<byte> data) => UpdateCrc(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    static uint UpdateCrc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    static uint[] MakeCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    // Chunk = length (big-endian, data only) + type + data + CRC over type and data.
    static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        s.Write(word);
        s.Write(type);
        s.Write(data);
        uint crc = UpdateCrc(UpdateCrc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }

    internal static void CheckSize(int width, int height, int channels, int? pixelLength)
    {
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width} x {height} must be positive");
        if (channels is not (1 or 3)) throw new ArgumentException($"channels ({channels}) must be 1 (grey) or 3 (RGB)");
        long need = (long)width * height * channels;
        if (need > Array.MaxLength) throw new ArgumentException($"image {width} x {height} x {channels} is too large ({need} bytes)");
        if (pixelLength is int n && n != need)
            throw new ArgumentException($"pixel buffer has {n} bytes, a {width} x {height} x {channels} image needs {need}");
    }
}
