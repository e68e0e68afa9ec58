// MKL's process safety, proven in child processes (`vae describe` loads, sets up and verifies MKL with real sgemm calls),
// so the known abort (libmkl_intel_thread.so: undefined symbol: omp_get_num_procs) fails a test instead of the test host.
// Must not: run MKL in the test host (BlasProviderTests does that, after MklChildProbe passed).
using System.Diagnostics;

namespace Vae.Tests.Numerics;

public class MklProcessTests
{
    [NativeBlasTheory("mkl")]
    [InlineData(1)]
    [InlineData(2)]
    public void Mkl_sgemm_runs_in_a_child_process_without_aborting(int threads)
    {
        var (code, stdout, stderr) = VaeCli.Run(new Dictionary<string, string>
            { ["VAE_BLAS"] = "mkl", ["VAE_BLAS_THREADS"] = threads.ToString() }, "describe");
        Assert.True(code == 0, $"vae describe with MKL exited {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("blas=mkl (Intel(R) Math Kernel Library", stdout);
        // With libgomp present MKL runs the GNU threading layer at the requested count; without it, sequential and 1 thread.
        Assert.True(stdout.Contains($"threading=gnu(libgomp)") && stdout.Contains($"threads={threads},")
                    || stdout.Contains("threading=sequential") && stdout.Contains("threads=1,"), stdout);
    }

    [NativeBlasFact("mkl")]
    public void Mkl_uses_the_gnu_threading_layer_never_intel_threading()
    {
        // The dynamic loader's own log says which MKL threading library was mapped.
        var (code, stdout, stderr) = VaeCli.Run(new Dictionary<string, string>
            { ["VAE_BLAS"] = "mkl", ["VAE_BLAS_THREADS"] = "2", ["LD_DEBUG"] = "files" }, "describe");
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}");
        Assert.Contains("libmkl_gnu_thread.so", stderr);
        Assert.DoesNotContain("libmkl_intel_thread.so", stderr);
    }

    [NativeBlasFact("mkl", RequiresFile = "/usr/bin/cc")] // builds an LD_AUDIT library; skipped without a C compiler
    public void Mkl_survives_a_machine_without_libiomp5()
    {
        // Where libiomp5 exists (e.g. via libomp-dev) the default Intel threading layer happens to work, hiding the trap.
        // An LD_AUDIT library that makes every libiomp5/libomp lookup fail recreates the machine that aborts.
        const string cc = "/usr/bin/cc";
        string dir = Path.Combine(Path.GetTempPath(), $"vae-hide-iomp-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "hide.c"), """
                #define _GNU_SOURCE
                #include <link.h>
                #include <string.h>
                unsigned int la_version(unsigned int v) { (void)v; return LAV_CURRENT; }
                char *la_objsearch(const char *name, uintptr_t *cookie, unsigned int flag) {
                  (void)cookie; (void)flag;
                  return (strstr(name, "libiomp5") || strstr(name, "libomp")) ? NULL : (char *)name;
                }
                """);
            string so = Path.Combine(dir, "hide.so");
            using (var build = Process.Start(new ProcessStartInfo(cc, ["-shared", "-fPIC", "-o", so, Path.Combine(dir, "hide.c")])
                   { RedirectStandardError = true })!)
            {
                string err = build.StandardError.ReadToEnd();
                build.WaitForExit();
                Assert.True(build.ExitCode == 0, $"building the LD_AUDIT library failed: {err}");
            }
            var (code, stdout, stderr) = VaeCli.Run(new Dictionary<string, string>
                { ["VAE_BLAS"] = "mkl", ["VAE_BLAS_THREADS"] = "2", ["LD_AUDIT"] = so }, "describe");
            Assert.True(code == 0, $"MKL aborted with libiomp5 hidden: exit {code}\nstdout: {stdout}\nstderr: {stderr}");
            Assert.Contains("blas=mkl", stdout);
        }
        finally { Directory.Delete(dir, true); }
    }
}
