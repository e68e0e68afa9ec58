// Shared by the BLAS tests: the float64 reference GEMM, the providers under test, skip attributes, the CLI child process.
// Owns: test-side helpers only. Must not: reuse production code as its own reference (the reference here is independent).
using System.Diagnostics;

namespace Vae.Tests.Numerics;

/// <summary>A Theory that reports skipped (with the reason) when the provider's native library cannot be mapped at all.</summary>
public sealed class NativeBlasTheoryAttribute : TheoryAttribute
{
    public NativeBlasTheoryAttribute(string provider)
    {
        if (!NativeBlas.LibraryPresent(provider, out string reason)) Skip = $"{provider} library absent: {reason}";
    }
}

/// <summary>A Fact that reports skipped (with the reason) when the provider's native library cannot be mapped at all,
/// or when <see cref="RequiresFile"/> names a tool that is absent.</summary>
public sealed class NativeBlasFactAttribute(string provider) : FactAttribute
{
    /// <summary>A file the test needs besides the library (e.g. a C compiler); absent means skipped.</summary>
    public string? RequiresFile { get; set; }

    public override string? Skip
    {
        get => base.Skip
               ?? (NativeBlas.LibraryPresent(provider, out string reason) ? null : $"{provider} library absent: {reason}")
               ?? (RequiresFile is null || File.Exists(RequiresFile) ? null : $"{RequiresFile} absent");
        set => base.Skip = value;
    }
}

/// <summary>A Fact that reports skipped (with the reason) when a file it needs is absent.</summary>
public sealed class FactIfFileExistsAttribute : FactAttribute
{
    public FactIfFileExistsAttribute(string path, string reason)
    {
        if (!File.Exists(path)) Skip = $"{reason} ({path} absent)";
    }
}

internal static class BlasReference
{
    /// <summary>C = alpha op(A) op(B) + beta C in float64 with plain loops; beta = 0 ignores C. Returns [m, n].</summary>
    public static double[] Gemm(bool ta, bool tb, int m, int n, int k, double alpha, float[] a, int lda,
                                float[] b, int ldb, double beta, float[] c, int ldc, out double[] scale)
    {
        var r = new double[m * n];
        scale = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                    s += x; abs += Math.Abs(x);
                }
                double cij = beta == 0 ? 0 : beta * c[i * ldc + j];
                r[i * n + j] = alpha * s + cij;
                scale[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(cij);
            }
        return r;
    }

    public static float[] Random(Rng rng, int length)
    {
        var x = new float[length];
        rng.FillUniform(x, -1f, 1f);
        return x;
    }

    /// <summary>Runs one GEMM on the provider with padded strides and checks it against the float64 reference,
    /// including that C's padding columns are untouched and that beta = 0 overwrites NaN.</summary>
    public static void Check(IBlas blas, bool ta, bool tb, int m, int n, int k, float alpha, float beta, ulong seed)
    {
        var rng = new Rng(seed, RngStream.Init);
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        float[] a = Random(rng, Math.Max(0, (ta ? k : m) * lda));
        float[] b = Random(rng, Math.Max(0, (tb ? n : k) * ldb));
        float[] c = Random(rng, m * ldc);
        const float pad = 12345f;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
                if (j >= n) c[i * ldc + j] = pad;
                else if (beta == 0f) c[i * ldc + j] = float.NaN; // beta = 0 must overwrite, not multiply
        double[] expected = Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, out double[] scale);

        blas.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        string where = $"{blas.Name} t={blas.Threads} m={m} n={n} k={k} transA={ta} transB={tb} alpha={alpha} beta={beta}";
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                float got = c[i * ldc + j];
                if (j >= n) { Assert.True(got == pad, $"{where}: padding C[{i},{j}] changed to {got}"); continue; }
                double want = expected[i * n + j];
                // float32 accumulation error grows ~ sqrt(k) eps * scale; 1e-5 * scale + 1e-6 leaves room, a wrong term does not fit.
                double tol = 1e-5 * scale[i * n + j] + 1e-6;
                Assert.True(Math.Abs(got - want) <= tol,
                    $"{where}: C[{i},{j}] = {got}, float64 reference {want:G9}, |error| {Math.Abs(got - want):G3} > {tol:G3}");
            }
    }
}

/// <summary>Runs the built `vae` CLI in a child process, so a native abort fails a test instead of killing the test host.</summary>
internal static class VaeCli
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "vae.dll");

    public static (int ExitCode, string StdOut, string StdErr) Run(IDictionary<string, string> env, params string[] args)
    {
        Assert.True(File.Exists(DllPath), $"CLI not built next to the tests: {DllPath} missing");
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h
                    : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(DllPath);
        foreach (string a in args) psi.ArgumentList.Add(a);
        foreach (var (key, value) in env) psi.Environment[key] = value;
        using var proc = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
        var stderr = proc.StandardError.ReadToEndAsync();
        string stdout = proc.StandardOutput.ReadToEnd();
        if (!proc.WaitForExit(120_000)) { proc.Kill(true); throw new TimeoutException($"vae {string.Join(' ', args)} ran over 120 s"); }
        return (proc.ExitCode, stdout, stderr.Result);
    }
}

/// <summary>MKL is first exercised in a child process; in-process MKL tests assert this passed instead of risking the test host.</summary>
internal static class MklChildProbe
{
    static readonly Lazy<(bool Ok, string Report)> Result = new(() =>
    {
        var (code, stdout, stderr) = VaeCli.Run(new Dictionary<string, string> { ["VAE_BLAS"] = "mkl", ["VAE_BLAS_THREADS"] = "2" }, "describe");
        return (code == 0 && stdout.Contains("blas=mkl"), $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
    });

    public static void AssertSafe() =>
        Assert.True(Result.Value.Ok, $"MKL sgemm failed in a child process, so it is not run in the test host:\n{Result.Value.Report}");
}
