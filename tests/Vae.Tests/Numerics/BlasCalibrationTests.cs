// Auto mode picks the fastest verified provider by a measured calibration, caches it per machine + library versions
// in the user's cache folder (XDG_CACHE_HOME, else HOME/.cache), and VAE_BLAS still overrides it.
// Must not: assert on real timings (a loaded machine may order providers either way); measurement is injected.

namespace Vae.Tests.Numerics;

public class BlasCalibrationTests
{
    /// <summary>A correct provider under another name and version (the managed kernel does the work).</summary>
    sealed class NamedBlas(string name, int threads, string version, string? note = null) : IBlas
    {
        readonly ManagedBlas _inner = new(1);
        public string Name => name;
        public int Threads => threads;
        public string Describe() => $"blas={name} ({version}), threads={threads}" + (note is null ? "" : $"; {note}");
        public void Sgemm(bool ta, bool tb, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                          ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
            _inner.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    sealed class Timer(params (string Name, double Ms)[] ms)
    {
        public int Calls;
        public IReadOnlyDictionary<string, double> Measure(IReadOnlyList<IBlas> candidates)
        {
            Calls++;
            return candidates.ToDictionary(c => c.Name, c => ms.First(x => x.Name == c.Name).Ms);
        }
    }

    static IBlas Create(Func<string, string?> env, Timer timer, string version = "1.0", BlasOptions? options = null) =>
        BlasResolver.Create(options ?? new BlasOptions(Threads: 1), env, (p, t, note) => new NamedBlas(p, t, version, note), timer.Measure);

    [Fact]
    public void Auto_returns_the_fastest_provider_and_says_so()
    {
        using var dir = new TempDir();
        var timer = new Timer(("mkl", 3.0), ("openblas", 1.0), ("managed", 2.0));
        var blas = Create(Env(("XDG_CACHE_HOME", dir.Path)), timer);
        Assert.Equal("openblas", blas.Name);
        string d = blas.Describe();
        Assert.Contains("fastest by calibration", d);
        Assert.Contains("openblas 1.00 ms, managed 2.00 ms, mkl 3.00 ms", d);
        Assert.Contains("measured now, cached in " + Path.Combine(dir.Path, "vae"), d);
        Assert.Equal(1, timer.Calls);
    }

    [Fact]
    public void The_choice_is_cached_and_reused_until_a_library_changes()
    {
        using var dir = new TempDir();
        var env = Env(("HOME", dir.Path));
        var timer = new Timer(("mkl", 1.0), ("openblas", 3.0), ("managed", 2.0));
        Assert.Equal("mkl", Create(env, timer).Name);
        var again = Create(env, new Timer(("mkl", 9.0), ("openblas", 9.0), ("managed", 0.5)));
        Assert.Equal("mkl", again.Name); // from the cache: the second timer was not asked
        Assert.Contains("(cached ", again.Describe());
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, ".cache", "vae"), "blas-calibration-*.json"));

        var upgraded = new Timer(("mkl", 9.0), ("openblas", 9.0), ("managed", 0.5));
        Assert.Equal("managed", Create(env, upgraded, version: "2.0").Name); // another library version: measured again
        Assert.Equal(1, upgraded.Calls);
    }

    [Fact]
    public void Without_a_cache_folder_it_still_chooses_and_says_it_could_not_cache()
    {
        var blas = Create(Env(), new Timer(("mkl", 2.0), ("openblas", 3.0), ("managed", 1.0)));
        Assert.Equal("managed", blas.Name);
        Assert.Contains("not cached: neither XDG_CACHE_HOME nor HOME", blas.Describe());
    }

    [Fact]
    public void A_corrupt_cache_file_is_measured_again_and_replaced()
    {
        using var dir = new TempDir();
        var env = Env(("XDG_CACHE_HOME", dir.Path));
        Create(env, new Timer(("mkl", 2.0), ("openblas", 3.0), ("managed", 1.0)));
        string file = Directory.GetFiles(Path.Combine(dir.Path, "vae")).Single();
        File.WriteAllText(file, "{ not json");
        var timer = new Timer(("mkl", 1.0), ("openblas", 3.0), ("managed", 2.0));
        Assert.Equal("mkl", Create(env, timer).Name);
        Assert.Equal(1, timer.Calls);
        Assert.Contains("\"Winner\": \"mkl\"", File.ReadAllText(file));
    }

    [Fact]
    public void VAE_BLAS_overrides_the_calibration()
    {
        using var dir = new TempDir();
        var timer = new Timer(("mkl", 1.0), ("openblas", 3.0), ("managed", 2.0));
        var blas = Create(Env(("XDG_CACHE_HOME", dir.Path), ("VAE_BLAS", "openblas")), timer);
        Assert.Equal("openblas", blas.Name);
        Assert.Equal(0, timer.Calls);
    }

    [Fact]
    public void The_real_measurement_times_every_candidate_on_the_step_shapes()
    {
        using var managed = new ManagedBlas(1);
        var ms = BlasCalibration.MeasureAll([managed, new NamedBlas("other", 1, "x")]);
        Assert.Equal(2, ms.Count);
        Assert.All(ms.Values, v => Assert.True(v > 0 && double.IsFinite(v), $"{v} ms"));
        // The shapes are one step of 784-500-20 at M = 100: 14 products, 2 * (sum of m n k) = 410 MFLOP.
        Assert.Equal(14, BlasCalibration.StepShapes.Length);
        Assert.Equal(410.0, Math.Round(BlasCalibration.StepShapes.Sum(s => 2.0 * s.M * s.N * s.K) / 1e6), 0);
    }

    [Fact]
    public void The_cache_file_is_shown_under_the_home_folder_as_a_tilde_path()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var r = new BlasCalibrationResult("openblas", new Dictionary<string, double> { ["openblas"] = 1.5, ["managed"] = 2.0 }, DateTime.UtcNow,
                                          Path.Combine(home, ".cache", "vae", "blas-calibration-x.json"), FromCache: true, CacheProblem: null);
        Assert.Contains("in ~/.cache/vae/blas-calibration-x.json)", r.Note());
        Assert.DoesNotContain(home + "/", r.Note());
        Assert.Equal("/elsewhere/c.json", BlasCalibrationResult.Shown("/elsewhere/c.json")); // outside the home folder: as is
    }
}
