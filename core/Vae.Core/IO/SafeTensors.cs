// The safetensors file format (Hugging Face's, read by PyTorch's `safetensors` package and by hand in a few lines):
// 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__":
// {string: string}}, then the raw little-endian tensor bytes. Owns: reading and writing F32 tensors. Must not: know
// about models (ModelWeights maps the layout onto names).
// Hand-written rather than a package: no maintained .NET safetensors package is served here, and the format is the three
// lines above; the reader validates every offset so a corrupt file is a clear error, never a crash deep inside.
using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace Vae.Core.IO;

/// <summary>One F32 tensor: its name, shape (row-major, last index fastest) and values.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[] Data);

/// <summary>Reads and writes safetensors files holding float32 tensors.</summary>
public static class SafeTensors
{
    /// <summary>Largest header this reader accepts (the format's own limit is 100 MB).</summary>
    const long MaxHeader = 100_000_000;

    /// <summary>Writes the tensors (in order, 8-byte aligned data) and string metadata to <paramref name="path"/>, atomically.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            long n = t.Shape.Aggregate(1L, (a, s) => a * s);
            if (n != t.Data.Length) throw new ArgumentException($"tensor {t.Name}: shape [{string.Join(", ", t.Shape)}] holds {n} values, data has {t.Data.Length}");
            header[t.Name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + 4 * n),
            };
            offset += 4 * n;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // spaces pad the header so the data starts 8-byte aligned
        AtomicFile.Write(path, s =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            s.Write(len);
            s.Write(json);
            for (int i = json.Length; i < padded; i++) s.WriteByte((byte)' ');
            var buf = new byte[4096];
            foreach (var t in tensors)
                for (int i = 0; i < t.Data.Length; i += buf.Length / 4)
                {
                    int c = Math.Min(buf.Length / 4, t.Data.Length - i);
                    for (int j = 0; j < c; j++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(4 * j), t.Data[i + j]);
                    s.Write(buf, 0, 4 * c);
                }
        });
    }

    /// <summary>Reads every tensor (F32 only) and the metadata. Throws <see cref="InvalidDataException"/> naming the file
    /// and what is wrong for anything that is not a well-formed safetensors file.</summary>
    public static (IReadOnlyList<NamedTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        InvalidDataException Bad(string what) => new($"{path}: not a valid safetensors file: {what}");
        if (bytes.Length < 8) throw Bad($"{bytes.Length} bytes, shorter than the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n > MaxHeader || (long)n > bytes.Length - 8) throw Bad($"header length {n} exceeds the file ({bytes.Length} bytes)");
        JsonObject header;
        try { header = JsonNode.Parse(bytes.AsSpan(8, (int)n)) as JsonObject ?? throw Bad("the header is not a JSON object"); }
        catch (JsonException e) { throw Bad($"the header is not JSON ({e.Message})"); }
        long dataStart = 8 + (long)n, dataLen = bytes.Length - dataStart;
        var meta = new Dictionary<string, string>();
        var tensors = new List<(long Begin, NamedTensor T)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject mo) throw Bad("__metadata__ is not an object");
                foreach (var (k, v) in mo)
                    meta[k] = v is JsonValue jv && jv.TryGetValue(out string? sv) ? sv : throw Bad($"metadata '{k}' is not a string");
                continue;
            }
            if (node is not JsonObject o) throw Bad($"entry '{name}' is not an object");
            string dtype = o["dtype"]?.GetValue<string>() ?? throw Bad($"tensor '{name}' has no dtype");
            if (dtype != "F32") throw Bad($"tensor '{name}' has dtype {dtype}; only F32 (float32) is supported");
            int[] shape = (o["shape"] as JsonArray ?? throw Bad($"tensor '{name}' has no shape")).Select(s => s!.GetValue<int>()).ToArray();
            var offs = o["data_offsets"] as JsonArray;
            if (offs is not { Count: 2 }) throw Bad($"tensor '{name}' has no [begin, end] data_offsets");
            long begin = offs[0]!.GetValue<long>(), end = offs[1]!.GetValue<long>();
            long count = shape.Aggregate(1L, (a, s) => s < 0 ? throw Bad($"tensor '{name}' has a negative dimension") : a * s);
            if (begin < 0 || end > dataLen || end - begin != 4 * count)
                throw Bad($"tensor '{name}': offsets [{begin}, {end}] do not hold {count} float32 values inside {dataLen} data bytes");
            var data = new float[count];
            for (long i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + begin + 4 * i), 4));
            tensors.Add((begin, new NamedTensor(name, shape, data)));
        }
        return (tensors.OrderBy(t => t.Begin).Select(t => t.T).ToList(), meta);
    }
}
