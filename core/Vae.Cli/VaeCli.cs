// The `vae` root command on System.CommandLine: the verbs, help (-h/--help on every command), typo suggestions, shell
// completion (`vae completion`, over the [suggest] directive), and the exit codes 0 / 1 / 2 for every command.
// Owns: verb list and error -> exit-code mapping. Must not: hold option meanings (the verb files) or run logic (Vae.Core).
using System.CommandLine;
using System.CommandLine.Invocation;
using Vae.Core.Data;
using Vae.Core.IO;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Cli;

/// <summary>The `vae` command line.</summary>
public static class VaeCli
{
    /// <summary>The one place the CLI picks a BLAS provider: the calibrated fastest, or VAE_BLAS; verified on load; bf16 where
    /// the CPU has it, else fp32 labelled in Describe (every manifest and log).</summary>
    public static IBlas Blas(int threads, Precision precision = Precision.Fp32) =>
        BlasResolver.Create(new BlasOptions(Threads: threads > 0 ? threads : null, Precision: precision));

    /// <summary>`--precision fp32|bf16`, the same option on every verb that computes.</summary>
    public static Option<string> PrecisionOption() => Opt.Choice("--precision", "GEMM arithmetic: fp32, or bf16 = bf16 inputs with fp32 " +
        "accumulation (oneDNN; parameters, optimizer state and sums stay fp32/fp64). On a CPU without AVX512_BF16 bf16 runs fp32 and " +
        "the manifest and log say so (VAE_BF16=emulate: bf16 rounding emulated on the fp32 GEMM, slow, for accuracy checks).",
        "fp32", Precisions.Names);

    /// <summary>The root command with every verb; output and error writers are fixed per call (tests pass StringWriters).</summary>
    public static RootCommand Create(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(
            "vae: Kingma & Welling's auto-encoding variational Bayes (arXiv 1312.6114) - train, evaluate and sample VAEs.\n" +
            "Every command takes -h/--help. " + ExitCodes.Text + ".\n" +
            "Shell completion (bash): eval \"$(vae completion)\" (zsh: autoload bashcompinit && bashcompinit first).");
        root.Add(new TrainCli(() => output).Command);
        root.Add(new EvalCli(() => output, () => error).Command);
        root.Add(new SampleCli(() => output).Command);
        root.Add(new ExportCli(() => output).Command);
        root.Add(new FidCli(() => output).Command);
        root.Add(new ClassifierCli(() => output).Command);
        root.Add(new BenchCli(() => output).Command);
        root.Add(DescribeCli.Create(() => output));
        root.Add(DataCommand.Create(() => output));
        root.Add(Completion(output));
        return root;
    }

    /// <summary>Parses the arguments of one verb (without its name) under a root of its own: what tests and the verbs'
    /// ParseRequest methods bind. Parse errors stay in the result's Errors.</summary>
    public static ParseResult ParseVerb(Command verb, IReadOnlyList<string> args) =>
        new RootCommand { verb }.Parse([verb.Name, .. args]);

    /// <summary>Throws <see cref="UsageException"/> with every parse error of <paramref name="r"/>, if any.</summary>
    public static ParseResult ThrowOnErrors(ParseResult r) =>
        r.Errors.Count == 0 ? r : throw new UsageException(string.Join("; ", r.Errors.Select(e => e.Message)));

    /// <summary>Runs the command line: 0 = ok, 1 = the run failed, 2 = usage error (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = Create(output, error);
        var parsed = root.Parse(args);
        var config = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        string verb = parsed.CommandResult.Command == root ? "vae" : "vae " + parsed.CommandResult.Command.Name;
        try
        {
            // Parse errors print the error and typo suggestions ("Did you mean ...?"); exit 2, not 1.
            if (parsed.Action is ParseErrorAction errors)
            {
                errors.ShowHelp = false; // the error and the suggestion stay visible; --help prints the options
                parsed.Invoke(config);
                error.WriteLine($"('{verb} --help' lists the options; {ExitCodes.Text})");
                return ExitCodes.Usage;
            }
            return parsed.Invoke(config);
        }
        catch (UsageException e) { error.WriteLine($"{verb}: {e.Message}"); return ExitCodes.Usage; }
        catch (ArgumentException e) { error.WriteLine($"{verb}: {e.Message}"); return ExitCodes.Usage; }
        catch (Exception e) when (e is DataUnavailableException or DataFormatException or CheckpointFormatException or IOException
                                      or InvalidOperationException or TrainingDivergedException or UnauthorizedAccessException)
        {
            error.WriteLine($"{verb}: error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            error.WriteLine($"{verb}: error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>`vae completion bash`: prints a bash completion function that asks this program's [suggest] directive.</summary>
    static Command Completion(TextWriter output)
    {
        var shell = Opt.Choice("--shell", "Shell to print the completion script for.", "bash", ["bash"]);
        var c = new Command("completion", "Print a shell completion script; enable it with: eval \"$(vae completion)\" " +
                                          "(add that line to ~/.bashrc; `vae` must be on PATH or an alias).") { shell };
        c.SetAction(_ =>
        {
            output.WriteLine("""
                # bash completion for vae (System.CommandLine's [suggest] directive answers with the candidates)
                _vae_complete() {
                  local IFS=$'\n'
                  COMPREPLY=( $(compgen -W "$(vae "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
                }
                complete -F _vae_complete vae
                """);
            return ExitCodes.Ok;
        });
        return c;
    }
}
