// `vae bench`: the step benchmark over a grid of providers x threads x estimators, printed as a table (or JSON lines),
// optionally the sweep-throughput and importance-sampling benchmarks. Owns: the grid, its options and printing.
// Must not: time anything itself (Vae.Core.Runs.StepBenchmark does).
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Vae.Core.Data;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Runs;
using Vae.Core.Tensors;

namespace Vae.Cli;

/// <summary>The benchmark command.</summary>
public sealed class BenchCli
{
    public readonly Option<string> Providers = List("--providers", "BLAS providers to time, comma-separated.", "mkl,openblas,managed", ["mkl", "openblas", "managed"]);
    public readonly Option<string> Threads = List("--threads", "BLAS thread counts to time, comma-separated (threads).", "1,2", null);
    public readonly Option<string> Estimators = List("--estimators", "SGVB estimators to time, comma-separated.", "B,A", ["A", "B"]);
    public readonly Option<string> Inputs = List("--input", "First-layer input path to time, comma-separated: sparse (exact 0/1 sparsity, as training) or dense (GEMM).", "sparse", ["sparse", "dense"]);
    public readonly Option<int> Steps = Opt.Int("--steps", "Timed training steps per configuration (steps); 0 = no step table (e.g. only --is-k).", 200, 0);
    public readonly Option<int> IsK = Opt.Int("--is-k", "Also time importance-sampled log p(x) with K samples per point, the reference " +
        "implementation and the parallel one side by side (same noise, alternating slices); 0 = skip.", 0, 0, helpName: "K");
    public readonly Option<string> IsRun = Opt.Text("--is-run", "Trained run whose model and test set --is-k uses (default: an untrained " +
        "784-500-20 model on the MNIST test set).", "DIR");
    public readonly Option<int> IsRows = Opt.Int("--is-rows", "Test rows (points) for --is-k.", 10_000, 1);
    public readonly Option<string> Data = Opt.Text("--data", "Data root for --is-k (MNIST test set); default: $VAE_DATA, else data/.", "DIR");
    public readonly Option<bool> Json = Opt.Flag("--json", "Print one JSON object per line instead of a table.");
    public readonly Option<bool> Sweep = Opt.Flag("--sweep", "Also measure sweep throughput: one-epoch MNIST runs per hour, cores x 1 thread vs 1 x all threads.");
    public Command Command { get; }

    public BenchCli(Func<TextWriter> output)
    {
        Command = new Command("bench", "Time one training step (784-500-20, M = 100, L = 1, Adam) per provider, thread count and estimator, " +
                                       "with the provider's own sgemm rate on the same GEMM calls and managed bytes allocated per step.")
            { Providers, Threads, Estimators, Inputs, Steps, IsK, IsRows, IsRun, Data, Json, Sweep };
        Command.SetAction(r =>
        {
            Run(r.GetValue(Providers)!.Split(','), r.GetValue(Threads)!.Split(',').Select(int.Parse).ToArray(), r.GetValue(Estimators)!.Split(','),
                r.GetValue(Inputs)!.Split(','), r.GetValue(Steps), r.GetValue(IsK), r.GetValue(IsRows), r.GetValue(IsRun), r.GetValue(Data), r.GetValue(Json), r.GetValue(Sweep), output());
            return ExitCodes.Ok;
        });
    }

    /// <summary>A comma-separated list; each item one of <paramref name="values"/> (or a positive integer when null).</summary>
    static Option<string> List(string name, string description, string defaultValue, string[]? values)
    {
        var o = new Option<string>(name)
        {
            Description = description, HelpName = values is null ? "N,N" : string.Join("|", values) + ",...", DefaultValueFactory = _ => defaultValue,
        };
        o.Validators.Add(r =>
        {
            foreach (var item in (r.GetValueOrDefault<string>() ?? "").Split(','))
            {
                bool ok = values is null ? int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1 : values.Contains(item);
                if (!ok) { r.AddError($"{name}: '{item}' is not {(values is null ? "a positive integer" : "one of " + string.Join(", ", values))}"); return; }
            }
        });
        if (values is not null) o.CompletionSources.Add(values);
        return o;
    }

    static void Run(string[] providers, int[] threads, string[] ests, string[] inputs, int steps, int isK, int isRows, string? isRun, string? dataDir, bool json, bool sweep, TextWriter o)
    {
        var spec = new ModelSpec(); // 784-500-20 tanh Bernoulli
        if (!json) o.WriteLine($"# vae bench: {spec}, M=100, L=1, Adam; machine: {Environment.ProcessorCount} cpus, .NET {Environment.Version}");
        if (!json) o.WriteLine("provider  thr est input   ms/step  s/epoch  step GFLOP/s  sgemm GFLOP/s  ratio  alloc B/step");
        foreach (var p in steps > 0 ? providers : [])
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
        if (sweep) SweepThroughput(providers, spec, o, json);
        if (isK > 0) ImportanceSampling(spec, isK, isRows, dataDir, isRun, o, json);
    }

    static void SweepThroughput(string[] providers, ModelSpec spec, TextWriter o, bool json)
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

    static void ImportanceSampling(ModelSpec spec, int k, int rows, string? dataDir, string? run, TextWriter o, bool json)
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
        float[] theta; Rng noise;
        if (run is not null)
        {
            var t = RunInspection.Load(run, blas, dataDir);
            theta = t.Theta.ToArray(); noise = new Rng(t.Options.Seed ^ 0x5EED, RngStream.Eval); // the stream `vae eval` uses
            rows = Math.Min(rows, t.Data.Test.N); x = t.Data.Test.X.AsSpan(0, rows * spec.D).ToArray(); source = $"run {run}, first {rows} test rows";
        }
        else
        {
            var ps = new ParameterSet(ModelLayout.For(spec));
            ps.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(1, RngStream.Init));
            theta = ps.Data; noise = new Rng(4, RngStream.Eval); source += " (untrained model)";
        }
        var c = StepBenchmark.ImportanceSampling(blas, spec, theta, x, k, noise);
        o.WriteLine(json
            ? JsonSerializer.Serialize(new { provider = blas.Name, threads = blas.Threads, is_k = k, is_rows = c.N, workers = c.Workers,
                                             old_seconds = c.OldSeconds, new_seconds = c.NewSeconds, ratio = c.Ratio, old_logpx = c.OldLogPx,
                                             new_logpx = c.NewLogPx, max_point_diff = c.MaxPointDiff, new_decoder_gflops = c.NewDecoderGflops })
            : string.Create(CultureInfo.InvariantCulture, $"importance sampling K={k} on {source}, {blas.Name} x{blas.Threads}, side by side: " +
                $"reference {c.OldSeconds:F1} s, new ({c.Workers} workers) {c.NewSeconds:F1} s, ratio {c.Ratio:F3}; log p(x) {c.OldLogPx:F4} vs " +
                $"{c.NewLogPx:F4}, max per-point difference {c.MaxPointDiff:G3}; new decoder {c.NewDecoderGflops:F1} GFLOP/s"));
        (blas as IDisposable)?.Dispose();
    }
}
