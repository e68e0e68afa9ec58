// A tiny fixed pool of helper threads for ManagedBlas: one sgemm call = up to T chunks, the caller runs chunk 0.
// Owns: waking helpers, waiting for them, and doing so without allocating per call (Parallel.For allocates).
// Must not: know GEMM maths (it calls ManagedBlas.RunChunk) or be shared between ManagedBlas instances.

namespace Vae.Core.Numerics;

internal sealed class GemmWorkers : IDisposable
{
    // Helpers spin this long for the next call before blocking: a training step issues GEMMs back to back,
    // and waking a blocked thread costs tens of microseconds, as much as a small GEMM.
    static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 us

    readonly Thread[] _threads;
    readonly SemaphoreSlim[] _wake;
    readonly int[] _sleeping;
    readonly ManualResetEventSlim _done = new(false);
    readonly object _callLock = new();
    long _generation;
    int _pending;
    volatile bool _disposed;

    // The current call, written by the caller before the generation bump (a full fence) and read by helpers after it.
    GemmJob _job;
    GemmPlan _plan;
    Exception? _error;

    public GemmWorkers(int helpers)
    {
        _threads = new Thread[helpers];
        _wake = new SemaphoreSlim[helpers];
        _sleeping = new int[helpers];
        for (int w = 0; w < helpers; w++)
        {
            _wake[w] = new SemaphoreSlim(0);
            int index = w;
            _threads[w] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"vae-gemm-{w + 1}" };
            _threads[w].Start();
        }
    }

    /// <summary>Runs plan.Chunks chunks of the job (chunk 0 on the calling thread) and returns when all are done.</summary>
    public void Run(in GemmJob job, in GemmPlan plan)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (plan.Chunks - 1 > _threads.Length)
            throw new InvalidOperationException($"plan has {plan.Chunks} chunks but the pool has {_threads.Length} helpers + caller");
        // Concurrent callers of one ManagedBlas take turns on its helpers (results stay correct, calls serialise).
        lock (_callLock)
        {
            _job = job; _plan = plan; _error = null;
            // Every helper acknowledges every call, even one with no chunk for it: then no helper can still be
            // reading this call's job when the next call overwrites it.
            Volatile.Write(ref _pending, _threads.Length);
            Interlocked.Increment(ref _generation);
            for (int w = 0; w < _threads.Length; w++)
                if (Volatile.Read(ref _sleeping[w]) == 1) _wake[w].Release();

            Exception? mine = null;
            try { ManagedBlas.RunChunk(job, plan, 0); }
            catch (Exception e) { mine = e; }
            WaitForHelpers();
            if (mine is not null || _error is not null)
                throw new InvalidOperationException("managed sgemm failed in a worker chunk", mine ?? _error);
        }
    }

    void WaitForHelpers()
    {
        long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _pending) != 0)
        {
            if (Stopwatch.GetTimestamp() < spinUntil) { Thread.SpinWait(20); continue; }
            // Reset, re-check, then wait: a Set left over from an earlier call only costs one extra loop.
            _done.Reset();
            if (Volatile.Read(ref _pending) == 0) break;
            _done.Wait();
        }
    }

    void Loop(int index)
    {
        long seen = 0;
        while (true)
        {
            long gen;
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            while ((gen = Volatile.Read(ref _generation)) == seen)
            {
                if (Stopwatch.GetTimestamp() < spinUntil) { Thread.SpinWait(20); continue; }
                // Announce sleep with a full fence before the last check, so the caller's bump-then-read cannot miss us.
                Interlocked.Exchange(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[index].Wait();
                Volatile.Write(ref _sleeping[index], 0);
            }
            seen = gen;
            if (_disposed) return;
            int chunk = index + 1;
            if (chunk < _plan.Chunks)
            {
                try { ManagedBlas.RunChunk(_job, _plan, chunk); }
                catch (Exception e) { _error = e; }
            }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Increment(ref _generation);
        foreach (var s in _wake) s.Release();
    }
}
