// The `vae` command: verb dispatch only. Parsing lives in Vae.Core.Runs.CommandLine, the work in RunDriver / RunInspection.
using Vae.Core.Numerics;
using Vae.Core.Runs;

return Cli.Run(args);

static class Cli
{
    const string Usage = "usage: vae train [--dataset mnist] [--preset paper] [options]  (vae train --help lists them)\n" +
                         "       vae eval --run DIR [--k 5000] [--eval-limit N] [--data DIR]\n" +
                         "       vae sample --run DIR [--n 64] [--seed S]\n" +
                         "       vae bench [--providers mkl,openblas,managed] [--threads 1,2] [--estimators B,A] [--steps 200] [--json] [--is-k 5000] [--sweep]\n" +
                         "       vae describe\n" +
                         "       vae data ...";

    /// <summary>The one place the CLI picks a BLAS provider: MKL -> OpenBLAS -> managed, or VAE_BLAS; verified on load.</summary>
    static IBlas Blas(int threads) => BlasResolver.Create(new BlasOptions(Threads: threads > 0 ? threads : null));

    public static int Run(string[] args)
    {
        string verb = args.Length > 0 ? args[0] : "help";
        var rest = args.Skip(1).ToArray();
        try
        {
            switch (verb)
            {
                case "train":
                {
                    if (rest.Contains("--help")) { Console.WriteLine("vae train options: " + string.Join(" ", CommandLine.TrainOptionNames.Select(n => "--" + n))); return 0; }
                    var c = CommandLine.ParseTrain(rest);
                    RunDriver.Train(c.Options, c.ResultsRoot, c.Experiment, c.RunId, Blas(c.Threads), Console.Out,
                                    c.Resume, c.ChooseStepSize, liveProgress: !Console.IsOutputRedirected, allowChange: c.AllowChange);
                    return 0;
                }
                case "eval":
                {
                    var c = CommandLine.ParseEval(rest);
                    var r = RunInspection.Evaluate(c.Run, c.K, Blas(c.Threads), c.DataDir, c.Limit);
                    Console.WriteLine($"{r.Dataset} ({r.Variant}), {r.N} test rows: test ELBO {r.TestElbo:F3} ± {r.TestElboStdErr:F3} nats " +
                                      $"({r.TestBitsPerDim:F4} bits/dim, {r.ElboSeconds:F1} s)");
                    if (!double.IsNaN(r.RebinarizedElbo))
                        Console.WriteLine($"{r.Dataset}: test ELBO {r.RebinarizedElbo:F3} nats averaged over 5 further test binarizations x 4 noise draws (spread {r.RebinarizedSpread:F3})");
                    if (r.K > 0)
                        Console.WriteLine($"{r.Dataset} ({r.Variant}): log p(x) ~ {r.LogPx:F3} ± {r.LogPxStdErr:F3} nats " +
                                          $"({r.LogPxBitsPerDim:F4} bits/dim), K = {r.K}, {r.LogPxSeconds:F1} s");
                    return 0;
                }
                case "sample":
                {
                    var c = CommandLine.ParseSample(rest);
                    Console.WriteLine(RunInspection.Sample(c.Run, c.N, Blas(c.Threads), c.Seed));
                    return 0;
                }
                case "bench":
                    return BenchCommand.Run(rest, Console.Out);
                case "describe":
                    // Resolves like BlasResolver would for a run (auto: MKL -> OpenBLAS -> managed; VAE_BLAS and
                    // VAE_BLAS_THREADS apply) and verifies the provider with real sgemm calls.
                    Console.WriteLine(BlasResolver.Create(new BlasOptions()).Describe());
                    return 0;
                case "data":
                    return DataCommand.Run(rest);
                case "help" or "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"vae: unknown verb '{verb}'\n{Usage}");
                    return 2;
            }
        }
        catch (Exception e) when (e is UsageException or ArgumentException)
        {
            Console.Error.WriteLine($"vae {verb}: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"vae {verb}: error: {e.Message}");
            return 1;
        }
    }
}
