// Native sgemm providers (Intel MKL via libmkl_rt, OpenBLAS) called through cblas_sgemm function pointers.
// Owns: loading each library once per process, proving it is the library we asked for, MKL's threading layer, thread counts.
// Must not: choose between providers (BlasResolver does) or ever load a generic libblas (it may be netlib's reference BLAS).
using System.Runtime.InteropServices;

namespace Vae.Core.Numerics;

/// <summary>sgemm through a native cblas_sgemm (MKL or OpenBLAS). Thread-safe; the thread count applies per call.</summary>
public sealed unsafe class NativeBlas : IBlas
{
    const int RowMajor = 101, NoTrans = 111, Trans = 112;

    readonly NativeLibraryInfo _lib;

    NativeBlas(NativeLibraryInfo lib, int threads, string? note)
    {
        _lib = lib;
        Threads = lib.ThreadingNote is null ? threads : 1;
        Note = lib.ThreadingNote is null ? note : string.Join("; ", new[] { note, lib.ThreadingNote }.Where(s => s is not null));
    }

    /// <summary>"mkl" or "openblas".</summary>
    public string Name => _lib.Name;
    public int Threads { get; }

    /// <summary>Why the resolver chose this provider, or what it had to give up (shown by Describe); null if nothing to say.</summary>
    internal string? Note { get; }

    /// <summary>The library's own version/configuration string.</summary>
    public string Version => _lib.Version;

    public string Describe() => BlasDescription.Format(Name, $"{Version}; {_lib.Path}", Threads, Note);

    /// <summary>
    /// Loads the named provider ("mkl" or "openblas") and returns it with the given thread count.
    /// Throws <see cref="BlasUnavailableException"/> saying what was tried and what failed.
    /// </summary>
    public static NativeBlas Load(string provider, int threads, string? note = null)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), $"threads ({threads}) must be >= 1");
        NativeLibraryInfo lib = provider switch
        {
            "mkl" => Mkl.Value,
            "openblas" => OpenBlas.Value,
            _ => throw new ArgumentException($"native BLAS provider '{provider}' is not one of: mkl, openblas"),
        };
        return new NativeBlas(lib, threads, note);
    }

    /// <summary>
    /// True if the provider's library file can be mapped at all (tests skip only then; a library that maps but fails
    /// the identity checks is an error, not an absence).
    /// </summary>
    public static bool LibraryPresent(string provider, out string reason)
    {
        string file = provider switch { "mkl" => MklFile, "openblas" => OpenBlasFile, _ => throw new ArgumentException($"unknown native provider '{provider}'") };
        if (NativeLibrary.TryLoad(file, out IntPtr h)) { NativeLibrary.Free(h); reason = $"{file} loads"; return true; }
        reason = $"{file} not found by the dynamic loader";
        return false;
    }

    /// <summary>Test hook: runs the identity checks for `provider` on an arbitrary library file (no caching, no sgemm).</summary>
    internal static string CheckIdentity(string provider, string file) =>
        (provider == "mkl" ? LoadMkl(file) : LoadOpenBlas(file)).Version;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        _lib.EnsureThreads(Threads);
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            _lib.Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                       alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    const string MklFile = "libmkl_rt.so", OpenBlasFile = "libopenblas.so.0";
    // One load per process: the libraries are process-wide anyway (and MKL's threading layer can be chosen only once).
    static readonly Lazy<NativeLibraryInfo> Mkl = new(() => LoadMkl(MklFile), LazyThreadSafetyMode.ExecutionAndPublication);
    static readonly Lazy<NativeLibraryInfo> OpenBlas = new(() => LoadOpenBlas(OpenBlasFile), LazyThreadSafetyMode.ExecutionAndPublication);

    static NativeLibraryInfo LoadOpenBlas(string file)
    {
        // A library under this name without openblas_get_config is not OpenBLAS (never accept reference BLAS).
        IntPtr h = LoadIdentified("openblas", "OpenBLAS", file, "openblas_get_config", out IntPtr getConfig);
        IntPtr sgemm = Export(h, file, "cblas_sgemm");
        IntPtr setThreads = Export(h, file, "openblas_set_num_threads");
        string version = Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)getConfig)()) ?? "?";
        if (NativeLibrary.TryGetExport(h, "openblas_get_corename", out IntPtr core))
            version += $" core={Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)core)())}";
        return new NativeLibraryInfo("openblas", LibraryPath(h, file), version.Trim(), sgemm,
            n => ((delegate* unmanaged<int, void>)setThreads)(n), null);
    }

    // MKL's libmkl_rt picks a threading library at its first call and dlopens it. Debian's default (Intel threading)
    // needs libiomp5's omp_* symbols in the global scope; .NET loads libraries RTLD_LOCAL, so MKL aborts the whole
    // process ("undefined symbol: omp_get_num_procs"). Therefore: load libgomp.so.1 with RTLD_GLOBAL and select the
    // GNU threading layer before any MKL call; if libgomp is absent select SEQUENTIAL (needs no OpenMP; threads = 1).
    const int MklThreadingSequential = 1, MklThreadingGnu = 3;

    static NativeLibraryInfo LoadMkl(string file)
    {
        IntPtr h = LoadIdentified("mkl", "MKL", file, "MKL_Get_Version_String", out IntPtr getVersion);
        IntPtr setLayer = Export(h, file, "MKL_Set_Threading_Layer");
        IntPtr sgemm = Export(h, file, "cblas_sgemm");
        IntPtr setThreadsLocal = Export(h, file, "MKL_Set_Num_Threads_Local");

        string? threadingNote = null;
        int layer = MklThreadingGnu;
        // libgomp spins ~300k iterations per barrier by default: fine on an idle machine, a collapse (10x slower steps,
        // seen here) when another process shares the cores. Bound the spin unless the user chose a policy; libgomp
        // reads its environment when loaded, so this must precede the dlopen (.NET's SetEnvironmentVariable does not
        // reach the native environment, hence libc setenv).
        if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null) NativeSetenv("GOMP_SPINCOUNT", "10000");
        if (!GlobalDlopen("libgomp.so.1", out string gompWhy))
        {
            layer = MklThreadingSequential;
            threadingNote = $"MKL threading=sequential, threads forced to 1 (libgomp.so.1 not loadable: {gompWhy})";
        }
        int previous = ((delegate* unmanaged<int, int>)setLayer)(layer);
        if (previous < 0)
            throw new BlasUnavailableException($"mkl: MKL_Set_Threading_Layer({layer}) failed (returned {previous}); refusing MKL rather than risk an abort");

        var buf = new byte[256];
        fixed (byte* p = buf) ((delegate* unmanaged<byte*, int, void>)getVersion)(p, buf.Length);
        string version = System.Text.Encoding.ASCII.GetString(buf, 0, Math.Max(0, Array.IndexOf(buf, (byte)0))).Trim();
        version += layer == MklThreadingGnu ? " threading=gnu(libgomp)" : " threading=sequential";
        // The _Local setter is per calling thread, so concurrent users with different thread counts do not interfere.
        return new NativeLibraryInfo("mkl", LibraryPath(h, file), version, sgemm,
            n => ((delegate* unmanaged<int, int>)setThreadsLocal)(n), threadingNote);
    }

    /// <summary>Loads <paramref name="file"/> and checks its identity: it must export <paramref name="identity"/>, a symbol only
    /// <paramref name="library"/> has (returned in <paramref name="identityExport"/>); otherwise refuses it.</summary>
    static IntPtr LoadIdentified(string provider, string library, string file, string identity, out IntPtr identityExport)
    {
        IntPtr h = TryLoad(file, out string why);
        if (h == IntPtr.Zero) throw new BlasUnavailableException($"{provider}: cannot load {file}: {why}");
        if (!NativeLibrary.TryGetExport(h, identity, out identityExport))
            throw new BlasUnavailableException($"{provider}: {file} loaded but has no {identity} symbol: it is not {library}, refusing it");
        return h;
    }

    static IntPtr TryLoad(string file, out string why)
    {
        try { why = ""; return NativeLibrary.Load(file); }
        catch (DllNotFoundException e) { why = e.Message; return IntPtr.Zero; }
    }

    static IntPtr Export(IntPtr h, string file, string name) =>
        NativeLibrary.TryGetExport(h, name, out IntPtr p) ? p
            : throw new BlasUnavailableException($"{file}: required symbol {name} not found");

    const int RtldNow = 2, RtldGlobal = 0x100;

    /// <summary>dlopen(file, RTLD_NOW | RTLD_GLOBAL): NativeLibrary.Load cannot make symbols global.</summary>
    static bool GlobalDlopen(string file, out string why)
    {
        IntPtr libc = TryLoad("libc.so.6", out why);
        if (libc == IntPtr.Zero || !NativeLibrary.TryGetExport(libc, "dlopen", out IntPtr dlopen))
        {
            libc = TryLoad("libdl.so.2", out why);
            if (libc == IntPtr.Zero || !NativeLibrary.TryGetExport(libc, "dlopen", out dlopen)) { why = $"no dlopen: {why}"; return false; }
        }
        IntPtr name = Marshal.StringToHGlobalAnsi(file);
        try
        {
            IntPtr h = ((delegate* unmanaged<IntPtr, int, IntPtr>)dlopen)(name, RtldNow | RtldGlobal);
            why = h == IntPtr.Zero ? $"dlopen({file}) returned NULL" : "";
            return h != IntPtr.Zero;
        }
        finally { Marshal.FreeHGlobal(name); }
    }

    /// <summary>setenv(name, value, overwrite = 0) in the native environment (an explicit user setting wins).</summary>
    static void NativeSetenv(string name, string value)
    {
        IntPtr libc = TryLoad("libc.so.6", out _);
        if (libc == IntPtr.Zero || !NativeLibrary.TryGetExport(libc, "setenv", out IntPtr setenv)) return;
        IntPtr n = Marshal.StringToHGlobalAnsi(name), v = Marshal.StringToHGlobalAnsi(value);
        try { ((delegate* unmanaged<IntPtr, IntPtr, int, int>)setenv)(n, v, 0); }
        finally { Marshal.FreeHGlobal(n); Marshal.FreeHGlobal(v); }
    }

    /// <summary>The file the dynamic loader actually mapped (via dladdr on a symbol), for Describe; falls back to the name.</summary>
    static string LibraryPath(IntPtr h, string file)
    {
        IntPtr libc = TryLoad("libc.so.6", out _);
        if (libc == IntPtr.Zero || !NativeLibrary.TryGetExport(libc, "dladdr", out IntPtr dladdr)) return file;
        if (!NativeLibrary.TryGetExport(h, "cblas_sgemm", out IntPtr sym)) return file;
        var info = stackalloc IntPtr[4]; // Dl_info { dli_fname, dli_fbase, dli_sname, dli_saddr }
        if (((delegate* unmanaged<IntPtr, IntPtr*, int>)dladdr)(sym, info) == 0 || info[0] == IntPtr.Zero) return file;
        return Marshal.PtrToStringAnsi(info[0]) ?? file;
    }

    /// <summary>One loaded library: its sgemm entry point and thread setter.</summary>
    sealed class NativeLibraryInfo(string name, string path, string version, IntPtr sgemm, Action<int> setThreads, string? threadingNote)
    {
        public string Name { get; } = name;
        public string Path { get; } = path;
        public string Version { get; } = version;
        public string? ThreadingNote { get; } = threadingNote;
        readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm =
            (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;

        // OpenBLAS's count is process-wide (last setter wins between concurrent users); MKL's _Local count is per
        // calling thread. Caching the last value set avoids a library call per sgemm.
        int _processLast;
        [ThreadStatic] static int t_mklLast;

        public void EnsureThreads(int threads)
        {
            if (ThreadingNote is not null) return; // sequential MKL: nothing to set
            if (Name == "mkl")
            {
                if (t_mklLast == threads) return;
                setThreads(threads); t_mklLast = threads;
            }
            else if (Volatile.Read(ref _processLast) != threads)
            {
                setThreads(threads); Volatile.Write(ref _processLast, threads);
            }
        }

        public void Sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, float* a, int lda,
                          float* b, int ldb, float beta, float* c, int ldc) =>
            _sgemm(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}

/// <summary>A requested BLAS provider cannot be used; the message says what was tried and what failed.</summary>
public sealed class BlasUnavailableException(string message) : Exception(message);
