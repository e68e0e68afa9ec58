// Picks the sgemm provider for a run: the one the options / VAE_BLAS name, else (auto) the fastest verified one of
// MKL, OpenBLAS and managed by a cached calibration (BlasCalibration).
// Owns: BlasOptions, the environment overrides (VAE_BLAS, VAE_BLAS_THREADS), and the verify-on-load GEMM.
// Must not: cache a provider globally; every call to Create returns a fresh, verified IBlas that the caller passes on.
namespace Vae.Core.Numerics;

/// <summary>Which BLAS to use and with how many threads.</summary>
/// <param name="Provider">"auto" (the fastest of MKL, OpenBLAS and managed here, measured once and cached; env VAE_BLAS may
/// name one), "mkl", "openblas" or "managed".</param>
/// <param name="Threads">Threads per sgemm; null = env VAE_BLAS_THREADS, else Environment.ProcessorCount.</param>
/// <param name="Precision">GEMM arithmetic: bf16 runs where the CPU has it, else fp32 with a label (PrecisionChoice.cs).</param>
public sealed record BlasOptions(string Provider = "auto", int? Threads = null, Precision Precision = Precision.Fp32)
{
    /// <summary>The accepted provider names.</summary>
    public static readonly IReadOnlyList<string> Providers = ["auto", "mkl", "openblas", "managed"];

    /// <summary>Throws ArgumentException naming the bad field and the value found.</summary>
    public BlasOptions Validate()
    {
        if (!Providers.Contains(Provider))
            throw new ArgumentException($"BLAS provider '{Provider}' is not one of: {string.Join(", ", Providers)}");
        if (Threads is < 1)
            throw new ArgumentException($"BLAS threads ({Threads}) must be >= 1");
        return this;
    }
}

/// <summary>Resolves <see cref="BlasOptions"/> to a verified <see cref="IBlas"/>.</summary>
public static class BlasResolver
{
    /// <summary>Environment variable naming the provider (mkl|openblas|managed|auto); used when the options say "auto".</summary>
    public const string ProviderVariable = "VAE_BLAS";

    /// <summary>Environment variable giving the thread count; used when the options leave Threads null.</summary>
    public const string ThreadsVariable = "VAE_BLAS_THREADS";

    /// <summary>
    /// Returns the provider the options (else VAE_BLAS, else auto) ask for, verified by a small GEMM on awkward shapes.
    /// An explicitly named provider that cannot load or fails verification throws <see cref="BlasUnavailableException"/>;
    /// auto mode loads and verifies MKL, OpenBLAS and managed, returns the fastest by <see cref="BlasCalibration"/>
    /// (measured on first use, then cached per machine and library versions), and Describe() says why it won and
    /// what was skipped.
    /// </summary>
    /// <param name="options">Provider and threads; explicit values win over the environment.</param>
    /// <param name="environment">Reads an environment variable (default: the process environment); tests pass their own.</param>
    public static IBlas Create(BlasOptions options, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var fp32 = Create(options, environment, (provider, threads, note) => NativeBlas.Load(provider, threads, note));
        return PrecisionBlas.Apply(fp32, options.Precision, environment, () => Bf16Support.Probe());
    }

    /// <summary>Test hook: `loadNative(provider, threads, note)` stands in for NativeBlas.Load, `measure` for the timing.</summary>
    internal static IBlas Create(BlasOptions options, Func<string, string?>? environment, Func<string, int, string?, IBlas> loadNative,
                                 Func<IReadOnlyList<IBlas>, IReadOnlyDictionary<string, double>>? measure = null)
    {
        options.Validate();
        environment ??= Environment.GetEnvironmentVariable;
        string provider = options.Provider;
        string source = "options";
        if (provider == "auto" && environment(ProviderVariable) is { Length: > 0 } fromEnv)
        {
            provider = fromEnv.Trim().ToLowerInvariant();
            source = $"env {ProviderVariable}";
            if (!BlasOptions.Providers.Contains(provider))
                throw new ArgumentException($"{ProviderVariable}='{fromEnv}' is not one of: {string.Join(", ", BlasOptions.Providers)}");
        }
        int threads = options.Threads ?? ThreadsFromEnvironment(environment) ?? Environment.ProcessorCount;

        if (provider != "auto")
        {
            IBlas chosen;
            try
            {
                chosen = provider == "managed" ? new ManagedBlas(threads) { Note = $"requested by {source}" }
                                               : loadNative(provider, threads, $"requested by {source}");
            }
            catch (BlasUnavailableException e)
            {
                // No silent fallback: the user asked for this provider by name.
                throw new BlasUnavailableException($"BLAS provider '{provider}' was requested by {source} but is unavailable: {e.Message}");
            }
            string? error = Verify(chosen);
            if (error is not null)
            {
                (chosen as IDisposable)?.Dispose();
                throw new BlasUnavailableException($"{provider} (requested by {source}) failed verification: {error}");
            }
            return chosen;
        }

        // MKL stays a candidate (on Intel CPUs it may win); every candidate must load and pass verification first.
        var skipped = new List<string>();
        var usable = new List<IBlas>();
        foreach (string candidate in new[] { "mkl", "openblas", "managed" })
        {
            IBlas blas;
            try { blas = candidate == "managed" ? new ManagedBlas(threads) : loadNative(candidate, threads, null); }
            catch (BlasUnavailableException e) { skipped.Add($"{candidate} skipped: {e.Message}"); continue; }
            string? error = Verify(blas);
            if (error is null) { usable.Add(blas); continue; }
            (blas as IDisposable)?.Dispose();
            skipped.Add($"{candidate} rejected: {error}");
        }
        if (usable.Count == 0) throw new BlasUnavailableException($"no usable BLAS: {string.Join("; ", skipped)}");
        string why;
        string winner;
        if (usable.Count == 1) (winner, why) = (usable[0].Name, "the only usable provider");
        else
        {
            var c = BlasCalibration.Choose(usable, environment, measure);
            (winner, why) = (c.Winner, c.Note());
        }
        foreach (var b in usable) (b as IDisposable)?.Dispose();
        string note = "auto: " + string.Join("; ", new[] { why }.Concat(skipped));
        // Fresh instance of the winner carrying the note (the measured instances are disposed above).
        return winner == "managed" ? new ManagedBlas(threads) { Note = note } : loadNative(winner, threads, note);
    }

    /// <summary>
    /// The same provider (library, kernel, precision, note) with another thread count, for callers that run several
    /// one-thread GEMMs side by side (ImportanceSampler); null for a provider type it does not know (tests' fakes).
    /// </summary>
    public static IBlas? WithThreads(IBlas blas, int threads) => blas switch
    {
        ManagedBlas m => new ManagedBlas(threads) { Note = m.Note },
        NativeBlas nb => NativeBlas.Load(nb.Name, threads, nb.Note),
        OneDnnBlas o => new OneDnnBlas(o.IsBf16, threads),
        Bf16EmulatedBlas e => WithThreads(e.Inner, threads) is { } inner ? new Bf16EmulatedBlas(inner) : null,
        PrecisionBlas p => WithThreads(p.Inner, threads) is { } inner ? p.With(inner) : null,
        _ => null,
    };

    static int? ThreadsFromEnvironment(Func<string, string?> environment)
    {
        string? s = environment(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(s)) return null;
        if (!int.TryParse(s.Trim(), out int t) || t < 1)
            throw new ArgumentException($"{ThreadsVariable}='{s}' is not a thread count >= 1");
        return t;
    }

    /// <summary>
    /// Runs the provider on awkward shapes (all four transposes, padded strides, alpha/beta not 0 or 1, one shape big
    /// enough to go multi-threaded) and compares with a float64 triple loop. Returns null if it agrees, else what differed.
    /// </summary>
    internal static string? Verify(IBlas blas)
    {
        (int m, int n, int k, bool ta, bool tb)[] cases =
        [
            (13, 37, 29, false, false), (13, 37, 29, false, true), (13, 37, 29, true, false), (13, 37, 29, true, true),
            (1, 1, 1, false, false), (96, 160, 128, false, false), (96, 160, 128, true, true),
        ];
        var rng = new Rng(20131220, RngStream.Init);
        foreach (var (m, n, k, ta, tb) in cases)
        {
            int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
            float[] a = Random(rng, (ta ? k : m) * lda), b = Random(rng, (tb ? n : k) * ldb), c = Random(rng, m * ldc);
            const float alpha = 0.75f, beta = 0.5f;
            var expected = new double[m * n];
            double scale = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double x = (ta ? a[p * lda + i] : a[i * lda + p]) * (double)(tb ? b[j * ldb + p] : b[p * ldb + j]);
                        s += x; abs += Math.Abs(x);
                    }
                    expected[i * n + j] = alpha * s + beta * (double)c[i * ldc + j];
                    scale = Math.Max(scale, abs + Math.Abs(c[i * ldc + j]));
                }
            try { blas.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); }
            catch (Exception e) when (e is not OutOfMemoryException) { return $"sgemm threw {e.GetType().Name}: {e.Message}"; }
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double err = Math.Abs(c[i * ldc + j] - expected[i * n + j]);
                    if (!(err <= 1e-5 * scale + 1e-30)) // float32 rounding over k terms stays far below 1e-5 of the scale
                        return $"shape m={m} n={n} k={k} transA={ta} transB={tb}: C[{i},{j}] = {c[i * ldc + j]}, " +
                               $"float64 reference {expected[i * n + j]:G9} (|error| {err:G3} > {1e-5 * scale:G3})";
                }
        }
        return null;
    }

    static float[] Random(Rng rng, int length)
    {
        var x = new float[length];
        rng.FillUniform(x, -1f, 1f);
        return x;
    }
}
