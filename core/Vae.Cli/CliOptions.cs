// Building blocks of the `vae` command line on System.CommandLine: options that carry a description, a default and a
// unit, choice options (validated, completed, case-insensitive), numeric range checks, and the usage error (exit 2).
// Owns: how an option is declared. Must not: know what any option means (the verb files bind them to records).
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Vae.Core.Inputs;

namespace Vae.Cli;

/// <summary>Bad command-line input found after parsing; the message names the option, what was given and what is accepted.
/// Exit code <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The exit codes of every `vae` command.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;
    /// <summary>The run failed (missing or corrupt data, unreadable run folder, divergence, I/O).</summary>
    public const int Failure = 1;
    /// <summary>The command line is wrong (unknown command or option, bad value, refused combination); nothing ran.</summary>
    public const int Usage = 2;

    /// <summary>The sentence the root help and the README show.</summary>
    public const string Text = "exit codes: 0 = ok, 1 = the run failed, 2 = usage error (nothing ran)";
}

/// <summary>Option factories: every option gets a description and, where it has one, a default shown by --help.</summary>
public static class Opt
{
    // Numbers are parsed and range-checked by the core's one validation layer (Vae.Core.Inputs, shared with the F#
    // layer): messages name the option as typed and never a .NET type ("'99999999999' is too large", not "Int32").

    /// <summary>An integer option accepting <paramref name="limit"/> (the core's <see cref="OptionLimits"/> for run options).</summary>
    public static Option<int> Int(string name, string description, int defaultValue, Limit limit, string helpName = "N") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue,
                    CustomParser = r => Parsed(r, t => Input.ParseInt(name, t, limit)) };

    /// <summary>An integer option with an inclusive range.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue, string helpName = "N") =>
        Int(name, description, defaultValue, new Limit(min, max), helpName);

    /// <summary>A 64-bit integer option accepting <paramref name="limit"/>.</summary>
    public static Option<long> Long(string name, string description, long defaultValue, Limit limit, string helpName = "N") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue,
                    CustomParser = r => Parsed(r, t => Input.ParseLong(name, t, limit)) };

    /// <summary>A finite floating-point option accepting <paramref name="limit"/> (float32-checked where the limit says so).</summary>
    public static Option<double> Double(string name, string description, double defaultValue, Limit limit, string helpName = "X") =>
        new(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue,
                    CustomParser = r => Parsed(r, t => Input.Parse(name, t, limit)) };

    /// <summary>A seed: a whole number from 0 to 2^64 - 1; null when not given and no default.</summary>
    public static Option<ulong?> Seed(string name, string description, ulong? defaultValue = null)
    {
        var o = new Option<ulong?>(name) { Description = description, HelpName = "S", CustomParser = r => Parsed<ulong?>(r, t => Input.ParseUlong(name, t)) };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        return o;
    }

    static T Parsed<T>(ArgumentResult r, Func<string, T> parse)
    {
        try { return parse(r.Tokens.Count > 0 ? r.Tokens[^1].Value : ""); }
        catch (InputException e) { r.AddError(e.Message); return default!; }
    }

    /// <summary>A text option (folder, name); null default means "not given".</summary>
    public static Option<string> Text(string name, string description, string helpName, string? defaultValue = null)
    {
        var o = new Option<string>(name) { Description = description, HelpName = helpName };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        o.Validators.Add(r => { if (Value(r, out string? v)) Check(r, !string.IsNullOrWhiteSpace(v), "a non-empty value", "''"); });
        return o;
    }

    /// <summary>One of <paramref name="values"/> (case-insensitive; shell completion offers them). The value read back is
    /// the canonical spelling from <paramref name="values"/>; <paramref name="aliases"/> are accepted too but not listed.</summary>
    public static Option<string> Choice(string name, string description, string? defaultValue, IReadOnlyList<string> values,
                                        IReadOnlyList<string>? aliases = null)
    {
        var accepted = values.Concat(aliases ?? []).ToArray();
        var o = new Option<string>(name)
        {
            Description = description, HelpName = string.Join("|", values),
            CustomParser = r =>
            {
                string v = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
                string? hit = accepted.FirstOrDefault(c => string.Equals(c, v.Trim(), StringComparison.OrdinalIgnoreCase));
                if (hit is null) r.AddError($"{name}: '{v}' is not one of {string.Join(", ", values)}");
                return hit ?? v;
            },
        };
        if (defaultValue is not null) o.DefaultValueFactory = _ => defaultValue;
        o.CompletionSources.Add(values.ToArray());
        return o;
    }

    /// <summary>A flag (no value).</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>True when <paramref name="option"/> was typed on the command line (not just defaulted).</summary>
    public static bool Given(this ParseResult r, Option option) => r.GetResult(option) is { Implicit: false };

    /// <summary>The option's value, or false when it did not convert (System.CommandLine has already reported that).</summary>
    static bool Value<T>(OptionResult r, out T v)
    {
        try { v = r.GetValueOrDefault<T>(); return true; }
        catch (InvalidOperationException) { v = default!; return false; }
    }

    static void Check(OptionResult r, bool ok, string expected, string found)
    {
        if (!ok) r.AddError($"{r.Option.Name}: expected {expected}, found {found}");
    }

    static string Num(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>"400,300" -> [400, 300]; each size checked by the core's <see cref="OptionLimits.Hidden"/>.</summary>
    public static int[] Sizes(string name, string text)
    {
        try { return text.Split(',').Select(p => Input.ParseInt(name, p, OptionLimits.Hidden)).ToArray(); }
        catch (InputException e) { throw new UsageException(e.Message); }
    }
}
