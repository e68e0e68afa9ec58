// The ONE validation layer for everything a user controls: names that become folders (run ids, experiments, datasets),
// numbers (range, integer overflow, float32 overflow / underflow) and paths. The CLI, the F# layer and the core's own
// records call it with the option's name as the user typed it ("--lr", "LearningRate", "VAE_PARALLEL").
// Owns: the messages and the rules. Must not: know option records (OptionLimits does) or read files (FileKinds does).

namespace Vae.Core.Inputs;

/// <summary>Bad user input. The message starts with the option as the user typed it and says what was expected and found.</summary>
public sealed class InputException(string option, string message) : ArgumentException(message)
{
    /// <summary>The option, field or variable as the user typed it, e.g. "--lr".</summary>
    public string Option { get; } = option;
}

/// <summary>Checks and parses user input; every failure is an <see cref="InputException"/> naming the option.</summary>
public static class Input
{
    /// <summary>Longest accepted folder name (Linux NAME_MAX is 255 bytes; leave room for temp-file decorations).</summary>
    public const int MaxNameLength = 160;

    /// <summary>
    /// A name that becomes one folder level: non-empty, at most <see cref="MaxNameLength"/> characters, not "." or "..",
    /// no path separator, no control or invalid file-name character, no leading or trailing white space, no leading '-'
    /// (it would read as an option). Returns the name.
    /// </summary>
    public static string Name(string option, string? value)
    {
        string Bad(string why) => throw new InputException(option, $"{option}: '{value}' {why}; expected a plain folder name such as 'mnist-dz20'");
        if (string.IsNullOrWhiteSpace(value)) throw new InputException(option, $"{option}: the name is empty; expected a plain folder name such as 'mnist-dz20'");
        if (value is "." or "..") Bad("would leave the results folder");
        if (value.Contains('/') || value.Contains('\\')) Bad("contains a path separator (names never leave the results folder)");
        if (value != value.Trim()) Bad("starts or ends with white space");
        if (value.Any(char.IsControl) || value.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0) Bad("contains a control or invalid file-name character");
        if (value.StartsWith('-')) Bad("starts with '-' (it would read as an option)");
        if (value.Length > MaxNameLength) Bad($"is {value.Length} characters long (at most {MaxNameLength})");
        return value;
    }

    /// <summary>Parses <paramref name="text"/> as the number <paramref name="limit"/> describes (whole or real) and checks it.
    /// Text too large for the type is "too large", never an overflow exception.</summary>
    public static double Parse(string option, string? text, Limit limit)
    {
        string t = (text ?? "").Trim();
        if (limit.Whole)
        {
            if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)) return Check(option, v, limit);
            string body = t.TrimStart('-', '+');
            bool digits = body.Length > 0 && body.All(char.IsAsciiDigit);
            throw new InputException(option, $"{option}: '{text}' is {(digits ? "too large" : "not a whole number")}; expected {limit.Describe()}");
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) || double.IsNaN(d))
            throw new InputException(option, $"{option}: '{text}' is not a number; expected {limit.Describe()}");
        if (double.IsInfinity(d) && !t.Contains("Infinity", StringComparison.OrdinalIgnoreCase) && !t.Contains('∞'))
            throw new InputException(option, $"{option}: '{text}' is too large (overflows double); expected {limit.Describe()}");
        return Check(option, d, limit);
    }

    /// <summary><see cref="Parse"/> for int-typed options.</summary>
    public static int ParseInt(string option, string? text, Limit limit) => checked((int)Parse(option, text, limit));

    /// <summary><see cref="Parse"/> for long-typed options.</summary>
    public static long ParseLong(string option, string? text, Limit limit) => checked((long)Parse(option, text, limit));

    /// <summary>A non-negative whole number (seeds): 0 .. 2^64 - 1.</summary>
    public static ulong ParseUlong(string option, string? text)
    {
        string t = (text ?? "").Trim();
        if (ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
        throw new InputException(option, $"{option}: '{text}' is not a whole number from 0 to {ulong.MaxValue}");
    }

    /// <summary>
    /// Checks a number against <paramref name="limit"/>: finite; whole if asked; in range; for float32 options it must also
    /// survive the engine's conversion to float32: not above float.MaxValue (it would become infinity) and, unless it is
    /// exactly 0, not below float32's smallest normal number (it would flush to zero, e.g. a learning rate of 1e-50).
    /// </summary>
    public static double Check(string option, double value, Limit limit)
    {
        string v = Fmt(value);
        if (double.IsNaN(value) || double.IsInfinity(value))
            throw new InputException(option, $"{option}: {v} is not a finite number; expected {limit.Describe()}");
        if (limit.Whole && value != Math.Floor(value))
            throw new InputException(option, $"{option}: {v} is not a whole number; expected {limit.Describe()}");
        if (limit.Float32 && Math.Abs(value) > float.MaxValue)
            throw new InputException(option, $"{option}: {v} overflows float32 (largest {Fmt(float.MaxValue)}); expected {limit.Describe()}");
        if (limit.Float32 && value != 0 && Math.Abs(value) < Float32MinNormal)
            throw new InputException(option, $"{option}: {v} underflows float32 (the engine computes in float32, smallest normal " +
                                              $"{Fmt(Float32MinNormal)}), so it would act as 0; expected {limit.Describe()}");
        if (value < limit.Min || value > limit.Max || (limit.MinExclusive && value == limit.Min) || (limit.MaxExclusive && value == limit.Max))
            throw new InputException(option, $"{option}: {v} is out of range; expected {limit.Describe()}");
        return value;
    }

    /// <summary>Throws an <see cref="InputException"/> for <paramref name="option"/> with <paramref name="message"/> after "option: ".</summary>
    public static InputException Error(string option, string message) => new(option, $"{option}: {message}");

    /// <summary>float32's smallest normal number, 2^-126; anything smaller in magnitude is subnormal or zero.</summary>
    public const float Float32MinNormal = 1.17549435E-38f;

    internal static string Fmt(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    internal static string Fmt(float v) => v.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>What one numeric option accepts: [Min, Max] (ends exclusive if asked), whole or real, float32-representable.</summary>
public sealed record Limit(double Min, double Max, bool Whole = true, bool MinExclusive = false, bool MaxExclusive = false, bool Float32 = false)
{
    /// <summary>"a whole number from 1 to 65536", "a number &gt; 0 and &lt; 1", ...</summary>
    public string Describe()
    {
        string kind = Whole ? "a whole number" : "a number";
        string lo = Input.Fmt(Min), hi = Input.Fmt(Max);
        bool open = Max >= float.MaxValue;
        if (!MinExclusive && !MaxExclusive) return open ? $"{kind} >= {lo}" : $"{kind} from {lo} to {hi}";
        return $"{kind} {(MinExclusive ? ">" : ">=")} {lo}" + (open ? "" : $" and {(MaxExclusive ? "<" : "<=")} {hi}");
    }
}
