// Test-side PNG decoder, written independently of Png.cs: parses chunks, checks every CRC with a bitwise
// (table-free) CRC-32, inflates IDAT and undoes all five row filters, so the encoder is checked end to end.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Vae.Tests.IO;

sealed record DecodedPng(int Width, int Height, int Channels, byte[] Pixels, List<string> ChunkTypes);

static class PngDecoder
{
    public static DecodedPng Decode(byte[] png)
    {
        byte[] sig = [137, 80, 78, 71, 13, 10, 26, 10];
        Assert.True(png.AsSpan(0, 8).SequenceEqual(sig), "PNG signature");
        int pos = 8, width = 0, height = 0, channels = 0;
        var types = new List<string>();
        using var idat = new MemoryStream();
        while (pos < png.Length)
        {
            int len = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(png, pos + 4, 4);
            var data = png.AsSpan(pos + 8, len);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos + 8 + len));
            Assert.Equal(BitwiseCrc32(png.AsSpan(pos + 4, 4 + len)), crc);
            types.Add(type);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                Assert.Equal(8, data[8]);
                channels = data[9] switch { 0 => 1, 2 => 3, _ => throw new Xunit.Sdk.XunitException($"colour type {data[9]}") };
                Assert.Equal(0, data[12]); // no interlace
            }
            else if (type == "IDAT") idat.Write(data);
            pos += 12 + len;
        }
        Assert.Equal(png.Length, pos);

        idat.Position = 0;
        using var z = new ZLibStream(idat, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        z.CopyTo(raw);
        byte[] r = raw.ToArray();
        int stride = width * channels;
        Assert.Equal(height * (stride + 1), r.Length);
        var px = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = r[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int v = r[y * (stride + 1) + 1 + x];
                int a = x >= channels ? px[y * stride + x - channels] : 0;
                int b = y > 0 ? px[(y - 1) * stride + x] : 0;
                int c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
                v += filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, 4 => Paeth(a, b, c), _ => throw new Xunit.Sdk.XunitException($"filter {filter}") };
                px[y * stride + x] = (byte)v;
            }
        }
        return new DecodedPng(width, height, channels, px, types);
    }

    static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte d in data)
        {
            crc ^= d;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
