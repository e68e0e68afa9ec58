// The checkpoint file format (version 1): save atomically, load with every byte checked before it is trusted.
// Owns: byte layout, magic / version / length / SHA-256 checks, the bounds-checked reader, clear format errors.
// Must not: interpret names or values (CheckpointData holds them, the trainer gives them meaning).
using System.Runtime.InteropServices;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Vae.Core.IO;

/// <summary>
/// Versioned binary checkpoints. Layout (all integers little-endian, floats as raw IEEE-754 bits):
/// <code>
/// offset 0   8 bytes   magic "VAECKPT\0"
/// offset 8   uint32    format version (1)
/// offset 12  uint64    total file length in bytes, checksum included
/// offset 20  string    spec JSON                       (string = int32 byte count + UTF-8 bytes)
///            int32 n,  n x { string name; int64 value }                      counters, sorted by name
///            int32 n,  n x { string name; 4 x uint64 words; float64 spare; uint8 hasSpare }  RNGs, sorted
///            int32 n,  n x { string name; int32 count; count x float32 }     float arrays, caller's order
///            int32 n,  n x { string name; int32 count; count x int32 }       int arrays, caller's order
/// end - 32   32 bytes  SHA-256 of every byte before it
/// </code>
/// Sorting the dictionaries makes equal data give identical files.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format version this build writes and reads.</summary>
    public const uint FormatVersion = 1;

    static ReadOnlySpan<byte> Magic => "VAECKPT\0"u8;
    const int HeaderBytes = 20, ChecksumBytes = 32;

    /// <summary>Writes <paramref name="data"/> to <paramref name="path"/> atomically (temp file, flush, rename).</summary>
    /// <exception cref="ArgumentException">An empty or duplicate name within one kind of entry.</exception>
    public static void Save(string path, CheckpointData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireLittleEndian();
        ValidateNames(data);
        long total = Serialize(new Sink(null), data, 0); // sizing pass: counts bytes, writes nothing
        AtomicFile.Write(path, stream =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var sink = new Sink(stream, hash);
            long written = Serialize(sink, data, total);
            if (written != total) throw new InvalidOperationException($"checkpoint writer wrote {written} bytes, sized {total}");
            stream.Write(hash.GetHashAndReset());
        });
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>; <see cref="CheckpointData.Source"/> is set to the path.</summary>
    /// <exception cref="CheckpointFormatException">Empty, truncated, corrupted, wrong magic, or wrong version.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static CheckpointData Load(string path)
    {
        RequireLittleEndian();
        string full = Path.GetFullPath(path);
        var kind = Inputs.FileKinds.Of(full);
        if (kind is not (Inputs.FileKind.Regular or Inputs.FileKind.Missing)) // missing: ReadAllBytes says so
            throw new CheckpointFormatException(full, $"is {Inputs.FileKinds.Describe(kind)}, expected a checkpoint file");
        byte[] bytes = File.ReadAllBytes(full);
        Verify(full, bytes);
        var r = new Reader(full, bytes.AsSpan(0, bytes.Length - ChecksumBytes), HeaderBytes);

        string spec = r.String("spec JSON");
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        int n = r.Count("counter");
        for (int i = 0; i < n; i++) Add(full, counters, r.String("counter name"), r.Int64("counter value"), "counter");

        var rngs = new Dictionary<string, RngState>(StringComparer.Ordinal);
        n = r.Count("RNG state");
        for (int i = 0; i < n; i++)
        {
            string name = r.String("RNG name");
            var s = new RngState(r.UInt64("RNG word"), r.UInt64("RNG word"), r.UInt64("RNG word"), r.UInt64("RNG word"),
                                 BitConverter.Int64BitsToDouble((long)r.UInt64("RNG spare normal")), r.Flag("RNG spare flag"));
            Add(full, rngs, name, s, "RNG state");
        }

        var floats = ReadArrays<float>(ref r, full, "float array");
        var ints = ReadArrays<int>(ref r, full, "int array");
        if (r.Remaining != 0)
            throw new CheckpointFormatException(full, $"{r.Remaining} unexpected bytes after the last entry (at byte {r.Position}), expected the checksum");
        return new CheckpointData(spec, floats, ints, rngs, counters) { Source = full };
    }

    /// <summary>Checks magic, version, length and checksum before any content is read.</summary>
    static void Verify(string file, byte[] b)
    {
        if (b.Length == 0)
            throw new CheckpointFormatException(file, "the file is empty (0 bytes); expected a checkpoint starting with magic \"VAECKPT\\0\"");
        int m = Math.Min(b.Length, Magic.Length);
        if (!b.AsSpan(0, m).SequenceEqual(Magic[..m]))
            throw new CheckpointFormatException(file,
                $"not a checkpoint: expected magic \"VAECKPT\\0\" ({Hex(Magic)}), found {Hex(b.AsSpan(0, m))} (\"{Printable(b.AsSpan(0, m))}\")");
        if (b.Length < HeaderBytes)
            throw new CheckpointFormatException(file, $"truncated: {b.Length} bytes, shorter than the {HeaderBytes}-byte header");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        if (version != FormatVersion)
            throw new CheckpointFormatException(file, $"format version {version}, this build reads version {FormatVersion}");
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(12));
        if ((ulong)b.Length < declared)
            throw new CheckpointFormatException(file, $"truncated: {b.Length} bytes, the header declares {declared}");
        if ((ulong)b.Length > declared)
            throw new CheckpointFormatException(file,
                $"{b.Length} bytes but the header declares {declared} (trailing data or a corrupted length field)");
        if (b.Length < HeaderBytes + ChecksumBytes)
            throw new CheckpointFormatException(file, $"{b.Length} bytes cannot hold the header and the {ChecksumBytes}-byte checksum");
        var body = b.AsSpan(0, b.Length - ChecksumBytes);
        var stored = b.AsSpan(b.Length - ChecksumBytes);
        Span<byte> computed = stackalloc byte[ChecksumBytes];
        SHA256.HashData(body, computed);
        if (!computed.SequenceEqual(stored))
            throw new CheckpointFormatException(file,
                $"corrupted: SHA-256 checksum mismatch (stored {Convert.ToHexStringLower(stored)}, computed {Convert.ToHexStringLower(computed)})");
    }

    static long Serialize(Sink s, CheckpointData d, long total)
    {
        s.Bytes(Magic);
        s.UInt32(FormatVersion);
        s.UInt64((ulong)total);
        s.String(d.SpecJson ?? "");
        s.Int32(d.Counters.Count);
        foreach (var (name, v) in Sorted(d.Counters)) { s.String(name); s.UInt64((ulong)v); }
        s.Int32(d.Rngs.Count);
        foreach (var (name, st) in Sorted(d.Rngs))
        {
            s.String(name);
            s.UInt64(st.S0); s.UInt64(st.S1); s.UInt64(st.S2); s.UInt64(st.S3);
            s.UInt64((ulong)BitConverter.DoubleToInt64Bits(st.Spare));
            s.Bytes([st.HasSpare ? (byte)1 : (byte)0]);
        }
        WriteArrays(s, d.Floats);
        WriteArrays(s, d.Ints);
        return s.Count + ChecksumBytes;
    }

    static void WriteArrays<T>(Sink s, IReadOnlyList<NamedArray<T>> arrays) where T : unmanaged
    {
        s.Int32(arrays.Count);
        foreach (var a in arrays)
        {
            s.String(a.Name);
            s.Int32(a.Data.Length);
            s.Bytes(MemoryMarshal.AsBytes(a.Data.AsSpan()));
        }
    }

    static List<NamedArray<T>> ReadArrays<T>(ref Reader r, string file, string kind) where T : unmanaged
    {
        int n = r.Count(kind);
        var list = new List<NamedArray<T>>(n);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            string name = r.String($"{kind} name");
            if (!seen.Add(name)) throw new CheckpointFormatException(file, $"{kind} '{name}' appears twice");
            int count = r.Count($"{kind} '{name}' length");
            r.Require((long)count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), $"{kind} '{name}' ({count} values)"); // before allocating
            var data = new T[count];
            r.Bytes(MemoryMarshal.AsBytes(data.AsSpan()), $"{kind} '{name}' ({count} values)");
            list.Add(new NamedArray<T>(name, data));
        }
        return list;
    }

    static IEnumerable<KeyValuePair<string, T>> Sorted<T>(IReadOnlyDictionary<string, T> d) =>
        d.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    static void Add<T>(string file, Dictionary<string, T> d, string name, T value, string kind)
    {
        if (!d.TryAdd(name, value)) throw new CheckpointFormatException(file, $"{kind} '{name}' appears twice");
    }

    static void ValidateNames(CheckpointData d)
    {
        ArgumentNullException.ThrowIfNull(d.Floats); ArgumentNullException.ThrowIfNull(d.Ints);
        ArgumentNullException.ThrowIfNull(d.Rngs); ArgumentNullException.ThrowIfNull(d.Counters);
        Unique(d.Floats.Select(a => a.Name), "float array");
        Unique(d.Ints.Select(a => a.Name), "int array");
        Unique(d.Rngs.Keys, "RNG state");
        Unique(d.Counters.Keys, "counter");
        foreach (var a in d.Floats) ArgumentNullException.ThrowIfNull(a.Data, $"float array '{a.Name}'");
        foreach (var a in d.Ints) ArgumentNullException.ThrowIfNull(a.Data, $"int array '{a.Name}'");
    }

    static void Unique(IEnumerable<string> names, string kind)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string n in names)
        {
            if (string.IsNullOrEmpty(n)) throw new ArgumentException($"a {kind} has an empty name");
            if (!seen.Add(n)) throw new ArgumentException($"{kind} name '{n}' is used twice");
        }
    }

    static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoints store raw little-endian floats");
    }

    static string Hex(ReadOnlySpan<byte> b) => b.Length == 0 ? "(nothing)" : BitConverter.ToString(b.ToArray()).Replace('-', ' ');

    static string Printable(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder(b.Length);
        foreach (byte c in b) sb.Append(c is >= 32 and < 127 ? (char)c : '.');
        return sb.ToString();
    }

    /// <summary>Byte writer feeding the file and the running hash at once; with no stream it only counts (sizing pass).</summary>
    sealed class Sink(Stream? stream, IncrementalHash? hash = null)
    {
        public long Count { get; private set; }

        public void Bytes(ReadOnlySpan<byte> b)
        {
            stream?.Write(b); hash?.AppendData(b); Count += b.Length;
        }

        public void Int32(int v) { Span<byte> t = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(t, v); Bytes(t); }
        public void UInt32(uint v) { Span<byte> t = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(t, v); Bytes(t); }
        public void UInt64(ulong v) { Span<byte> t = stackalloc byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(t, v); Bytes(t); }

        public void String(string s)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(s);
            Int32(utf8.Length);
            Bytes(utf8);
        }
    }

    /// <summary>Bounds-checked reader: running out of bytes is a format error naming the entry and offset, never EndOfStream.</summary>
    ref struct Reader(string file, ReadOnlySpan<byte> body, int start)
    {
        readonly ReadOnlySpan<byte> _b = body;
        int _pos = start;

        public readonly int Position => _pos;
        public readonly int Remaining => _b.Length - _pos;

        public readonly void Require(long n, string what)
        {
            if (n < 0 || n > Remaining)
                throw new CheckpointFormatException(file,
                    $"at byte {_pos}: {what} needs {n} bytes but only {Remaining} remain before the checksum");
        }

        ReadOnlySpan<byte> Take(long n, string what)
        {
            Require(n, what);
            var s = _b.Slice(_pos, (int)n);
            _pos += (int)n;
            return s;
        }

        public void Bytes(Span<byte> dst, string what) => Take(dst.Length, what).CopyTo(dst);
        public ulong UInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
        public long Int64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Take(8, what));

        public bool Flag(string what)
        {
            byte v = Take(1, what)[0];
            return v switch
            {
                0 => false,
                1 => true,
                _ => throw new CheckpointFormatException(file, $"at byte {_pos - 1}: {what} is {v}, expected 0 or 1"),
            };
        }

        /// <summary>A non-negative int32 count or length.</summary>
        public int Count(string what)
        {
            int at = _pos;
            int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4, what));
            if (n < 0) throw new CheckpointFormatException(file, $"at byte {at}: {what} is {n}, expected a non-negative count");
            return n;
        }

        public string String(string what)
        {
            int n = Count($"{what} length");
            return Encoding.UTF8.GetString(Take(n, what));
        }
    }
}
