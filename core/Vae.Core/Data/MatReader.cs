// MATLAB MAT-file v5 / v7 (little-endian): numeric matrices, plain or inside zlib miCOMPRESSED elements.
// Owns: header and element parsing with bounds checks, numeric class -> float32 (column-major, as stored).
// Must not: reorient images or know datasets (Datasets.cs does that); cells, structs, chars, sparse are skipped.
using System.Buffers.Binary;

namespace Vae.Core.Data;

/// <summary>MATLAB array classes (mxClassID).</summary>
public enum MatClass : byte
{
    Unknown = 0, Cell = 1, Struct = 2, Object = 3, Char = 4, Sparse = 5, Double = 6, Single = 7, Int8 = 8, UInt8 = 9,
    Int16 = 10, UInt16 = 11, Int32 = 12, UInt32 = 13, Int64 = 14, UInt64 = 15, Function = 16, Opaque = 17,
}

/// <summary>One variable of a MAT file. <see cref="ColumnMajor"/> holds a numeric variable's values in MATLAB's
/// column-major order (element (r, c) of a 2-D matrix at r + c * Rows), or null when it is not numeric or not loaded.</summary>
public sealed record MatVariable(string Name, MatClass Class, int[] Dims, float[]? ColumnMajor)
{
    /// <summary>First dimension.</summary>
    public int Rows => Dims.Length > 0 ? Dims[0] : 0;
    /// <summary>Product of all dimensions after the first.</summary>
    public int Cols => Dims.Length > 1 ? Dims[1..].Aggregate(1, (a, b) => a * b) : 1;
    /// <summary>True for the classes this reader converts to float32.</summary>
    public bool IsNumeric => Class is >= MatClass.Double and <= MatClass.UInt64;
    /// <summary>"uint8 560x1965" style description for messages.</summary>
    public override string ToString() => $"{Name} ({Class.ToString().ToLowerInvariant()} {string.Join("x", Dims)})";
}

/// <summary>The variables of a MAT v5 file (v7 included: v5 plus compressed elements). MAT v7.3 (HDF5),
/// v4 and big-endian files are rejected with a <see cref="DataFormatException"/>.</summary>
public sealed class MatFile
{
    const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;

    /// <summary>The file the variables came from.</summary>
    public string Path { get; }
    /// <summary>The 116-byte descriptive text of the header, trimmed.</summary>
    public string HeaderText { get; }
    /// <summary>All variables in file order (data loaded only for the requested numeric ones).</summary>
    public IReadOnlyList<MatVariable> Variables { get; }

    MatFile(string path, string text, List<MatVariable> vars) => (Path, HeaderText, Variables) = (path, text, vars);

    /// <summary>Reads <paramref name="path"/>; loads the data of the numeric variables named in <paramref name="load"/>
    /// (all numeric variables when null), parsing past everything else.</summary>
    public static MatFile Read(string path, IReadOnlyCollection<string>? load = null) => Parse(Compression.ReadFile(path), path, load);

    /// <summary>Parses MAT bytes already in memory; <paramref name="path"/> is for messages.</summary>
    public static MatFile Parse(byte[] b, string path, IReadOnlyCollection<string>? load = null)
    {
        string text = Encoding.ASCII.GetString(b, 0, Math.Min(116, b.Length)).TrimEnd('\0', ' ');
        if (text.StartsWith("MATLAB 7.3", StringComparison.Ordinal) || HasHdf5Signature(b))
            throw new DataFormatException(path, "expected a MAT v5/v7 file, found MAT v7.3 (HDF5), which this reader does not support: " +
                "re-save it in MATLAB with save(file, '-v7') or convert it with scipy.io.savemat");
        if (b.Length < 128)
            throw new DataFormatException(path, $"expected a 128-byte MAT v5 header, found a file of {b.Length} bytes");
        char e0 = (char)b[126], e1 = (char)b[127];
        if (e0 == 'M' && e1 == 'I')
            throw new DataFormatException(path, "expected a little-endian MAT file (endian indicator 'IM'), found a big-endian one ('MI')");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(124));
        if (e0 != 'I' || e1 != 'M' || version != 0x0100)
            throw new DataFormatException(path, $"expected a MAT v5 header (version 0x0100, endian indicator 'IM' at byte 126), " +
                $"found version 0x{version:x4} and bytes {b[126]:x2} {b[127]:x2} (header text: \"{Printable(text)}\")");
        var vars = new List<MatVariable>();
        ParseElements(b.AsSpan(128), 128, path, load, vars, insideCompressed: false);
        return new MatFile(path, text, vars);
    }

    /// <summary>The variable called <paramref name="name"/>; a missing one names the variables that exist.</summary>
    public MatVariable Get(string name) =>
        Variables.FirstOrDefault(v => v.Name == name)
        ?? throw new DataFormatException(Path, $"expected a variable '{name}', found " +
            (Variables.Count == 0 ? "no variables" : $"only {string.Join(", ", Variables)}"));

    /// <summary>The loaded numeric 2-D matrix <paramref name="name"/>, optionally checking its shape (-1 = any).</summary>
    public MatVariable GetMatrix(string name, int rows = -1, int cols = -1)
    {
        var v = Get(name);
        if (!v.IsNumeric) throw new DataFormatException(Path, $"expected '{name}' to be a numeric matrix, found {v}");
        if (v.ColumnMajor is null) throw new InvalidOperationException($"{Path}: variable '{name}' was not requested when the file was read");
        if (v.Dims.Length != 2) throw new DataFormatException(Path, $"expected '{name}' to be 2-D, found {v}");
        if ((rows >= 0 && v.Rows != rows) || (cols >= 0 && v.Cols != cols))
            throw new DataFormatException(Path, $"expected '{name}' of shape {(rows < 0 ? "any" : rows)} x {(cols < 0 ? "any" : cols)}, found {v}");
        return v;
    }

    static bool HasHdf5Signature(byte[] b)
    {
        ReadOnlySpan<byte> sig = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0d, 0x0a, 0x1a, 0x0a];
        return (b.Length >= 8 && b.AsSpan(0, 8).SequenceEqual(sig)) || (b.Length >= 520 && b.AsSpan(512, 8).SequenceEqual(sig));
    }

    static string Printable(string s) => new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').Take(60).ToArray());

    static void ParseElements(ReadOnlySpan<byte> s, long baseOffset, string path, IReadOnlyCollection<string>? load,
        List<MatVariable> vars, bool insideCompressed)
    {
        int pos = 0;
        while (pos < s.Length)
        {
            long at = baseOffset + pos;
            if (s.Length - pos < 8)
                throw new DataFormatException(path, $"truncated element tag at byte {at}: expected 8 bytes, found {s.Length - pos}");
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(s[pos..]);
            uint nbytes = BinaryPrimitives.ReadUInt32LittleEndian(s[(pos + 4)..]);
            if (nbytes > s.Length - pos - 8)
                throw new DataFormatException(path, $"element at byte {at} (type {type}) declares {nbytes} bytes, " +
                    $"found only {s.Length - pos - 8} before the end (file truncated or header size wrong)");
            var body = s.Slice(pos + 8, (int)nbytes);
            string where = $"element at byte {at}";
            if (type == MiCompressed)
            {
                if (insideCompressed) throw new DataFormatException(path, $"{where}: expected no compressed element inside a compressed one, found one");
                byte[] inner = Compression.Inflate(body, path, $"miCOMPRESSED {where}");
                ParseElements(inner, 0, path, load, vars, insideCompressed: true);
                pos += 8 + (int)nbytes;
                continue;
            }
            if (type == MiMatrix && nbytes > 0)
                vars.Add(ParseMatrix(body, at + 8, path, load, insideCompressed ? $"{where} of a compressed element" : where));
            pos += 8 + (int)nbytes; // as scipy: no extra alignment at this level (MATLAB's sizes are multiples of 8)
        }
    }

    static MatVariable ParseMatrix(ReadOnlySpan<byte> m, long offset, string path, IReadOnlyCollection<string>? load, string where)
    {
        int pos = 0;
        var (ft, fs, fl) = Sub(m, ref pos, offset, path, where, "array flags");
        var flags = m.Slice(fs, fl);
        if (ft != MiUInt32 || flags.Length < 4)
            throw new DataFormatException(path, $"{where}: expected array flags (miUINT32, 8 bytes), found type {ft} with {flags.Length} bytes");
        uint f = BinaryPrimitives.ReadUInt32LittleEndian(flags);
        var cls = (MatClass)(f & 0xff);
        bool complex = (f & 0x800) != 0;
        var (dt, ds, dl) = Sub(m, ref pos, offset, path, where, "dimensions");
        var dimBytes = m.Slice(ds, dl);
        if (dt != MiInt32 || dimBytes.Length < 8 || dimBytes.Length % 4 != 0)
            throw new DataFormatException(path, $"{where}: expected dimensions (miINT32, at least 2), found type {dt} with {dimBytes.Length} bytes");
        var dims = new int[dimBytes.Length / 4];
        long count = 1;
        for (int k = 0; k < dims.Length; k++)
        {
            dims[k] = BinaryPrimitives.ReadInt32LittleEndian(dimBytes[(4 * k)..]);
            if (dims[k] < 0) throw new DataFormatException(path, $"{where}: expected non-negative dimensions, found {dims[k]}");
            count *= dims[k];
            if (count > Array.MaxLength) throw new DataFormatException(path, $"{where}: {string.Join("x", dims)} elements exceed the largest array");
        }
        var (nt, ns, nl) = Sub(m, ref pos, offset, path, where, "array name");
        var nameBytes = m.Slice(ns, nl);
        if (nt != MiInt8 && nt != MiUInt8)
            throw new DataFormatException(path, $"{where}: expected the array name (miINT8), found type {nt}");
        string name = Encoding.ASCII.GetString(nameBytes);
        var v = new MatVariable(name, cls, dims, null);
        bool wanted = v.IsNumeric && (load is null || load.Contains(name));
        if (!wanted) return v; // cells, structs, chars, sparse, unrequested: the caller skips the whole element
        if (complex) throw new DataFormatException(path, $"{where}: expected a real matrix '{name}', found a complex one");
        var (rt, rs, rl) = Sub(m, ref pos, offset, path, where, $"data of '{name}'");
        return v with { ColumnMajor = Convert(rt, m.Slice(rs, rl), count, path, $"{where}: '{name}'") };
    }

    /// <summary>Reads one sub-element (normal or small-data format) and advances past its 8-byte padding.</summary>
    static (uint Type, int Start, int Length) Sub(ReadOnlySpan<byte> m, ref int pos, long offset, string path, string where, string what)
    {
        if (m.Length - pos < 8)
            throw new DataFormatException(path, $"{where}: expected the {what} tag (8 bytes) at byte {offset + pos}, found {Math.Max(0, m.Length - pos)} bytes");
        uint w = BinaryPrimitives.ReadUInt32LittleEndian(m[pos..]);
        if (w >> 16 != 0) // small data element: size in the high half, up to 4 bytes of data in the tag
        {
            int n = (int)(w >> 16);
            if (n > 4) throw new DataFormatException(path, $"{where}: small {what} element declares {n} bytes, at most 4 fit");
            pos += 8;
            return (w & 0xffff, pos - 4, n);
        }
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(m[(pos + 4)..]);
        if (len > m.Length - pos - 8)
            throw new DataFormatException(path, $"{where}: {what} declares {len} bytes, found only {m.Length - pos - 8} in the matrix element");
        int start = pos + 8;
        pos = (int)Math.Min(m.Length, start + ((len + 7) & ~7u));
        return (w, start, (int)len);
    }

    static float[] Convert(uint type, ReadOnlySpan<byte> d, long count, string path, string what)
    {
        int size = type switch
        {
            MiInt8 or MiUInt8 => 1, MiInt16 or MiUInt16 => 2, MiInt32 or MiUInt32 or MiSingle => 4,
            MiDouble or MiInt64 or MiUInt64 => 8,
            _ => throw new DataFormatException(path, $"{what}: expected numeric data, found element type {type}"),
        };
        if (d.Length != count * size)
            throw new DataFormatException(path, $"{what}: dimensions give {count} elements ({count * size} bytes of type {type}), found {d.Length} bytes");
        var x = new float[count]; // column-major, as stored
        switch (type)
        {
            case MiUInt8: for (int i = 0; i < x.Length; i++) x[i] = d[i]; break;
            case MiInt8: for (int i = 0; i < x.Length; i++) x[i] = (sbyte)d[i]; break;
            case MiInt16: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadInt16LittleEndian(d[(2 * i)..]); break;
            case MiUInt16: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadUInt16LittleEndian(d[(2 * i)..]); break;
            case MiInt32: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadInt32LittleEndian(d[(4 * i)..]); break;
            case MiUInt32: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadUInt32LittleEndian(d[(4 * i)..]); break;
            case MiSingle: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadSingleLittleEndian(d[(4 * i)..]); break;
            case MiDouble: for (int i = 0; i < x.Length; i++) x[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(d[(8 * i)..]); break;
            case MiInt64: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadInt64LittleEndian(d[(8 * i)..]); break;
            case MiUInt64: for (int i = 0; i < x.Length; i++) x[i] = BinaryPrimitives.ReadUInt64LittleEndian(d[(8 * i)..]); break;
        }
        return x;
    }
}
