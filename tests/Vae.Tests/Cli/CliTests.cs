// The `vae` command as a user meets it: --help on every command documents every option (description, default), typos
// get a suggestion, exit codes are 0 / 1 / 2, shell completion answers, eval / sample / bench / data parse their options.
using System.CommandLine;
using Vae.Cli;

namespace Vae.Tests.Cli;

public class CliTests
{
    /// <summary>The last <see cref="Run"/>'s output, for messages that System.CommandLine writes to stdout.</summary>
    public static (string Out, string Err) Last { get; private set; }

    /// <summary>Runs the whole command line in-process; returns the exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = VaeCli.Run(args, o, e);
        Last = (o.ToString(), e.ToString());
        return (code, o.ToString(), e.ToString());
    }

    static IEnumerable<Command> AllCommands(Command c) => c.Subcommands.SelectMany(AllCommands).Prepend(c);

    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var c in AllCommands(VaeCli.Create(TextWriter.Null, TextWriter.Null)))
            data.Add(string.Join(' ', PathOf(c)));
        return data;
    }

    static IEnumerable<string> PathOf(Command c) => c.Parents.OfType<Command>().SelectMany(PathOf).Concat(c is RootCommand ? [] : [c.Name]);

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Help_on_every_command_documents_every_option_with_a_description_and_its_default(string path)
    {
        var words = path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var command = AllCommands(VaeCli.Create(TextWriter.Null, TextWriter.Null)).Single(c => string.Join(' ', PathOf(c)) == path);
        foreach (string helpFlag in new[] { "--help", "-h" })
        {
            var (code, help, err) = Run([.. words, helpFlag]);
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Equal("", err);
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{path}: no description");
            foreach (var option in command.Options.Where(o => o.Name is not ("--help" or "--version")))
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"{path} {option.Name}: no description");
                var line = help.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option.Name + " ") || l.TrimStart().StartsWith(option.Name + "\r"))
                           ?? help.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith(option.Name));
                Assert.True(line is not null, $"{path}: --help does not list {option.Name}:\n{help}");
                Assert.Contains(option.Description!.Split(' ')[0], line);
                // A default is either shown by System.CommandLine ([default: ...]) or stated in the description; flags have none.
                bool isFlag = option.ValueType == typeof(bool);
                bool hasDefault = option.HasDefaultValue;
                Assert.True(isFlag || hasDefault || option.Required || option.Description!.Contains("default", StringComparison.OrdinalIgnoreCase),
                            $"{path} {option.Name}: neither a default nor a stated one");
                if (hasDefault && !isFlag) Assert.Contains("[default: ", line);
            }
        }
    }

    [Fact]
    public void Root_help_states_the_exit_codes_and_how_to_enable_completion()
    {
        var (code, help, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains(ExitCodes.Text, help);
        Assert.Contains("vae completion", help);
        foreach (var verb in new[] { "train", "eval", "sample", "fid", "classifier", "bench", "describe", "data" }) Assert.Contains(verb, help);
    }

    [Theory]
    [InlineData(new[] { "trian" }, "train")]
    [InlineData(new[] { "train", "--epocs", "3" }, "--epochs")]
    [InlineData(new[] { "eval", "--run", "r", "--eval-limt", "5" }, "--eval-limit")]
    [InlineData(new[] { "data", "lst" }, "list")]
    public void A_typo_gets_a_did_you_mean_suggestion_and_exit_code_2(string[] args, string suggestion)
    {
        var (code, o, e) = Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        string all = o + e;
        Assert.Contains("Did you mean", all);
        Assert.Contains(suggestion, all);
    }

    [Fact]
    public void Exit_codes_are_0_ok_1_failed_run_2_usage()
    {
        Assert.Equal(ExitCodes.Ok, Run("data", "list").Code);
        Assert.Contains("frey-face", Last.Out);
        Assert.Contains("paper setup: dequantized, Gaussian decoder, 200 hidden", Last.Out);
        Assert.Equal(ExitCodes.Usage, Run("eval").Code); // --run is required
        Assert.Contains("--run", Last.Err);
        var missing = Path.Combine(Path.GetTempPath(), "vae-no-such-run-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(ExitCodes.Failure, Run("eval", "--run", missing, "--k", "5").Code);
        Assert.Contains(missing, Last.Err);
        Assert.Equal(ExitCodes.Failure, Run("sample", "--run", missing).Code);
        Assert.Equal(ExitCodes.Usage, Run("train", "--dataset", "frey-face", "--likelihood", "bernoulli").Code);
        Assert.Contains("--allow-mismatch", Last.Err);
        Assert.Equal(ExitCodes.Usage, Run().Code); // no verb
    }

    [Fact]
    public void Eval_and_sample_parse_their_options_with_defaults_and_sample_grids_are_capped()
    {
        var eval = new EvalCli(() => TextWriter.Null, () => TextWriter.Null);
        var r = VaeCli.ThrowOnErrors(VaeCli.ParseVerb(eval.Command, ["--run", "r", "--k", "10", "--eval-limit", "5"]));
        Assert.Equal(("r", 10, 5, 0), (r.GetValue(eval.Run), r.GetValue(eval.K), r.GetValue(eval.Limit), r.GetValue(eval.Threads)));
        Assert.Equal(5000, VaeCli.ParseVerb(eval.Command, ["--run", "r"]).GetValue(eval.K));
        var sample = new SampleCli(() => TextWriter.Null);
        var s = VaeCli.ThrowOnErrors(VaeCli.ParseVerb(sample.Command, ["--run=r"]));
        Assert.Equal(("r", 64, (ulong?)null), (s.GetValue(sample.Run), s.GetValue(sample.N), s.GetValue(sample.Seed)));
        Assert.Equal(ExitCodes.Usage, Run("sample", "--run", "r", "--n", "0").Code);
        Assert.Equal(ExitCodes.Usage, Run("sample", "--run", "r", "--n", (SampleCli.MaxImages + 1).ToString()).Code);
        Assert.Contains($"--n: {SampleCli.MaxImages + 1} is out of range; expected a whole number from 1 to {SampleCli.MaxImages}", Last.Err);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "--bogus")]
    [InlineData(new[] { "--steps", "-3" }, "--steps")]
    [InlineData(new[] { "--estimators", "C" }, "--estimators: 'C' is not one of A, B")]
    [InlineData(new[] { "--providers", "mkl,cuda" }, "--providers: 'cuda' is not one of mkl, openblas, managed")]
    [InlineData(new[] { "--threads", "1,0" }, "--threads: '0' is not a positive integer")]
    public void Bench_refuses_bad_options_with_exit_code_2_and_a_message(string[] args, string expected)
    {
        var (code, o, e) = Run(["bench", .. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, o + e);
    }

    [Fact]
    public void Shell_completion_offers_options_and_values_through_the_suggest_directive()
    {
        var (code, o, _) = Run("[suggest:17]", "vae train --optim");
        Assert.Equal(0, code);
        Assert.Contains("--optimizer", o);
        Run("[suggest:25]", "vae train --optimizer ada");
        Assert.Equal(["adagrad", "adam"], Last.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Run("completion");
        Assert.Contains("complete -F _vae_complete vae", Last.Out);
        Assert.Contains("[suggest:${COMP_POINT}]", Last.Out);
    }
}

public class EvalProgressTests
{
    [Fact]
    public void Eval_progress_prints_rows_rate_and_an_eta_that_counts_down_to_zero()
    {
        var w = new StringWriter();
        var p = new EvalProgress(w, live: false, k: 5000, plainEverySeconds: 0);
        p.Report(0, 300); // the start: no line, the clock starts
        Thread.Sleep(20);
        p.Report(100, 300);
        p.Report(300, 300);
        p.Done();
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("progress log p(x) by importance sampling, K = 5000: 100/300 test rows (33.3%)", lines[0]);
        Assert.Matches(@"ETA (\d+s|\d+m\d\ds)", lines[0]);
        Assert.Contains("300/300 test rows (100.0%)", lines[1]);
        Assert.EndsWith("ETA 0s", lines[1].TrimEnd());
    }

    [Fact]
    public void Plain_progress_is_throttled_but_the_last_line_always_comes()
    {
        var w = new StringWriter();
        var p = new EvalProgress(w, live: false, k: 10, plainEverySeconds: 3600);
        p.Report(0, 1000);
        for (int d = 100; d <= 1000; d += 100) p.Report(d, 1000);
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("1000/1000", lines[0]);
    }
}
