// Building blocks of the `vae` command line on System.CommandLine: options that carry a description, a default and a
// unit, choice options (validated, completed, case-insensitive), numeric range checks, and the usage error (exit 2).
// Owns: how an option is declared. Must not: know what any option means (the verb files bind them to records).
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

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
    /// <summary>An integer option with an inclusive range; <paramref name="unit"/> is appended to the description.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue, string helpName = "N") =>
        Ranged(new Option<int>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue }, min, max);

    /// <summary>A 64-bit integer option with an inclusive lower bound.</summary>
    public static Option<long> Long(string name, string description, long defaultValue, long min, string helpName = "N")
    {
        var o = new Option<long>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };
        o.Validators.Add(r => { if (Value(r, out long v)) Check(r, v >= min, $"at least {min}", v.ToString(CultureInfo.InvariantCulture)); });
        return o;
    }

    /// <summary>A finite floating-point option in [min, max] (exclusive where <paramref name="minExclusive"/>).</summary>
    public static Option<double> Double(string name, string description, double defaultValue, double min, bool minExclusive,
                                        double max = double.MaxValue, string helpName = "X")
    {
        var o = new Option<double>(name) { Description = description, HelpName = helpName, DefaultValueFactory = _ => defaultValue };
        o.Validators.Add(r =>
        {
            if (!Value(r, out double v)) return;
            bool ok = double.IsFinite(v) && (minExclusive ? v > min : v >= min) && v <= max;
            string range = (minExclusive ? $"> {Num(min)}" : $">= {Num(min)}") + (max < double.MaxValue ? $" and <= {Num(max)}" : "");
            Check(r, ok, $"a finite number {range}", Num(v));
        });
        return o;
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

    static Option<int> Ranged(Option<int> o, int min, int max)
    {
        o.Validators.Add(r =>
        {
            if (!Value(r, out int v)) return;
            Check(r, v >= min && v <= max, max == int.MaxValue ? $"at least {min}" : $"in {min}..{max}", v.ToString(CultureInfo.InvariantCulture));
        });
        return o;
    }

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

    /// <summary>"400,300" -> [400, 300]; throws <see cref="UsageException"/> naming <paramref name="name"/>.</summary>
    public static int[] Sizes(string name, string text)
    {
        var parts = text.Split(',');
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
                throw new UsageException($"{name}: expected comma-separated positive sizes such as 500 or 400,300, found '{text}'");
        return sizes;
    }
}
