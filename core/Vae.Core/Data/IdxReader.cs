// IDX files (MNIST, Fashion-MNIST), plain or gzip: big-endian header, uint8 data, row-major.
// Owns: IDX header checks, uint8 -> float32 in [0, 1], image/label pairing. Must not: know file names, URLs or checksums.
using System.Buffers.Binary;

namespace Vae.Core.Data;

/// <summary>Reader for IDX files of unsigned bytes (type 0x08): images N x Rows x Cols (magic 0x00000803) and
/// labels N (magic 0x00000801). Pixels are scaled to [0, 1] as value / 255.</summary>
public static class IdxReader
{
    const byte UnsignedByte = 0x08;

    /// <summary>Images from an IDX file (gzip or plain): [N, Rows*Cols] in [0, 1], no labels.</summary>
    public static ImageSet ReadImages(string path) => ParseImages(Compression.ReadFile(path), path);

    /// <summary>Labels [N] from an IDX file (gzip or plain).</summary>
    public static int[] ReadLabels(string path) => ParseLabels(Compression.ReadFile(path), path);

    /// <summary>Images and labels from two IDX files; their counts must agree.</summary>
    public static ImageSet Read(string imagesPath, string labelsPath) =>
        Pair(ReadImages(imagesPath), ReadLabels(labelsPath), imagesPath, labelsPath);

    /// <summary>Attaches <paramref name="labels"/> to <paramref name="images"/>; a count mismatch names both files.</summary>
    public static ImageSet Pair(ImageSet images, int[] labels, string imagesPath, string labelsPath)
    {
        if (labels.Length != images.N)
            throw new DataFormatException(labelsPath, $"label count ({labels.Length}) != image count ({images.N}) of {imagesPath}");
        return images.WithLabels(labels);
    }

    /// <summary>Parses image IDX bytes (gzip or plain) already in memory; <paramref name="path"/> is for messages.</summary>
    public static ImageSet ParseImages(byte[] fileBytes, string path)
    {
        var (dims, bytes, offset) = Parse(fileBytes, path, expectedDims: 3);
        ReadOnlySpan<byte> data = bytes.AsSpan(offset);
        int n = dims[0], rows = dims[1], cols = dims[2];
        if (rows == 0 || cols == 0) throw new DataFormatException(path, $"expected non-empty images, found {rows} x {cols}");
        // Kept as bytes (pixel = v / 255, ImageSet.Level): a quarter of the memory of float32.
        return ImageSet.FromLevels(data.ToArray(), n, rows, cols, labels: null);
    }

    /// <summary>Parses label IDX bytes (gzip or plain) already in memory; <paramref name="path"/> is for messages.</summary>
    public static int[] ParseLabels(byte[] fileBytes, string path)
    {
        var (_, bytes, offset) = Parse(fileBytes, path, expectedDims: 1);
        ReadOnlySpan<byte> data = bytes.AsSpan(offset);
        var y = new int[data.Length]; // [N]
        for (int i = 0; i < data.Length; i++) y[i] = data[i];
        return y;
    }

    /// <summary>Checks the header against the file length and returns the dimensions and the data bytes.</summary>
    static (int[] Dims, byte[] Bytes, int Offset) Parse(byte[] fileBytes, string path, int expectedDims)
    {
        byte[] b = Compression.MaybeGunzip(fileBytes, path);
        uint expectedMagic = (uint)(UnsignedByte << 8 | expectedDims);
        if (b.Length < 4)
            throw new DataFormatException(path, $"expected a 4-byte IDX magic number 0x{expectedMagic:x8}, found a file of {b.Length} bytes");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(b);
        if (magic != expectedMagic)
            throw new DataFormatException(path,
                $"wrong magic number: expected 0x{expectedMagic:x8} (IDX, unsigned byte, {expectedDims} dimension{(expectedDims > 1 ? "s" : "")}), found 0x{magic:x8}");
        int header = 4 + 4 * expectedDims;
        if (b.Length < header)
            throw new DataFormatException(path, $"truncated header: expected {header} bytes, found {b.Length}");
        var dims = new int[expectedDims];
        long count = 1;
        for (int k = 0; k < expectedDims; k++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(4 + 4 * k));
            if (d > int.MaxValue) throw new DataFormatException(path, $"dimension {k} is {d}, more than this reader supports ({int.MaxValue})");
            dims[k] = (int)d; count *= d;
        }
        long found = b.Length - header;
        if (found != count)
            throw new DataFormatException(path,
                $"header says {string.Join(" x ", dims)} = {count} data bytes, found {found} " +
                (found < count ? "(file truncated)" : "(trailing bytes)"));
        return (dims, b, header);
    }
}
