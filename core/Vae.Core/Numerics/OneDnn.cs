// oneDNN (Debian libdnnl2 2.6, the library under PyTorch's CPU bf16 path) matmul as an IBlas: bf16 operands with fp32
// accumulation and an fp32 C, or fp32 throughout (the same code path, testable on CPUs without bf16).
// Owns: the C-API binding (dnnl.h via function pointers), one prepared primitive per call shape, packing/rounding operands.
// Must not: decide whether a run uses bf16 (PrecisionChoice.cs) or fall back silently: creation failures throw.
using System.Runtime.InteropServices;

namespace Vae.Core.Numerics;

/// <summary>
/// C = alpha op(A) op(B) + beta C through a oneDNN matmul primitive, prepared once per (transposes, m, n, k, ldc, alpha,
/// beta) and reused, so steady-state calls allocate nothing. Operands are packed (bf16: rounded to nearest even) into
/// buffers owned by the prepared primitive; alpha is an output scale and beta a sum post-op (beta = 0: C is overwritten).
/// Calls take turns (one lock): a primitive's packed buffers are its own. Threads: oneDNN's OpenMP, set per call thread.
/// </summary>
public sealed unsafe class OneDnnBlas : IBlas, IDisposable
{
    readonly OneDnnLibrary _lib;
    readonly bool _bf16;
    readonly Dictionary<Key, Prepared> _prepared = [];
    readonly object _gate = new();

    /// <summary>Loads oneDNN and its CPU engine; BlasUnavailableException says what failed.</summary>
    public OneDnnBlas(bool bf16, int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads ({threads}) must be >= 1");
        _lib = OneDnnLibrary.Instance.Value ?? throw new BlasUnavailableException($"onednn: {OneDnnLibrary.LoadError}");
        (_bf16, Threads) = (bf16, threads);
    }

    public string Name => "onednn";
    /// <summary>True for bf16 operands (fp32 accumulation), false for fp32 throughout.</summary>
    public bool IsBf16 => _bf16;
    public int Threads { get; }
    /// <summary>Library version, e.g. "2.6.3".</summary>
    public string Version => _lib.Version;
    /// <summary>oneDNN's implementation name for the step's largest GEMM shape (100 x 784 x 500), e.g. brg:avx512_core_bf16.</summary>
    public string Implementation => _implementation ??= PrepareFor(false, false, 100, 500, 784, 500, 1f, 0f).Impl;
    string? _implementation;

    public string Describe() => BlasDescription.Format(Name, $"oneDNN {Version}, {(_bf16 ? "bf16 x bf16 -> fp32 accumulate" : "fp32")}, " +
                                                            $"impl={Implementation}", Threads, null);

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
                if (beta == 0f) c.Slice(i * ldc, n).Clear();
                else System.Numerics.Tensors.TensorPrimitives.Multiply(c.Slice(i * ldc, n), beta, c.Slice(i * ldc, n));
            return;
        }
        lock (_gate)
        {
            var p = PrepareFor(transA, transB, m, n, k, ldc, alpha, beta);
            Pack(a, transA ? k : m, transA ? m : k, lda, p.A);
            Pack(b, transB ? n : k, transB ? k : n, ldb, p.B);
            _lib.EnsureThreads(Threads);
            fixed (float* pc = c) fixed (byte* pa = p.A, pb = p.B) _lib.Execute(p, pa, pb, pc);
        }
    }

    Prepared PrepareFor(bool ta, bool tb, int m, int n, int k, int ldc, float alpha, float beta)
    {
        var key = new Key(ta, tb, m, n, k, ldc, BitConverter.SingleToInt32Bits(alpha), BitConverter.SingleToInt32Bits(beta));
        lock (_gate)
        {
            if (_prepared.TryGetValue(key, out var p)) return p;
            // Logical A [m, k] and B [k, n] over packed copies of the stored layouts; C [m, n] with row stride ldc.
            long[] sa = ta ? [1, m] : [k, 1], sb = tb ? [1, k] : [n, 1];
            p = _lib.Prepare(m, n, k, sa, sb, ldc, alpha, beta, _bf16);
            _prepared[key] = p;
            return p;
        }
    }

    // Packs `rows` stored rows of `cols` values (row stride ld) contiguously: bf16 bits, or fp32 copied as they are.
    void Pack(ReadOnlySpan<float> x, int rows, int cols, int ld, byte[] dst)
    {
        for (int r = 0; r < rows; r++)
        {
            var src = x.Slice(r * ld, cols);
            if (_bf16) Bf16.ToBits(src, MemoryMarshal.Cast<byte, ushort>(dst.AsSpan(r * cols * 2, cols * 2)));
            else MemoryMarshal.AsBytes(src).CopyTo(dst.AsSpan(r * cols * 4, cols * 4));
        }
    }

    public void Dispose()
    {
        lock (_gate) { foreach (var p in _prepared.Values) _lib.Destroy(p); _prepared.Clear(); }
    }

    readonly record struct Key(bool TA, bool TB, int M, int N, int K, int Ldc, int Alpha, int Beta);
}

/// <summary>A primitive ready to run: its handle, memory objects, and the packed operand buffers it reads.</summary>
internal sealed class Prepared(IntPtr primitive, IntPtr memA, IntPtr memB, IntPtr memC, byte[] a, byte[] b, string impl)
{
    public readonly IntPtr Primitive = primitive, MemA = memA, MemB = memB, MemC = memC;
    public readonly byte[] A = a, B = b;
    public readonly string Impl = impl;
}

/// <summary>The oneDNN C API (2.x) through function pointers; loaded once per process. Sizes of dnnl_memory_desc_t (696
/// bytes in 2.6) and dnnl_matmul_desc_t (2800) are over-allocated (4 KiB / 8 KiB) so a minor version cannot overrun them.</summary>
internal sealed unsafe class OneDnnLibrary
{
    public const string File = "libdnnl.so.2";
    const int Success = 0, CpuEngine = 1, InOrder = 1, F32 = 3, Bf16Type = 2, QueryImplInfoStr = 8;
    const int ArgSrc = 1, ArgWeights = 33, ArgDst = 17;
    const int MdBytes = 4096, OpDescBytes = 8192;

    public static readonly Lazy<OneDnnLibrary?> Instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    /// <summary>Why the library could not be loaded (when Instance.Value is null).</summary>
    public static string? LoadError { get; private set; }

    IntPtr _engine, _stream;
    public string Version { get; private set; } = "?";
    /// <summary>dnnl_get_effective_cpu_isa(), e.g. 0x7 = avx2, 0xe7 = avx512_core_bf16.</summary>
    public int EffectiveIsa { get; private set; }

    delegate* unmanaged<IntPtr*, int, nuint, int> _engineCreate;
    delegate* unmanaged<IntPtr*, IntPtr, uint, int> _streamCreate;
    delegate* unmanaged<IntPtr, int, long*, int, long*, int> _mdByStrides;
    delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> _matmulDesc;
    delegate* unmanaged<IntPtr*, int> _attrCreate, _postOpsCreate;
    delegate* unmanaged<IntPtr, long, int, float*, int> _setOutputScales;
    delegate* unmanaged<IntPtr, float, int> _appendSum;
    delegate* unmanaged<IntPtr, IntPtr, int> _setPostOps;
    delegate* unmanaged<IntPtr, int> _attrDestroy, _postOpsDestroy, _pdDestroy, _primDestroy, _memDestroy, _streamWait;
    delegate* unmanaged<IntPtr*, IntPtr, IntPtr, IntPtr, IntPtr, int> _pdCreate;
    delegate* unmanaged<IntPtr, int, int, IntPtr*, int> _pdQuery;
    delegate* unmanaged<IntPtr*, IntPtr, int> _primCreate;
    delegate* unmanaged<IntPtr*, IntPtr, IntPtr, IntPtr, int> _memCreate;
    delegate* unmanaged<IntPtr, IntPtr, int> _setHandle;
    delegate* unmanaged<IntPtr, IntPtr, int, ExecArg*, int> _execute;
    delegate* unmanaged<int, void> _ompSetThreads;
    [ThreadStatic] static int t_threads;

    [StructLayout(LayoutKind.Sequential)] struct ExecArg { public int Arg; public IntPtr Memory; }

    static OneDnnLibrary? Load()
    {
        try
        {
            IntPtr h = NativeLibrary.Load(File);
            var lib = new OneDnnLibrary();
            lib.Bind(h);
            return lib;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BlasUnavailableException)
        {
            LoadError = $"cannot use {File}: {e.Message}";
            return null;
        }
    }

    void Bind(IntPtr h)
    {
        IntPtr F(string name) => NativeLibrary.TryGetExport(h, name, out IntPtr p) ? p
            : throw new BlasUnavailableException($"{File}: required symbol {name} not found (not oneDNN 2.x?)");
        _engineCreate = (delegate* unmanaged<IntPtr*, int, nuint, int>)F("dnnl_engine_create");
        _streamCreate = (delegate* unmanaged<IntPtr*, IntPtr, uint, int>)F("dnnl_stream_create");
        _mdByStrides = (delegate* unmanaged<IntPtr, int, long*, int, long*, int>)F("dnnl_memory_desc_init_by_strides");
        _matmulDesc = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)F("dnnl_matmul_desc_init");
        _attrCreate = (delegate* unmanaged<IntPtr*, int>)F("dnnl_primitive_attr_create");
        _postOpsCreate = (delegate* unmanaged<IntPtr*, int>)F("dnnl_post_ops_create");
        _setOutputScales = (delegate* unmanaged<IntPtr, long, int, float*, int>)F("dnnl_primitive_attr_set_output_scales");
        _appendSum = (delegate* unmanaged<IntPtr, float, int>)F("dnnl_post_ops_append_sum");
        _setPostOps = (delegate* unmanaged<IntPtr, IntPtr, int>)F("dnnl_primitive_attr_set_post_ops");
        _attrDestroy = (delegate* unmanaged<IntPtr, int>)F("dnnl_primitive_attr_destroy");
        _postOpsDestroy = (delegate* unmanaged<IntPtr, int>)F("dnnl_post_ops_destroy");
        _pdDestroy = (delegate* unmanaged<IntPtr, int>)F("dnnl_primitive_desc_destroy");
        _primDestroy = (delegate* unmanaged<IntPtr, int>)F("dnnl_primitive_destroy");
        _memDestroy = (delegate* unmanaged<IntPtr, int>)F("dnnl_memory_destroy");
        _streamWait = (delegate* unmanaged<IntPtr, int>)F("dnnl_stream_wait");
        _pdCreate = (delegate* unmanaged<IntPtr*, IntPtr, IntPtr, IntPtr, IntPtr, int>)F("dnnl_primitive_desc_create");
        _pdQuery = (delegate* unmanaged<IntPtr, int, int, IntPtr*, int>)F("dnnl_primitive_desc_query");
        _primCreate = (delegate* unmanaged<IntPtr*, IntPtr, int>)F("dnnl_primitive_create");
        _memCreate = (delegate* unmanaged<IntPtr*, IntPtr, IntPtr, IntPtr, int>)F("dnnl_memory_create");
        _setHandle = (delegate* unmanaged<IntPtr, IntPtr, int>)F("dnnl_memory_set_data_handle");
        _execute = (delegate* unmanaged<IntPtr, IntPtr, int, ExecArg*, int>)F("dnnl_primitive_execute");
        var version = (int*)((delegate* unmanaged<IntPtr>)F("dnnl_version"))();
        Version = $"{version[0]}.{version[1]}.{version[2]}";
        EffectiveIsa = ((delegate* unmanaged<int>)F("dnnl_get_effective_cpu_isa"))();
        // Debian's oneDNN runs on libgomp (OpenMP); the same mapped library sets its per-thread team size.
        if (NativeLibrary.TryLoad("libgomp.so.1", out IntPtr gomp) && NativeLibrary.TryGetExport(gomp, "omp_set_num_threads", out IntPtr set))
            _ompSetThreads = (delegate* unmanaged<int, void>)set;
        IntPtr e, s;
        Check(_engineCreate(&e, CpuEngine, 0), "dnnl_engine_create(cpu)");
        Check(_streamCreate(&s, e, InOrder), "dnnl_stream_create");
        (_engine, _stream) = (e, s);
    }

    static void Check(int status, string what)
    {
        if (status != Success)
            throw new BlasUnavailableException($"oneDNN {what} failed with status {status}{(status == 3 ? " (dnnl_unimplemented: no implementation for this data type on this CPU)" : "")}");
    }

    public void EnsureThreads(int threads)
    {
        if (_ompSetThreads == null || t_threads == threads) return;
        _ompSetThreads(threads); t_threads = threads;
    }

    /// <summary>Creates the matmul primitive (A strides sa, B strides sb, C row stride ldc) and its memory objects.</summary>
    public Prepared Prepare(int m, int n, int k, long[] sa, long[] sb, int ldc, float alpha, float beta, bool bf16)
    {
        int inType = bf16 ? Bf16Type : F32, elem = bf16 ? 2 : 4;
        IntPtr mdA = Marshal.AllocHGlobal(MdBytes), mdB = Marshal.AllocHGlobal(MdBytes), mdC = Marshal.AllocHGlobal(MdBytes);
        IntPtr op = Marshal.AllocHGlobal(OpDescBytes);
        IntPtr attr = IntPtr.Zero, post = IntPtr.Zero, pd = IntPtr.Zero, prim = IntPtr.Zero, ma = IntPtr.Zero, mb = IntPtr.Zero, mc = IntPtr.Zero;
        try
        {
            long* dims = stackalloc long[2], strides = stackalloc long[2];
            (dims[0], dims[1], strides[0], strides[1]) = (m, k, sa[0], sa[1]);
            Check(_mdByStrides(mdA, 2, dims, inType, strides), "memory_desc_init_by_strides(A)");
            (dims[0], dims[1], strides[0], strides[1]) = (k, n, sb[0], sb[1]);
            Check(_mdByStrides(mdB, 2, dims, inType, strides), "memory_desc_init_by_strides(B)");
            (dims[0], dims[1], strides[0], strides[1]) = (m, n, ldc, 1);
            Check(_mdByStrides(mdC, 2, dims, F32, strides), "memory_desc_init_by_strides(C)");
            Check(_matmulDesc(op, mdA, mdB, IntPtr.Zero, mdC), "dnnl_matmul_desc_init");
            IntPtr t;
            Check(_attrCreate(&t), "primitive_attr_create"); attr = t;
            if (alpha != 1f) Check(_setOutputScales(attr, 1, 0, &alpha), "set_output_scales(alpha)");
            if (beta != 0f)
            {
                Check(_postOpsCreate(&t), "post_ops_create"); post = t;
                Check(_appendSum(post, beta), "post_ops_append_sum(beta)");
                Check(_setPostOps(attr, post), "set_post_ops");
            }
            Check(_pdCreate(&t, op, attr, _engine, IntPtr.Zero), $"matmul primitive_desc_create ({(bf16 ? "bf16" : "f32")} {m}x{k} . {k}x{n})");
            pd = t;
            IntPtr impl;
            string implName = _pdQuery(pd, QueryImplInfoStr, 0, &impl) == Success ? Marshal.PtrToStringAnsi(impl) ?? "?" : "?";
            Check(_primCreate(&t, pd), "primitive_create"); prim = t;
            // Memory objects wrap caller-visible buffers; handles are set per call (no allocation by oneDNN).
            Check(_memCreate(&t, mdA, _engine, IntPtr.Zero), "memory_create(A)"); ma = t;
            Check(_memCreate(&t, mdB, _engine, IntPtr.Zero), "memory_create(B)"); mb = t;
            Check(_memCreate(&t, mdC, _engine, IntPtr.Zero), "memory_create(C)"); mc = t;
            var p = new Prepared(prim, ma, mb, mc, new byte[(long)m * k * elem], new byte[(long)k * n * elem], implName);
            prim = ma = mb = mc = IntPtr.Zero; // owned by p now
            return p;
        }
        finally
        {
            if (prim != IntPtr.Zero) _primDestroy(prim);
            if (ma != IntPtr.Zero) _memDestroy(ma);
            if (mb != IntPtr.Zero) _memDestroy(mb);
            if (mc != IntPtr.Zero) _memDestroy(mc);
            if (pd != IntPtr.Zero) _pdDestroy(pd);
            if (post != IntPtr.Zero) _postOpsDestroy(post);
            if (attr != IntPtr.Zero) _attrDestroy(attr);
            Marshal.FreeHGlobal(mdA); Marshal.FreeHGlobal(mdB); Marshal.FreeHGlobal(mdC); Marshal.FreeHGlobal(op);
        }
    }

    public void Execute(Prepared p, byte* a, byte* b, float* c)
    {
        Check(_setHandle(p.MemA, (IntPtr)a), "memory_set_data_handle(A)");
        Check(_setHandle(p.MemB, (IntPtr)b), "memory_set_data_handle(B)");
        Check(_setHandle(p.MemC, (IntPtr)c), "memory_set_data_handle(C)");
        ExecArg* args = stackalloc ExecArg[3];
        args[0] = new ExecArg { Arg = ArgSrc, Memory = p.MemA };
        args[1] = new ExecArg { Arg = ArgWeights, Memory = p.MemB };
        args[2] = new ExecArg { Arg = ArgDst, Memory = p.MemC };
        Check(_execute(p.Primitive, _stream, 3, args), "primitive_execute");
        Check(_streamWait(_stream), "stream_wait");
    }

    public void Destroy(Prepared p)
    {
        _primDestroy(p.Primitive); _memDestroy(p.MemA); _memDestroy(p.MemB); _memDestroy(p.MemC);
    }
}
