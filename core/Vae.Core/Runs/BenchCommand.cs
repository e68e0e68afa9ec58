// `vae bench [--providers mkl,openblas,managed] [--threads 1,2] [--estimators B,A] [--input sparse,dense] [--steps 200] [--json]
//            [--is-k 5000 --is-rows 10000] [--sweep]`: runs StepBenchmark over the grid and prints a table (or JSON lines).
// Owns: the bench grid and its printing. Must not: time anything itself (StepBenchmark does).
using System.Globalization;
using System.Text.Json;
using Vae.Core.Data;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Core.Runs;

/// <summary>The benchmark command.</summary>
public static class BenchCommand
{
    /// <summary>Runs the benchmark grid described by <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter o)
    {
        string[] providers = ["mkl", "openblas", "managed"]; int[] threads = [1, 2]; string[] ests = ["B", "A"]; string[] inputs = ["sparse"];
        int steps = 200, isK = 0, isRows = 10_000; bool json = false, sweep = false; string? dataDir = null;
        for (int i = 0; i < args.Count; i++)
        {
            string Val() => i + 1 < args.Count ? args[++i] : throw new UsageException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--providers": providers = Val().Split(','); break;
                case "--threads": threads = Val().Split(',').Select(v => Int(v, "--threads")).ToArray(); break;
                case "--estimators": ests = Val().Split(','); break;
                case "--input": inputs = Val().Split(','); break;
                case "--steps": steps = Int(Val(), "--steps"); break;
                case "--is-k": isK = Int(Val(), "--is-k"); break;
                case "--is-rows": isRows = Int(Val(), "--is-rows"); break;
                case "--data": dataDir = Val(); break;
                case "--json": json = true; break;
                case "--sweep": sweep = true; break;
                default: throw new UsageException($"unknown option '{args[i]}' (accepted: --providers --threads --estimators --input --steps --is-k --is-rows --data --json --sweep)");
            }
        }
        foreach (var e in ests) if (e is not ("A" or "B")) throw new UsageException($"estimator '{e}' is not A or B");
        foreach (var i in inputs) if (i is not ("sparse" or "dense")) throw new UsageException($"--input '{i}' is not sparse or dense");
        var spec = new ModelSpec(); // 784-500-20 tanh Bernoulli
        if (!json) o.WriteLine($"# vae bench: {spec}, M=100, L=1, Adam; machine: {Environment.ProcessorCount} cpus, .NET {Environment.Version}");
        if (!json) o.WriteLine("provider  thr est input   ms/step  s/epoch  step GFLOP/s  sgemm GFLOP/s  ratio  alloc B/step");
        foreach (var p in providers)
        foreach (int t in threads)
        {
            IBlas blas;
            try { blas = BlasResolver.Create(new BlasOptions(p, t)); }
            catch (Exception ex) { o.WriteLine($"# {p} x{t}: unavailable ({ex.Message})"); continue; }
            if (!json) o.WriteLine($"# {blas.Describe()}");
            foreach (var e in ests)
            foreach (var input in inputs)
            {
                var r = StepBenchmark.Run(blas, spec, Enum.Parse<Estimator>(e), steps: steps, sparseInput: input == "sparse");
                o.WriteLine(json ? JsonSerializer.Serialize(r) : string.Create(CultureInfo.InvariantCulture,
                    $"{r.provider,-9} {r.threads,3} {r.estimator,-3} {r.input,-6} {r.ms_per_step,8:F3} {r.s_per_epoch,8:F2} {r.step_gflops,13:F1} {r.sgemm_gflops,14:F1} {r.ratio,6:P0} {r.alloc_bytes_per_step,13}"));
            }
            (blas as IDisposable)?.Dispose();
        }
        if (sweep) Sweep(providers, spec, o, json);
        if (isK > 0) ImportanceSampling(spec, isK, isRows, dataDir, o, json);
        return 0;
    }

    static void Sweep(string[] providers, ModelSpec spec, TextWriter o, bool json)
    {
        int cores = Environment.ProcessorCount;
        foreach (var p in providers)
        {
            double par, single;
            try
            {
                par = StepBenchmark.ParallelStepsPerSecond(() => BlasResolver.Create(new BlasOptions(p, 1)), spec, cores);
                single = StepBenchmark.ParallelStepsPerSecond(() => BlasResolver.Create(new BlasOptions(p, cores)), spec, 1);
            }
            catch (Exception ex) { o.WriteLine($"# sweep {p}: unavailable ({ex.Message})"); continue; }
            // runs/hour for a one-epoch MNIST run (600 steps) as the unit of a sweep point
            double rph(double sps) => sps * 3600 / 600;
            o.WriteLine(json
                ? JsonSerializer.Serialize(new { provider = p, sweep_runs_per_hour_parallel_1thread = rph(par), sweep_runs_per_hour_serial_all_threads = rph(single), parallel_runs = cores })
                : string.Create(CultureInfo.InvariantCulture, $"sweep {p}: {cores} runs x 1 thread: {rph(par):F0} one-epoch runs/hour; 1 run x {cores} threads: {rph(single):F0} runs/hour"));
        }
    }

    static void ImportanceSampling(ModelSpec spec, int k, int rows, string? dataDir, TextWriter o, bool json)
    {
        float[] x; string source;
        try
        {
            var ds = Datasets.Load("mnist", dataDir);
            var test = DataVariants.Prepare(ds, DataVariant.DynamicBinarized, 1).Test;
            rows = Math.Min(rows, test.N); x = test.X.AsSpan(0, rows * test.D).ToArray(); source = $"MNIST test (fixed binarization), first {rows}";
        }
        catch (Exception ex) when (ex is DataUnavailableException or DataFormatException)
        {
            x = new float[rows * spec.D]; var r = new Rng(5); for (int i = 0; i < x.Length; i++) x[i] = r.NextSingle() < 0.13f ? 1 : 0;
            source = $"random binary rows ({rows}; MNIST unavailable: {ex.Message})";
        }
        var blas = BlasResolver.Create(new BlasOptions());
        var theta = new Tensors.ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(1, RngStream.Init));
        var (s, gf, _) = StepBenchmark.ImportanceSampling(blas, spec, theta.Data, x, k);
        o.WriteLine(json
            ? JsonSerializer.Serialize(new { provider = blas.Name, threads = blas.Threads, is_k = k, is_rows = rows, seconds = s, gflops = gf })
            : string.Create(CultureInfo.InvariantCulture, $"importance sampling K={k} on {source}: {s:F1} s, {gf:F1} GFLOP/s ({blas.Name} x{blas.Threads})"));
        (blas as IDisposable)?.Dispose();
    }

    static int Int(string v, string name) =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int x) && x >= 0 ? x
        : throw new UsageException($"{name} expects a non-negative integer, found '{v}'");
}
