// `vae eval`, `vae sample`, `vae export`, `vae describe`: commands on a finished run folder and on the BLAS provider.
// Owns: their options and printing. Must not: evaluate or sample itself (RunInspection does).
using System.CommandLine;
using Vae.Core.Inputs;
using Vae.Core.Inference;
using Vae.Core.Numerics;
using Vae.Core.Runs;

namespace Vae.Cli;

/// <summary>`vae eval --run DIR [--estimator is|hmc]`: test ELBO and log p(x) of a trained run by the chosen estimator.</summary>
public sealed class EvalCli
{
    public readonly Option<string> Run = Opt.Text("--run", "Run folder to evaluate (holds checkpoint.ckpt).", "DIR");
    public readonly Option<string> Estimator = Opt.Choice("--estimator", "log p(x) estimator: is = importance sampling from q(z|x) " +
        "(Rezende et al. 2014); hmc = the paper's Appendix D estimator (HMC posterior samples, a Gaussian q(z) fitted to half of them; " +
        $"decoder only, Dz <= {AppendixDOptions.MaxDz}).", "is", ["is", "hmc"]);
    public readonly Option<int> K = Opt.Int("--k", "Samples K per test point for log p(x): importance samples (is), or HMC posterior " +
        $"samples, half to fit q(z) and half to evaluate (hmc; default {new AppendixDOptions().Samples}); 0 = ELBO only.", 5000, OptionLimits.EvalK, helpName: "K");
    public readonly Option<int> Limit = Opt.Int("--eval-limit", "Evaluate the first N test rows; 0 = the whole test set.", 0, OptionLimits.EvalLimit);
    public readonly Option<string> Data = Opt.Text("--data", "Data root; default: the run's, else $VAE_DATA, else data/.", "DIR");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, OptionLimits.Threads);
    public readonly Option<string> Precision = VaeCli.PrecisionOption();
    public Command Command { get; }

    public EvalCli(Func<TextWriter> output, Func<TextWriter> error)
    {
        Run.Required = true;
        Command = new Command("eval", "Evaluate a trained run: test ELBO (nats per datapoint), and log p(x) by importance sampling or by " +
                                      "HMC (Appendix D); writes eval-k<K>.json / eval-hmc-k<K>.json into the run. Progress with ETA goes to stderr.")
            { Run, Estimator, K, Limit, Data, Threads, Precision };
        Command.SetAction(p =>
        {
            var o = output();
            var est = LogPxEstimators.Parse(p.GetValue(Estimator)!);
            int k = est == LogPxEstimator.Hmc && !p.Given(K) ? new AppendixDOptions().Samples : p.GetValue(K);
            var progress = new EvalProgress(error(), live: ReferenceEquals(error(), Console.Error) && !Console.IsErrorRedirected, k,
                                            label: est == LogPxEstimator.Hmc ? "HMC (Appendix D)" : "importance sampling");
            var r = RunInspection.Evaluate(p.GetValue(Run)!, k, VaeCli.Blas(p.GetValue(Threads), Precisions.Parse(p.GetValue(Precision)!)), p.GetValue(Data), p.GetValue(Limit),
                                           estimator: est, progress: progress.Report);
            progress.Done();
            o.WriteLine($"{r.Dataset} ({r.Variant}), {r.N} test rows: test ELBO {r.TestElbo:F3} ± {r.TestElboStdErr:F3} nats " +
                        $"({r.TestBitsPerDim:F4} bits/dim, {r.ElboSeconds:F1} s)");
            if (!double.IsNaN(r.RebinarizedElbo))
                o.WriteLine($"{r.Dataset}: test ELBO {r.RebinarizedElbo:F3} nats averaged over 5 further test binarizations x 4 noise draws (spread {r.RebinarizedSpread:F3})");
            if (r.K > 0)
                o.WriteLine($"{r.Dataset} ({r.Variant}): log p(x) ~ {r.LogPx:F3} ± {r.LogPxStdErr:F3} nats " +
                            $"({r.LogPxBitsPerDim:F4} bits/dim), estimator {r.Estimator} ({LogPxEstimators.Describe(est)}), K = {r.K}, " +
                            (est == LogPxEstimator.Hmc ? $"HMC acceptance {r.HmcAcceptance:F3}, mean step {r.HmcStepSize:G3}, " : "") +
                            $"{r.LogPxSeconds:F1} s");
            return ExitCodes.Ok;
        });
    }
}

/// <summary>Progress of the log p(x) estimate on stderr: a live line with rate and ETA on a terminal, else a plain line
/// every 10 s, so `vae eval --k 5000` never sits silent for minutes.</summary>
public sealed class EvalProgress(TextWriter w, bool live, int k, double plainEverySeconds = 10, string label = "importance sampling")
{
    readonly System.Diagnostics.Stopwatch _clock = new();
    double _lastPlain;
    bool _drawn;

    /// <summary>(0, total) when the estimate starts (the clock starts there), then after each minibatch: <paramref name="done"/>
    /// of <paramref name="total"/> test rows.</summary>
    public void Report(int done, int total)
    {
        if (!_clock.IsRunning) { _clock.Start(); if (done < total) return; }
        double s = _clock.Elapsed.TotalSeconds;
        if (!live && s - _lastPlain < plainEverySeconds && done < total) return;
        _lastPlain = s;
        double eta = done > 0 ? s / done * (total - done) : double.NaN;
        string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"log p(x) by {label}, K = {k}: {done}/{total} test rows ({100.0 * done / total:F1}%), {done / Math.Max(s, 1e-9):F1} rows/s, " +
            $"elapsed {ProgressReporter.Duration(s)}, ETA {ProgressReporter.Duration(eta)}");
        if (live) { w.Write("\r" + line + "   "); _drawn = true; } else w.WriteLine("progress " + line);
        w.Flush();
    }

    /// <summary>Ends a live line.</summary>
    public void Done() { if (_drawn) w.WriteLine(); }
}

/// <summary>`vae sample --run DIR`: a grid of decoder means of z ~ N(0, I).</summary>
public sealed class SampleCli
{
    /// <summary>Most images in one grid (20 x 20; the core's limit); more make a picture nobody can look at.</summary>
    public const int MaxImages = RunFigures.MaxGridImages;

    public readonly Option<string> Run = Opt.Text("--run", "Run folder to sample from (holds checkpoint.ckpt).", "DIR");
    public readonly Option<int> N = Opt.Int("--n", $"Number of samples (images) in the grid, at most {MaxImages}; rows wrap at {RunFigures.GridColumns(100)} columns " +
        $"(20 above 100 images). For more, run again with another --seed.", 64, 1, MaxImages);
    public readonly Option<ulong?> Seed = Opt.Seed("--seed", "Seed of the latent draws; default: the run's seed.");
    public readonly Option<bool> Npy = Opt.Flag("--npy", "Also write the same decoder means as samples-<n>.npy (float32 [n, D], numpy.load reads it).");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, OptionLimits.Threads);
    public Command Command { get; }

    public SampleCli(Func<TextWriter> output)
    {
        Run.Required = true;
        Command = new Command("sample", "Write samples-<n>.png into a run: decoder means of n draws z ~ N(0, I) (paper Fig. 5).") { Run, N, Seed, Npy, Threads };
        Command.SetAction(p =>
        {
            output().WriteLine(RunInspection.Sample(p.GetValue(Run)!, p.GetValue(N), VaeCli.Blas(p.GetValue(Threads)), p.GetValue(Seed), p.GetValue(Npy)));
            return ExitCodes.Ok;
        });
    }
}

/// <summary>`vae export --run DIR`: the run's weights as safetensors, or its test latents as .npy.</summary>
public sealed class ExportCli
{
    public readonly Option<string> Run = Opt.Text("--run", "Run folder to export (holds checkpoint.ckpt).", "DIR");
    public readonly Option<string> Format = Opt.Choice("--format", "safetensors = the weights (PyTorch nn.Linear names and [out, in] shapes, " +
        "the model in the metadata; scripts/vae_torch.py loads it; `vae train --init-from` reads it back); " +
        "latents = posterior means mu(x) of the test split as float32 [N, Dz] .npy.", "safetensors", ["safetensors", "latents"]);
    public readonly Option<string> Out = Opt.Text("--out", "Output file; default: <run>/model.safetensors or <run>/latents-test.npy.", "FILE");
    public readonly Option<string> Data = Opt.Text("--data", "Data root for --format latents; default: the run's, else $VAE_DATA, else data/.", "DIR");
    public readonly Option<int> Threads = Opt.Int("--threads", "BLAS threads; 0 = all processors.", 0, 0);
    public Command Command { get; }

    public ExportCli(Func<TextWriter> output)
    {
        Run.Required = true;
        Command = new Command("export", "Export a trained run for other tools: weights as safetensors, or test latents as .npy.") { Run, Format, Out, Data, Threads };
        Command.SetAction(p =>
        {
            string run = p.GetValue(Run)!, format = p.GetValue(Format)!;
            output().WriteLine(format == "latents"
                ? RunExport.Latents(run, VaeCli.Blas(p.GetValue(Threads)), p.GetValue(Out), p.GetValue(Data))
                : RunExport.Weights(run, p.GetValue(Out)));
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
