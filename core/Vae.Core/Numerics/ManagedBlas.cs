// Managed sgemm: the provider that needs no native library, fast enough to train on (packed, blocked, SIMD, threaded).
// Owns: the public provider, argument handling, splitting one call into per-thread blocks of C.
// Must not: load native code or choose providers; the kernels live in ManagedGemmKernels, the threads in GemmWorkers.
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>How one call is cut into chunks: contiguous ranges of NR-column panels (SplitN) or MR-row panels.</summary>
internal readonly record struct GemmPlan(int Chunks, bool SplitN, int Panels, ManagedKernel Kernel);

/// <summary>
/// Managed single-precision GEMM: packed panels, an 8x32 Vector512 micro-kernel (6x16 Vector256 where AVX-512 is
/// absent), FMA, and a small pool of helper threads when <see cref="Threads"/> &gt; 1. No allocation per call once
/// each calling thread has made its first call. Safe to call from several threads (calls then take turns on the pool).
/// </summary>
public sealed unsafe class ManagedBlas : IBlas, IDisposable
{
    /// <summary>Calls with m*n*k below this run on the calling thread: waking helpers would cost more than it saves.</summary>
    internal const long DefaultParallelMinWork = 1L << 19;

    readonly long _parallelMinWork;
    readonly object _poolLock = new();
    GemmWorkers? _pool;

    /// <summary>Creates the provider with a thread count (1 = the calling thread only).</summary>
    public ManagedBlas(int threads = 1) : this(threads, ManagedKernel.Auto, DefaultParallelMinWork) { }

    /// <summary>Test hook: force a kernel and the size above which calls are split across threads.</summary>
    internal ManagedBlas(int threads, ManagedKernel kernel, long parallelMinWork)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads ({threads}) must be >= 1");
        Threads = threads;
        Kernel = kernel != ManagedKernel.Auto ? kernel
               : Vector512.IsHardwareAccelerated ? ManagedKernel.Vector512 : ManagedKernel.Vector256;
        _parallelMinWork = parallelMinWork;
    }

    public string Name => "managed";
    public int Threads { get; }

    /// <summary>The micro-kernel in use.</summary>
    internal ManagedKernel Kernel { get; }

    /// <summary>Why the resolver chose this provider (shown by Describe); null if nothing to say.</summary>
    internal string? Note { get; init; }

    public string Describe() =>
        BlasDescription.Format(Name, $"packed {ManagedGemmKernels.Mr(Kernel)}x{ManagedGemmKernels.Nr(Kernel)} {Kernel} FMA kernel",
                               Threads, Note);

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            if (k == 0 || alpha == 0f) { ScaleC(pc, m, n, ldc, beta); return; } // op(A) op(B) is not referenced
            var job = new GemmJob
            {
                TransA = transA, TransB = transB, M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc,
                Alpha = alpha, Beta = beta, A = pa, B = pb, C = pc,
            };
            var plan = Plan(m, n, k);
            if (plan.Chunks == 1) RunChunk(job, plan, 0);
            else Pool.Run(job, plan);
        }
    }

    /// <summary>Splits along whichever of M or N balances the threads better (ties go to N: B, the larger pack, is then not duplicated).</summary>
    GemmPlan Plan(int m, int n, int k)
    {
        int mp = (m + ManagedGemmKernels.Mr(Kernel) - 1) / ManagedGemmKernels.Mr(Kernel);
        int np = (n + ManagedGemmKernels.Nr(Kernel) - 1) / ManagedGemmKernels.Nr(Kernel);
        if (Threads == 1 || (long)m * n * k < _parallelMinWork) return new GemmPlan(1, true, np, Kernel);
        int tn = Math.Min(Threads, np), tm = Math.Min(Threads, mp);
        long costN = (long)((np + tn - 1) / tn) * mp, costM = (long)((mp + tm - 1) / tm) * np;
        return costN <= costM ? new GemmPlan(tn, true, np, Kernel) : new GemmPlan(tm, false, mp, Kernel);
    }

    /// <summary>Computes chunk `chunk` of the plan on the calling thread with that thread's pack buffers.</summary>
    internal static void RunChunk(in GemmJob g, in GemmPlan plan, int chunk)
    {
        int first = (int)((long)chunk * plan.Panels / plan.Chunks), last = (int)((long)(chunk + 1) * plan.Panels / plan.Chunks);
        var buf = PackBuffers.ForCurrentThread;
        if (plan.SplitN)
        {
            int w = ManagedGemmKernels.Nr(plan.Kernel);
            ManagedGemmKernels.Block(g, 0, g.M, first * w, Math.Min(g.N, last * w), plan.Kernel, buf);
        }
        else
        {
            int h = ManagedGemmKernels.Mr(plan.Kernel);
            ManagedGemmKernels.Block(g, first * h, Math.Min(g.M, last * h), 0, g.N, plan.Kernel, buf);
        }
    }

    GemmWorkers Pool
    {
        get
        {
            if (_pool is { } p) return p;
            lock (_poolLock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _pool ??= new GemmWorkers(Threads - 1);
            }
        }
    }

    bool _disposed;

    /// <summary>Stops the helper threads (if any were started).</summary>
    public void Dispose()
    {
        lock (_poolLock) { _disposed = true; _pool?.Dispose(); }
        GC.SuppressFinalize(this);
    }

    // IBlas is not IDisposable, so a provider may simply be dropped: the helpers (which do not reference this object)
    // are then told to exit here instead of sleeping forever.
    ~ManagedBlas() => _pool?.Dispose();

    static void ScaleC(float* c, int m, int n, int ldc, float beta)
    {
        if (beta == 1f) return;
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }
}
