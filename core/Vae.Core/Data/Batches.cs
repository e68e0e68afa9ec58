// Minibatches for training: a seeded shuffle per epoch (stream Shuffle), rows copied into a caller-owned [M, D]
// buffer, optional dynamic binarization (stream Binarize), and the position state a checkpoint needs to resume bit-exactly.
// Must not: allocate per batch, read files, or own evaluation order (ImageSet.CopyRows serves sequential passes).
using Vae.Core.Numerics;

namespace Vae.Core.Data;

/// <summary>Everything that determines the rest of a <see cref="BatchIterator"/>'s output: the current epoch, the next
/// batch index within it, the shuffle generator as it was before this epoch's permutation was drawn (the permutation
/// is regenerated from it) and the binarization generator. N and BatchSize are stored to refuse a mismatched restore.</summary>
public sealed record BatchState(int N, int BatchSize, int Epoch, int Index, RngState ShuffleAtEpochStart, RngState Binarize)
{
    const int Magic = 0x48544142; // "BATH"
    const int Version = 1;

    /// <summary>Writes the state (little-endian, fixed layout, versioned).</summary>
    public void Write(BinaryWriter w)
    {
        w.Write(Magic); w.Write(Version);
        w.Write(N); w.Write(BatchSize); w.Write(Epoch); w.Write(Index);
        WriteRng(w, ShuffleAtEpochStart); WriteRng(w, Binarize);
    }

    /// <summary>Reads a state written by <see cref="Write"/>; a wrong magic or version throws <see cref="InvalidDataException"/>.</summary>
    public static BatchState Read(BinaryReader r)
    {
        int magic = r.ReadInt32(), version = r.ReadInt32();
        if (magic != Magic) throw new InvalidDataException($"batch state: expected magic 0x{Magic:x8}, found 0x{magic:x8}");
        if (version != Version) throw new InvalidDataException($"batch state: expected version {Version}, found {version}");
        return new(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), ReadRng(r), ReadRng(r));
    }

    static void WriteRng(BinaryWriter w, RngState s) { w.Write(s.S0); w.Write(s.S1); w.Write(s.S2); w.Write(s.S3); w.Write(s.Spare); w.Write(s.HasSpare); }
    static RngState ReadRng(BinaryReader r) => new(r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64(), r.ReadDouble(), r.ReadBoolean());
}

/// <summary>Endless stream of shuffled minibatches of M = BatchSize rows. Each epoch draws a fresh permutation of
/// 0..N-1 (identity, then Fisher-Yates with <c>new Rng(seed, RngStream.Shuffle)</c>) and serves
/// floor(N / M) batches; the N mod M rows left over differ each epoch (they are not served that epoch).
/// With dynamic binarization every pixel of every served row is a fresh Bernoulli(p) draw from
/// <c>new Rng(seed, RngStream.Binarize)</c>.</summary>
public sealed class BatchIterator
{
    readonly float[] _x;        // [N, D]
    readonly int[] _perm;       // [N]
    readonly Rng _shuffle, _binarize;
    RngState _shuffleAtEpochStart;

    /// <summary>Rows in the data.</summary>
    public int N { get; }
    /// <summary>Pixels per row.</summary>
    public int D { get; }
    /// <summary>Rows per batch, M.</summary>
    public int BatchSize { get; }
    /// <summary>Batches served per epoch, floor(N / M).</summary>
    public int BatchesPerEpoch { get; }
    /// <summary>True when each served pixel is a fresh Bernoulli draw.</summary>
    public bool Binarize { get; }
    /// <summary>Current epoch (0-based); it advances when <see cref="Next"/> is called after the epoch's last batch.</summary>
    public int Epoch { get; private set; }
    /// <summary>Index within the epoch of the next batch to serve (BatchesPerEpoch once the epoch is used up).</summary>
    public int Index { get; private set; }
    /// <summary>True when the current epoch has served all its batches.</summary>
    public bool EpochComplete => Index == BatchesPerEpoch;

    /// <summary>Iterates over <paramref name="data"/> in batches of <paramref name="batchSize"/>; <paramref name="seed"/>
    /// seeds the shuffle and binarization streams. Dynamic binarization needs pixels in [0, 1].</summary>
    public BatchIterator(ImageSet data, int batchSize, ulong seed, bool binarize)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size ({batchSize}) must be positive");
        if (batchSize > data.N) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size ({batchSize}) > dataset size ({data.N})");
        if (binarize)
        {
            var (min, max) = data.Range();
            if (min < 0 || max > 1) throw new ArgumentException($"dynamic binarization needs pixels in [0, 1], found [{min}, {max}]");
        }
        (_x, N, D, BatchSize, Binarize) = (data.X, data.N, data.D, batchSize, binarize);
        BatchesPerEpoch = N / batchSize;
        _perm = new int[N];
        _shuffle = new Rng(seed, RngStream.Shuffle);
        _binarize = new Rng(seed, RngStream.Binarize);
        StartEpoch(0);
    }

    void StartEpoch(int epoch)
    {
        _shuffleAtEpochStart = _shuffle.State;
        for (int i = 0; i < N; i++) _perm[i] = i;
        _shuffle.Shuffle(_perm);
        (Epoch, Index) = (epoch, 0);
    }

    /// <summary>Fills <paramref name="dst"/> ([M, D], caller-owned) with the next batch, starting the next epoch first
    /// when the current one is used up. No allocation.</summary>
    public void Next(Span<float> dst)
    {
        if (dst.Length < BatchSize * D) throw new ArgumentException($"destination ({dst.Length}) < M * D ({BatchSize} * {D})");
        if (EpochComplete) StartEpoch(Epoch + 1);
        int first = Index * BatchSize;
        for (int k = 0; k < BatchSize; k++)
        {
            var src = _x.AsSpan(_perm[first + k] * D, D);
            var row = dst.Slice(k * D, D);
            if (Binarize) _binarize.FillBernoulli(src, row);
            else src.CopyTo(row);
        }
        Index++;
    }

    /// <summary>Row indices (into the data) of the batch last served, [M]; empty before the first batch of an epoch.</summary>
    public ReadOnlySpan<int> LastIndices => Index == 0 ? default : _perm.AsSpan((Index - 1) * BatchSize, BatchSize);

    /// <summary>The current epoch's permutation, [N].</summary>
    public ReadOnlySpan<int> Permutation => _perm;

    /// <summary>The position state to store in a checkpoint.</summary>
    public BatchState State => new(N, BatchSize, Epoch, Index, _shuffleAtEpochStart, _binarize.State);

    /// <summary>Continues from <paramref name="s"/> exactly as the iterator that produced it would have.</summary>
    public void Restore(BatchState s)
    {
        if (s.N != N || s.BatchSize != BatchSize)
            throw new ArgumentException($"batch state is for N = {s.N}, M = {s.BatchSize}; this iterator has N = {N}, M = {BatchSize}");
        if (s.Index < 0 || s.Index > BatchesPerEpoch || s.Epoch < 0)
            throw new ArgumentException($"batch state has epoch {s.Epoch}, index {s.Index}; expected index in [0, {BatchesPerEpoch}]");
        _shuffle.Restore(s.ShuffleAtEpochStart);
        StartEpoch(s.Epoch);
        Index = s.Index;
        _binarize.Restore(s.Binarize);
    }
}
