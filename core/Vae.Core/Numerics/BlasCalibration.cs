// Auto mode's choice between verified providers: the fastest on this machine, measured on a training step's GEMM
// shapes (interleaved rounds, best of each) and cached per machine + library versions in the user's cache folder.
// Owns: the calibration shapes and timing, the cache file (format, key, atomic write). Must not: load or verify
// providers (BlasResolver does) or write anywhere but $XDG_CACHE_HOME/vae (else ~/.cache/vae).
using System.Security.Cryptography;

namespace Vae.Core.Numerics;

/// <summary>What a calibration found: milliseconds per step's GEMMs for each candidate, and the winner.</summary>
public sealed record BlasCalibrationResult(string Winner, IReadOnlyDictionary<string, double> Ms, DateTime MeasuredUtc,
                                           string? CacheFile, bool FromCache, string? CacheProblem)
{
    /// <summary>One clause for Describe(): "fastest by calibration: managed 1.60 ms, openblas 2.33 ms ... (cached FILE, DATE)".</summary>
    public string Note() =>
        "fastest by calibration on the 784-500-20 M=100 step's GEMMs: " +
        string.Join(", ", Ms.OrderBy(kv => kv.Value).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F2} ms"))) +
        (FromCache ? $" (cached {MeasuredUtc:yyyy-MM-dd HH:mm}Z in {Shown(CacheFile)})"
                   : CacheFile is not null ? $" (measured now, cached in {Shown(CacheFile)})" : $" (measured now; not cached: {CacheProblem})");

    /// <summary>The cache file as written into manifests and committed tables: under the home folder as "~/...", so a
    /// result names no machine's user or path.</summary>
    public static string? Shown(string? file)
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return file is not null && home.Length > 1 && file.StartsWith(home + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? "~" + file[home.Length..] : file;
    }
}

/// <summary>Measures and caches which provider is fastest here.</summary>
public static class BlasCalibration
{
    const int Format = 1;

    /// <summary>The GEMM calls of one training step of the default model (784-500-20, M = 100, L = 1) in the
    /// engine's order: forward encoder, heads, decoder; then their backward products (weight gradient, input gradient).</summary>
    internal static readonly (bool Ta, bool Tb, int M, int N, int K)[] StepShapes =
    [
        (false, false, 100, 500, 784), (false, false, 100, 20, 500), (false, false, 100, 20, 500),
        (false, false, 100, 500, 20), (false, false, 100, 784, 500),
        (true, false, 500, 784, 100), (false, true, 100, 500, 784),
        (true, false, 20, 500, 100), (false, true, 100, 20, 500),
        (true, false, 500, 20, 100), (false, true, 100, 500, 20), (true, false, 500, 20, 100), (false, true, 100, 500, 20),
        (true, false, 784, 500, 100),
    ];

    /// <summary>
    /// The winner among <paramref name="candidates"/> (all verified, same thread count): from the cache when its key
    /// (CPU, thread count, every candidate's Describe()) matches, else measured now and cached.
    /// </summary>
    /// <param name="candidates">Verified providers with distinct names.</param>
    /// <param name="environment">Reads XDG_CACHE_HOME and HOME.</param>
    /// <param name="measure">Milliseconds per candidate name (test hook); null = <see cref="MeasureAll"/>.</param>
    public static BlasCalibrationResult Choose(IReadOnlyList<IBlas> candidates, Func<string, string?> environment,
                                               Func<IReadOnlyList<IBlas>, IReadOnlyDictionary<string, double>>? measure = null)
    {
        if (candidates.Count == 0) throw new ArgumentException("no candidates to calibrate");
        string identity = Identity(candidates);
        string? dir = CacheDirectory(environment, out string? problem);
        string? file = dir is null ? null : Path.Combine(dir, $"blas-calibration-{Hash(identity)}.json");
        if (file is not null && TryRead(file, identity, candidates) is { } cached) return cached;

        var ms = (measure ?? MeasureAll)(candidates);
        string winner = ms.MinBy(kv => kv.Value).Key;
        var now = DateTime.UtcNow;
        if (file is not null)
        {
            try { Write(file, identity, winner, ms, now); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { (problem, file) = ($"{e.GetType().Name}: {e.Message}", null); }
        }
        return new BlasCalibrationResult(winner, ms, now, file, false, problem);
    }

    /// <summary>$XDG_CACHE_HOME/vae, else $HOME/.cache/vae; null (and why) when neither is set.</summary>
    public static string? CacheDirectory(Func<string, string?> environment, out string? problem)
    {
        problem = null;
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "vae");
        if (environment("HOME") is { Length: > 0 } home && Path.IsPathRooted(home)) return Path.Combine(home, ".cache", "vae");
        problem = "neither XDG_CACHE_HOME nor HOME is set to an absolute path";
        return null;
    }

    /// <summary>Milliseconds per step's GEMMs for each candidate: 2 warm-up passes, then 5 interleaved rounds of 2
    /// passes each, the best pass kept (other processes only ever slow a pass down).</summary>
    public static IReadOnlyDictionary<string, double> MeasureAll(IReadOnlyList<IBlas> candidates)
    {
        var bufs = StepShapes.Select(c => (A: Fill(c.M * c.K, 1), B: Fill(c.K * c.N, 2), C: new float[c.M * c.N])).ToArray();
        var best = candidates.ToDictionary(b => b.Name, _ => double.PositiveInfinity);
        foreach (var b in candidates) { Pass(b, bufs); Pass(b, bufs); }
        for (int round = 0; round < 5; round++)
            foreach (var b in candidates)
                for (int rep = 0; rep < 2; rep++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    Pass(b, bufs);
                    best[b.Name] = Math.Min(best[b.Name], Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
        return best;
    }

    static void Pass(IBlas blas, (float[] A, float[] B, float[] C)[] bufs)
    {
        for (int i = 0; i < StepShapes.Length; i++)
        {
            var (ta, tb, m, n, k) = StepShapes[i]; var (a, b, c) = bufs[i];
            blas.Sgemm(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0.5f, c, n);
        }
    }

    static float[] Fill(int length, ulong seed)
    {
        var x = new float[length];
        new Rng(seed, RngStream.Init).FillUniform(x, -1f, 1f);
        return x;
    }

    /// <summary>What the answer depends on: the CPU (model and flags), its count, and each candidate's self-description
    /// (library version, threads, SIMD width, .NET version).</summary>
    internal static string Identity(IReadOnlyList<IBlas> candidates) =>
        $"format {Format}\ncpu {CpuIdentity()}\n" + string.Join("\n", candidates.Select(c => c.Describe()).Order(StringComparer.Ordinal));

    static string CpuIdentity()
    {
        string model = "", flags = "";
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (model.Length == 0 && line.StartsWith("model name", StringComparison.Ordinal)) model = line[(line.IndexOf(':') + 1)..].Trim();
                if (flags.Length == 0 && line.StartsWith("flags", StringComparison.Ordinal)) flags = line[(line.IndexOf(':') + 1)..].Trim();
                if (model.Length > 0 && flags.Length > 0) break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return $"{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture} x{Environment.ProcessorCount} {model} [{Hash(flags)}]";
    }

    static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..16];

    sealed record CacheFile(int Format, string Identity, string Winner, Dictionary<string, double> Ms, DateTime MeasuredUtc);

    static BlasCalibrationResult? TryRead(string file, string identity, IReadOnlyList<IBlas> candidates)
    {
        try
        {
            if (!File.Exists(file)) return null;
            var c = JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(file));
            // A stale or foreign file (hash collision, hand edit, other candidates) is simply measured again.
            if (c is null || c.Format != Format || c.Identity != identity || candidates.All(b => b.Name != c.Winner)) return null;
            return new BlasCalibrationResult(c.Winner, c.Ms, c.MeasuredUtc, file, true, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { return null; }
    }

    static void Write(string file, string identity, string winner, IReadOnlyDictionary<string, double> ms, DateTime now)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        string temp = $"{file}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temp, JsonSerializer.Serialize(new CacheFile(Format, identity, winner, new(ms), now),
                                                             new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, file, overwrite: true); // atomic: a concurrent reader sees the old file or the new one
        }
        finally { if (File.Exists(temp)) File.Delete(temp); }
    }
}
