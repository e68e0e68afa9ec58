// What a checkpoint holds, as plain values, and the error raised when a file is not a readable checkpoint.
// Owns: CheckpointData / NamedArray records, checked look-ups by name, CheckpointFormatException.
// Must not: know the byte layout (Checkpoint.cs) or what the names mean (the trainer decides the names).

namespace Vae.Core.IO;

/// <summary>A named flat array, e.g. ("theta", parameters [P]) or ("adam.m", first moments [P]).</summary>
public sealed record NamedArray<T>(string Name, T[] Data) where T : unmanaged;

/// <summary>
/// Everything needed to resume a run bit-exactly. Arrays are kept by reference (saving does not copy them).
/// </summary>
/// <param name="SpecJson">Model spec / options as JSON; opaque to the checkpoint (stored and returned verbatim).</param>
/// <param name="Floats">Parameters and optimizer state (Adam m and v, Adagrad accumulators), in the caller's order.</param>
/// <param name="Ints">Data-order state, e.g. ("order", permutation [N]); positions go in <paramref name="Counters"/>.</param>
/// <param name="Rngs">Generator states by name, e.g. "noise", "shuffle".</param>
/// <param name="Counters">Epoch, step, samples seen, position in the permutation, ...</param>
public sealed record CheckpointData(
    string SpecJson,
    IReadOnlyList<NamedArray<float>> Floats,
    IReadOnlyList<NamedArray<int>> Ints,
    IReadOnlyDictionary<string, RngState> Rngs,
    IReadOnlyDictionary<string, long> Counters)
{
    /// <summary>The file this was loaded from (for error messages); null for data not read from disk.</summary>
    public string? Source { get; init; }

    /// <summary>The float array called <paramref name="name"/>; throws naming the file and the names present if absent.</summary>
    public float[] GetFloats(string name) => Find(Floats, name, "float array");

    /// <summary>The int array called <paramref name="name"/>; throws naming the file and the names present if absent.</summary>
    public int[] GetInts(string name) => Find(Ints, name, "int array");

    /// <summary>Copies float array <paramref name="name"/> into <paramref name="dst"/>, whose length must match exactly.</summary>
    public void CopyFloatsTo(string name, Span<float> dst)
    {
        float[] src = GetFloats(name);
        if (src.Length != dst.Length)
            throw new CheckpointFormatException(Where,
                $"float array '{name}' has {src.Length} values, the model expects {dst.Length} (was it saved for a different model spec?)");
        src.CopyTo(dst);
    }

    /// <summary>Copies int array <paramref name="name"/> into <paramref name="dst"/>, whose length must match exactly.</summary>
    public void CopyIntsTo(string name, Span<int> dst)
    {
        int[] src = GetInts(name);
        if (src.Length != dst.Length)
            throw new CheckpointFormatException(Where, $"int array '{name}' has {src.Length} values, expected {dst.Length}");
        src.CopyTo(dst);
    }

    /// <summary>The RNG state called <paramref name="name"/>.</summary>
    public RngState GetRng(string name) =>
        Rngs.TryGetValue(name, out var s) ? s
        : throw new CheckpointFormatException(Where, $"no RNG state '{name}'; it has: {List(Rngs.Keys)}");

    /// <summary>The counter called <paramref name="name"/>.</summary>
    public long GetCounter(string name) =>
        Counters.TryGetValue(name, out long v) ? v
        : throw new CheckpointFormatException(Where, $"no counter '{name}'; it has: {List(Counters.Keys)}");

    string Where => Source ?? "<checkpoint in memory>";

    T[] Find<T>(IReadOnlyList<NamedArray<T>> arrays, string name, string kind) where T : unmanaged
    {
        foreach (var a in arrays) if (a.Name == name) return a.Data;
        throw new CheckpointFormatException(Where, $"no {kind} '{name}'; it has: {List(arrays.Select(a => a.Name))}");
    }

    static string List(IEnumerable<string> names)
    {
        string s = string.Join(", ", names.Select(n => $"'{n}'"));
        return s.Length == 0 ? "(none)" : s;
    }
}

/// <summary>
/// A file is not a readable checkpoint (empty, truncated, corrupted, foreign, or from another format version),
/// or lacks an entry the caller needs. The message names the file, what was expected and what was found.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>The file (or "&lt;checkpoint in memory&gt;") the problem was found in.</summary>
    public string FilePath { get; }

    /// <summary>Creates the exception; the message becomes "checkpoint 'path': detail".</summary>
    public CheckpointFormatException(string filePath, string detail, Exception? inner = null)
        : base($"checkpoint '{filePath}': {detail}", inner) => FilePath = filePath;
}
