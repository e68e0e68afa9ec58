// Writers for the small data files the data tests create themselves (IDX, MAT v5 plain and compressed, amat),
// written from the format specifications independently of the readers, plus a temporary folder.
// Must not: call the readers under test.
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Vae.Tests.Data;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("vae-data-test-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}

public static class TestFiles
{
    /// <summary>IDX bytes: magic 0x0000_08_nd, big-endian dims, then the data.</summary>
    public static byte[] Idx(int[] dims, byte[] data)
    {
        var b = new byte[4 + 4 * dims.Length + data.Length];
        b[2] = 0x08; b[3] = (byte)dims.Length;
        for (int k = 0; k < dims.Length; k++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * k), dims[k]);
        data.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] Amat(float[,] x)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < x.GetLength(0); i++)
        {
            for (int j = 0; j < x.GetLength(1); j++) sb.Append(j == 0 ? "" : " ").Append(x[i, j].ToString(System.Globalization.CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    // MAT v5 element types and array classes (MATLAB "MAT-File Format" document, tables 1-2 and 1-3).
    public const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiMatrix = 14, MiCompressed = 15, MiUtf16 = 17;
    public const int MxCell = 1, MxChar = 4, MxDouble = 6, MxSingle = 7, MxInt16 = 10, MxUInt8 = 9;

    /// <summary>The 128-byte header: text, subsystem offset, version 0x0100, endian indicator "IM".</summary>
    public static byte[] MatHeader(string text = "MATLAB 5.0 MAT-file, Platform: test, Created by Vae.Tests")
    {
        var h = new byte[128];
        Encoding.ASCII.GetBytes(text.PadRight(116)).AsSpan(0, 116).CopyTo(h);
        h[124] = 0x00; h[125] = 0x01; h[126] = (byte)'I'; h[127] = (byte)'M';
        return h;
    }

    /// <summary>A data element: 8-byte tag (or the 4-byte small format when allowed and it fits), data, padding to 8.</summary>
    public static byte[] Element(int type, byte[] data, bool allowSmall = true)
    {
        if (allowSmall && data.Length <= 4)
        {
            var s = new byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)(data.Length << 16 | type));
            data.CopyTo(s, 4);
            return s;
        }
        int padded = (data.Length + 7) & ~7;
        var e = new byte[8 + padded];
        BinaryPrimitives.WriteInt32LittleEndian(e, type);
        BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(4), data.Length);
        data.CopyTo(e, 8);
        return e;
    }

    static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A miMATRIX element holding a 2-D numeric matrix; <paramref name="rowMajor"/> [rows, cols] is written column-major.</summary>
    public static byte[] MatMatrix(string name, double[,] rowMajor, int mxClass, int miType)
    {
        int rows = rowMajor.GetLength(0), cols = rowMajor.GetLength(1);
        int size = miType switch { MiUInt8 or MiInt8 => 1, MiInt16 or MiUInt16 => 2, MiInt32 or MiUInt32 or MiSingle => 4, _ => 8 };
        var data = new byte[rows * cols * size];
        int k = 0;
        for (int c = 0; c < cols; c++)
            for (int r = 0; r < rows; r++, k++)
            {
                double v = rowMajor[r, c];
                var span = data.AsSpan(k * size);
                switch (miType)
                {
                    case MiUInt8: data[k] = (byte)v; break;
                    case MiInt16: BinaryPrimitives.WriteInt16LittleEndian(span, (short)v); break;
                    case MiSingle: BinaryPrimitives.WriteSingleLittleEndian(span, (float)v); break;
                    case MiDouble: BinaryPrimitives.WriteDoubleLittleEndian(span, v); break;
                    default: throw new ArgumentException($"writer does not do type {miType}");
                }
            }
        return MatrixElement(name, mxClass, [rows, cols], Element(miType, data));
    }

    /// <summary>A miMATRIX element with the given class, dimensions and already-encoded remaining sub-elements.</summary>
    public static byte[] MatrixElement(string name, int mxClass, int[] dims, params byte[][] rest)
    {
        var flags = new byte[8]; flags[0] = (byte)mxClass;
        var dimBytes = new byte[4 * dims.Length];
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(dimBytes.AsSpan(4 * i), dims[i]);
        var body = Concat([Element(MiUInt32, flags, allowSmall: false), Element(MiInt32, dimBytes, allowSmall: false),
            Element(MiInt8, Encoding.ASCII.GetBytes(name)), .. rest]);
        return Element(MiMatrix, body, allowSmall: false);
    }

    /// <summary>A char variable (MATLAB strings), which the reader must parse past.</summary>
    public static byte[] MatChar(string name, string text) =>
        MatrixElement(name, MxChar, [1, text.Length], Element(MiUtf16, Encoding.Unicode.GetBytes(text)));

    /// <summary>A 1 x n cell array of strings (like Caltech's classnames), which the reader must parse past.</summary>
    public static byte[] MatCell(string name, params string[] items) =>
        MatrixElement(name, MxCell, [1, items.Length], items.Select(s => MatChar("", s)).ToArray());

    /// <summary>Wraps an element in a miCOMPRESSED element (zlib), unpadded, as MATLAB -v7 writes them.</summary>
    public static byte[] Compressed(byte[] element)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(element);
        byte[] zb = ms.ToArray();
        var e = new byte[8 + zb.Length];
        BinaryPrimitives.WriteInt32LittleEndian(e, MiCompressed);
        BinaryPrimitives.WriteInt32LittleEndian(e.AsSpan(4), zb.Length);
        zb.CopyTo(e, 8);
        return e;
    }

    public static byte[] Mat(params byte[][] elements) => Concat([MatHeader(), .. elements]);
}
