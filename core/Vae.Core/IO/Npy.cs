// NumPy's .npy format, version 1.0, for float32 matrices: magic "\x93NUMPY", version 1 0, a 2-byte little-endian header
// length, an ASCII dict {'descr': '<f4', 'fortran_order': False, 'shape': (R, C), } padded with spaces and a newline to
// a multiple of 64 bytes, then the row-major little-endian data (numpy.load reads it). Owns: writing and reading back
// that one case. Must not: know what the matrix holds.
using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace Vae.Core.IO;

/// <summary>Writes (and reads back, for tests and round trips) float32 [rows, cols] arrays as .npy files.</summary>
public static partial class Npy
{
    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes data [rows, cols] (row-major) to path, atomically.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != data.Length)
            throw new ArgumentException($"npy: [{rows}, {cols}] holds {(long)rows * cols} values, data has {data.Length}");
        string dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
        int total = (10 + dict.Length + 1 + 63) / 64 * 64; // magic 6 + version 2 + length 2, dict, '\n'
        var header = new byte[total];
        Magic.CopyTo(header); header[6] = 1; header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(header, 10);
        header.AsSpan(10 + dict.Length, total - 11 - dict.Length).Fill((byte)' ');
        header[total - 1] = (byte)'\n';
        var bytes = new byte[total + 4L * data.Length];
        header.CopyTo(bytes, 0);
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(total + 4 * i), data[i]);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Reads a file written by <see cref="Write"/> (v1.0, '&lt;f4', C order, 2-D); anything else is an
    /// <see cref="InvalidDataException"/> that names the file and what was found.</summary>
    public static (float[] Data, int Rows, int Cols) Read(string path)
    {
        var b = File.ReadAllBytes(path);
        InvalidDataException Bad(string what) => new($"{path}: not a float32 2-D .npy file: {what}");
        if (b.Length < 10 || !b.AsSpan(0, 6).SequenceEqual(Magic)) throw Bad("no \\x93NUMPY magic");
        if (b[6] != 1) throw Bad($"version {b[6]}.{b[7]}, expected 1.0");
        int hl = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8));
        if (10 + hl > b.Length || (10 + hl) % 64 != 0) throw Bad($"header length {hl} (data must start 64-byte aligned inside the file)");
        string dict = Encoding.ASCII.GetString(b, 10, hl);
        var m = HeaderPattern().Match(dict);
        if (!m.Success) throw Bad($"header {dict.Trim()}");
        int rows = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), cols = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        if (b.Length - 10 - hl != 4L * rows * cols) throw Bad($"shape ({rows}, {cols}) needs {4L * rows * cols} data bytes, file has {b.Length - 10 - hl}");
        var data = new float[rows * cols];
        for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(10 + hl + 4 * i));
        return (data, rows, cols);
    }

    [GeneratedRegex(@"^\{'descr': '<f4', 'fortran_order': False, 'shape': \((\d+), (\d+)\), \} *\n$")]
    private static partial Regex HeaderPattern();
}
