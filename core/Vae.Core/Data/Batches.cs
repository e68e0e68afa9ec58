// Minibatches for training: a seeded shuffle per epoch (stream Shuffle), rows copied into a caller-owned [M, D]
// buffer, optional dynamic binarization (stream Binarize), optional prefetch of the next batch on a thread-pool thread
// (off the training step's critical path, same bits), and the position state a checkpoint needs to resume bit-exactly.
// Must not: allocate per batch, read files, or own evaluation order (ImageSet.CopyRows serves sequential passes).

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
/// <c>new Rng(seed, RngStream.Binarize)</c>. With prefetch, the next batch is drawn on a thread-pool thread while the
/// caller trains on the current one: the batches, and every state reported (<see cref="Epoch"/>, <see cref="Index"/>,
/// <see cref="State"/>), are exactly those without prefetch.</summary>
public sealed class BatchIterator
{
    readonly ImageSet _data;    // [N, D] floats, or 8-bit levels read without expanding them
    readonly int[] _perm;       // [N]
    readonly Rng _shuffle, _binarize;
    RngState _shuffleAtEpochStart;
    int _pEpoch, _pIndex;       // the producer's position (ahead of the served one by the batch in flight)

    // What the caller has been served: position, generator states after the last served batch, its row indices.
    RngState _servedShuffleAtEpochStart, _servedBinarize;
    readonly int[] _servedIdx;  // [M]
    bool _servedAny;

    // Prefetch: the batch in flight (the producer's position is then one batch ahead of the served one).
    readonly Prefetcher? _prefetch;

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
    /// <summary>True when the next batch is drawn ahead on a thread-pool thread.</summary>
    public bool Prefetch => _prefetch is not null;
    /// <summary>Current epoch (0-based); it advances when <see cref="Next"/> is called after the epoch's last batch.</summary>
    public int Epoch { get; private set; }
    /// <summary>Index within the epoch of the next batch to serve (BatchesPerEpoch once the epoch is used up).</summary>
    public int Index { get; private set; }
    /// <summary>True when the current epoch has served all its batches.</summary>
    public bool EpochComplete => Index == BatchesPerEpoch;

    /// <summary>Iterates over <paramref name="data"/> in batches of <paramref name="batchSize"/>; <paramref name="seed"/>
    /// seeds the shuffle and binarization streams. Dynamic binarization needs pixels in [0, 1]. With
    /// <paramref name="prefetch"/> the next batch is prepared in the background (same batches, same states).</summary>
    public BatchIterator(ImageSet data, int batchSize, ulong seed, bool binarize, bool prefetch = false)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size ({batchSize}) must be positive");
        if (batchSize > data.N) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size ({batchSize}) > dataset size ({data.N})");
        if (binarize)
        {
            var (min, max) = data.Range();
            if (min < 0 || max > 1) throw new ArgumentException($"dynamic binarization needs pixels in [0, 1], found [{min}, {max}]");
        }
        (_data, N, D, BatchSize, Binarize) = (data, data.N, data.D, batchSize, binarize);
        BatchesPerEpoch = N / batchSize;
        _perm = new int[N];
        _servedIdx = new int[batchSize];
        _shuffle = new Rng(seed, RngStream.Shuffle);
        _binarize = new Rng(seed, RngStream.Binarize);
        StartEpoch(0);
        Serve();
        _servedAny = false;
        if (prefetch) _prefetch = new Prefetcher(this);
    }

    void StartEpoch(int epoch)
    {
        _shuffleAtEpochStart = _shuffle.State;
        for (int i = 0; i < N; i++) _perm[i] = i;
        _shuffle.Shuffle(_perm);
        (_pEpoch, _pIndex) = (epoch, 0);
    }

    /// <summary>Draws the producer's next batch into dst (starting the next epoch first when the current one is used up).</summary>
    void Produce(Span<float> dst)
    {
        if (_pIndex == BatchesPerEpoch) StartEpoch(_pEpoch + 1);
        int first = _pIndex * BatchSize;
        bool levels = _data.HasLevels;
        for (int k = 0; k < BatchSize; k++)
        {
            int r = _perm[first + k];
            var row = dst.Slice(k * D, D);
            if (!Binarize) _data.CopyRow(r, row);
            else if (levels) _binarize.FillBernoulli(_data.Levels.Slice(r * D, D), ImageSet.Level, row);
            else _binarize.FillBernoulli(_data.X.AsSpan(r * D, D), row);
        }
        _pIndex++;
    }

    /// <summary>The producer's position becomes the served one (called right after the batch it describes was drawn).</summary>
    void Serve()
    {
        (Epoch, Index, _servedShuffleAtEpochStart, _servedBinarize) = (_pEpoch, _pIndex, _shuffleAtEpochStart, _binarize.State);
        if (_pIndex > 0) _perm.AsSpan((_pIndex - 1) * BatchSize, BatchSize).CopyTo(_servedIdx);
        _servedAny = _pIndex > 0;
    }

    /// <summary>Fills <paramref name="dst"/> ([M, D], caller-owned) with the next batch, starting the next epoch first
    /// when the current one is used up. No allocation.</summary>
    public void Next(Span<float> dst)
    {
        if (dst.Length < BatchSize * D) throw new ArgumentException($"destination ({dst.Length}) < M * D ({BatchSize} * {D})");
        if (_prefetch is null) { Produce(dst); Serve(); }
        else _prefetch.Take(dst);
    }

    /// <summary>Row indices (into the data) of the batch last served, [M]; empty before the first batch of an epoch.</summary>
    public ReadOnlySpan<int> LastIndices => Index == 0 || !_servedAny ? default : _servedIdx;

    /// <summary>The position state to store in a checkpoint (of the batches served, not of one drawn ahead).</summary>
    public BatchState State => new(N, BatchSize, Epoch, Index, _servedShuffleAtEpochStart, _servedBinarize);

    /// <summary>Continues from <paramref name="s"/> exactly as the iterator that produced it would have.</summary>
    public void Restore(BatchState s)
    {
        if (s.N != N || s.BatchSize != BatchSize)
            throw new ArgumentException($"batch state is for N = {s.N}, M = {s.BatchSize}; this iterator has N = {N}, M = {BatchSize}");
        if (s.Index < 0 || s.Index > BatchesPerEpoch || s.Epoch < 0)
            throw new ArgumentException($"batch state has epoch {s.Epoch}, index {s.Index}; expected index in [0, {BatchesPerEpoch}]");
        _prefetch?.Drain();
        _shuffle.Restore(s.ShuffleAtEpochStart);
        StartEpoch(s.Epoch);
        _pIndex = s.Index;
        _binarize.Restore(s.Binarize);
        Serve();
        _servedAny = false; // the rows of the batch before the restore point are not known
    }

    /// <summary>Draws the next batch on a thread-pool thread while the caller trains. One batch in flight at most, so the
    /// draws happen in exactly the order of the plain iterator. The work item object is reused: no allocation per batch.</summary>
    sealed class Prefetcher(BatchIterator it) : IThreadPoolWorkItem
    {
        readonly float[] _buf = new float[it.BatchSize * it.D]; // [M, D] the batch drawn ahead
        readonly ManualResetEventSlim _ready = new(false);
        bool _inFlight;
        Exception? _error;

        public void Execute()
        {
            try { it.Produce(_buf); }
            catch (Exception e) { _error = e; }
            _ready.Set();
        }

        void Start()
        {
            _ready.Reset(); _error = null; _inFlight = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        /// <summary>Waits for the batch in flight (if any); afterwards nothing runs in the background.</summary>
        public void Drain()
        {
            if (!_inFlight) return;
            _ready.Wait();
            _inFlight = false;
            if (_error is not null) throw new InvalidOperationException("drawing the next minibatch failed", _error);
        }

        public void Take(Span<float> dst)
        {
            if (!_inFlight) Start();
            Drain();
            _buf.CopyTo(dst);
            it.Serve();
            Start();
        }
    }
}
