// `vae eval`, `vae sample`, `vae describe`: commands on a finished run folder and on the BLAS provider.
// Owns: their options and printing. Must not: evaluate or sample itself (RunInspection does).
using System.CommandLine;
using Vae.Core.Numerics;
using Vae.Core.Runs;

namespace Vae.Cli;

/// <summary>`vae eval --run DIR`: test ELBO and importance-sampled log p(x) of a trained run.</summary>
public sealed class EvalCli
{
    public readonly Option<string> Run = Opt.Text("--run", "Run folder to evaluate (holds checkpoint.ckpt).", "DIR");
    public readonly Option<int> K = Opt.Int("--k", "Importance samples K per test point for log p(x) (paper Appendix D); 0 = ELBO only.", 5000, 0, helpName: "K");
    public readonly Option<int> Limit = Opt.Int("--eval-limit", "Evaluate the first N test rows; 0 = the whole test set.", 0, 0);
    public readonly Option<string> Data = Opt.Text("--data", "Data root; default: the run's, else $VAE_DATA, else data/.", "DIR");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, 0);
    public Command Command { get; }

    public EvalCli(Func<TextWriter> output, Func<TextWriter> error)
    {
        Run.Required = true;
        Command = new Command("eval", "Evaluate a trained run: test ELBO (nats per datapoint), and log p(x) by importance sampling; " +
                                      "writes eval-k<K>.json into the run. Progress with ETA goes to stderr.") { Run, K, Limit, Data, Threads };
        Command.SetAction(p =>
        {
            var o = output();
            var r = RunInspection.Evaluate(p.GetValue(Run)!, p.GetValue(K), VaeCli.Blas(p.GetValue(Threads)), p.GetValue(Data), p.GetValue(Limit));
            o.WriteLine($"{r.Dataset} ({r.Variant}), {r.N} test rows: test ELBO {r.TestElbo:F3} ± {r.TestElboStdErr:F3} nats " +
                        $"({r.TestBitsPerDim:F4} bits/dim, {r.ElboSeconds:F1} s)");
            if (!double.IsNaN(r.RebinarizedElbo))
                o.WriteLine($"{r.Dataset}: test ELBO {r.RebinarizedElbo:F3} nats averaged over 5 further test binarizations x 4 noise draws (spread {r.RebinarizedSpread:F3})");
            if (r.K > 0)
                o.WriteLine($"{r.Dataset} ({r.Variant}): log p(x) ~ {r.LogPx:F3} ± {r.LogPxStdErr:F3} nats " +
                            $"({r.LogPxBitsPerDim:F4} bits/dim), K = {r.K}, {r.LogPxSeconds:F1} s");
            return ExitCodes.Ok;
        });
    }
}

/// <summary>`vae sample --run DIR`: a grid of decoder means of z ~ N(0, I).</summary>
public sealed class SampleCli
{
    /// <summary>Most images in one grid (20 x 20); more make a picture nobody can look at.</summary>
    public const int MaxImages = 400;

    public readonly Option<string> Run = Opt.Text("--run", "Run folder to sample from (holds checkpoint.ckpt).", "DIR");
    public readonly Option<int> N = Opt.Int("--n", $"Number of samples (images) in the grid, at most {MaxImages} (rows wrap at 10-20 columns).", 64, 1, MaxImages);
    public readonly Option<ulong?> Seed = new("--seed") { Description = "Seed of the latent draws; default: the run's seed.", HelpName = "S" };
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, 0);
    public Command Command { get; }

    public SampleCli(Func<TextWriter> output)
    {
        Run.Required = true;
        Command = new Command("sample", "Write samples-<n>.png into a run: decoder means of n draws z ~ N(0, I) (paper Fig. 5).") { Run, N, Seed, Threads };
        Command.SetAction(p =>
        {
            output().WriteLine(RunInspection.Sample(p.GetValue(Run)!, p.GetValue(N), VaeCli.Blas(p.GetValue(Threads)), p.GetValue(Seed)));
            return ExitCodes.Ok;
        });
    }
}

/// <summary>`vae describe`: the BLAS provider a run would use.</summary>
public static class DescribeCli
{
    public static Command Create(Func<TextWriter> output)
    {
        var c = new Command("describe", "Print the BLAS provider a run would use (MKL -> OpenBLAS -> managed; VAE_BLAS and VAE_BLAS_THREADS " +
                                        "apply), verified with real sgemm calls.");
        c.SetAction(_ => { output().WriteLine(BlasResolver.Create(new BlasOptions()).Describe()); return ExitCodes.Ok; });
        return c;
    }
}
