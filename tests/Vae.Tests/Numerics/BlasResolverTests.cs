// Provider selection: options vs VAE_BLAS / VAE_BLAS_THREADS, no silent fallback when a provider is named,
// auto-mode fallback with the reason in Describe(), verify-on-load, and refusing a library that is not the one asked for.
// Must not: re-test GEMM numerics (BlasProviderTests does).

namespace Vae.Tests.Numerics;

public class BlasResolverTests
{
    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    static IBlas Unavailable(string provider, int threads, string? note) =>
        throw new BlasUnavailableException($"{provider}: cannot load lib{provider}.so: absent in this test");

    /// <summary>A provider that answers wrongly (adds 1 to every element): verify-on-load must catch it.</summary>
    sealed class WrongBlas(string name, int threads) : IBlas
    {
        readonly ManagedBlas _inner = new(1);
        public string Name => name;
        public int Threads => threads;
        public string Describe() => $"wrong {name}";
        public void Sgemm(bool ta, bool tb, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                          ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            _inner.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            for (int i = 0; i < m; i++) c[i * ldc] += 1f;
        }
    }

    [Fact]
    public void Environment_names_the_provider_and_threads_when_options_say_auto()
    {
        var blas = BlasResolver.Create(new BlasOptions(), Env(("VAE_BLAS", "managed"), ("VAE_BLAS_THREADS", "3")));
        using var _ = blas as IDisposable;
        Assert.Equal("managed", blas.Name);
        Assert.Equal(3, blas.Threads);
        string d = blas.Describe();
        Assert.Contains("blas=managed", d);
        Assert.Contains("threads=3", d);
        Assert.Contains("requested by env VAE_BLAS", d);
        Assert.Contains($"Vector<float>x{System.Numerics.Vector<float>.Count}", d);
        Assert.Contains($".NET {Environment.Version}", d);
    }

    [Fact]
    public void Explicit_options_win_over_the_environment()
    {
        var blas = BlasResolver.Create(new BlasOptions("managed", 2), Env(("VAE_BLAS", "openblas"), ("VAE_BLAS_THREADS", "5")));
        using var _ = blas as IDisposable;
        Assert.Equal("managed", blas.Name);
        Assert.Equal(2, blas.Threads);
    }

    [Fact]
    public void Threads_default_to_the_processor_count()
    {
        var blas = BlasResolver.Create(new BlasOptions("managed"), Env());
        using var _ = blas as IDisposable;
        Assert.Equal(Environment.ProcessorCount, blas.Threads);
    }

    [Theory]
    [InlineData("mkl")]
    [InlineData("openblas")]
    public void A_named_provider_that_cannot_load_is_a_clear_error_not_a_fallback(string provider)
    {
        var e = Assert.Throws<BlasUnavailableException>(() =>
            BlasResolver.Create(new BlasOptions(), Env(("VAE_BLAS", provider)), Unavailable));
        Assert.Contains($"'{provider}' was requested by env VAE_BLAS but is unavailable", e.Message);
        Assert.Contains($"cannot load lib{provider}.so", e.Message);
    }

    [Fact]
    public void Auto_falls_back_to_managed_and_says_why()
    {
        var blas = BlasResolver.Create(new BlasOptions(Threads: 1), Env(), Unavailable);
        using var _ = blas as IDisposable;
        Assert.Equal("managed", blas.Name);
        Assert.Contains("mkl skipped: mkl: cannot load libmkl.so", blas.Describe());
        Assert.Contains("openblas skipped: openblas: cannot load libopenblas.so", blas.Describe());
    }

    [Fact]
    public void A_named_provider_that_computes_wrongly_is_rejected_with_the_numbers()
    {
        var e = Assert.Throws<BlasUnavailableException>(() =>
            BlasResolver.Create(new BlasOptions("openblas", 1), Env(), (p, t, _) => new WrongBlas(p, t)));
        Assert.Contains("openblas (requested by options) failed verification", e.Message);
        Assert.Contains("float64 reference", e.Message);
    }

    [Fact]
    public void Auto_skips_a_provider_that_fails_verification()
    {
        IBlas Load(string p, int t, string? note) => p == "mkl" ? new WrongBlas(p, t) : Unavailable(p, t, note);
        var blas = BlasResolver.Create(new BlasOptions(Threads: 1), Env(), Load);
        using var _ = blas as IDisposable;
        Assert.Equal("managed", blas.Name);
        Assert.Contains("mkl rejected: shape", blas.Describe());
    }

    [Theory]
    [InlineData("VAE_BLAS", "cuda", "VAE_BLAS='cuda' is not one of")]
    [InlineData("VAE_BLAS_THREADS", "zero", "VAE_BLAS_THREADS='zero' is not a thread count")]
    [InlineData("VAE_BLAS_THREADS", "0", "VAE_BLAS_THREADS='0' is not a thread count")]
    public void Bad_environment_values_are_clear_errors(string key, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => BlasResolver.Create(new BlasOptions(), Env((key, value))));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Bad_options_fail_validation_with_the_value()
    {
        Assert.Contains("'atlas' is not one of", Assert.Throws<ArgumentException>(() => new BlasOptions("atlas").Validate()).Message);
        Assert.Contains("threads (0) must be >= 1", Assert.Throws<ArgumentException>(() => new BlasOptions(Threads: 0).Validate()).Message);
    }

    [Fact]
    public void Managed_passes_its_own_load_verification()
    {
        using var blas = new ManagedBlas(2, ManagedKernel.Auto, parallelMinWork: 0);
        Assert.Null(BlasResolver.Verify(blas));
    }

    [Theory]
    [InlineData("openblas", "not OpenBLAS")]
    [InlineData("mkl", "not MKL")]
    public void A_library_that_is_not_the_one_asked_for_is_refused(string provider, string expected)
    {
        // libc exports neither openblas_get_config nor MKL_Get_Version_String: it stands for any impostor.
        var e = Assert.Throws<BlasUnavailableException>(() => NativeBlas.CheckIdentity(provider, "libc.so.6"));
        Assert.Contains(expected, e.Message);
    }

    [FactIfFileExists(NetlibBlas, "Debian's netlib reference BLAS (libblas3) is not installed")]
    public void Netlib_reference_blas_is_refused_as_openblas()
    {
        var e = Assert.Throws<BlasUnavailableException>(() => NativeBlas.CheckIdentity("openblas", NetlibBlas));
        Assert.Contains("not OpenBLAS", e.Message);
    }

    const string NetlibBlas = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"; // Debian's path for the unoptimised reference

    [NativeBlasFact("openblas")]
    public void OpenBlas_describe_names_the_library_and_its_configuration()
    {
        var blas = NativeBlas.Load("openblas", 2);
        Assert.StartsWith("OpenBLAS", blas.Version);
        Assert.Contains("blas=openblas (OpenBLAS", blas.Describe());
        Assert.Contains("threads=2", blas.Describe());
    }
}
