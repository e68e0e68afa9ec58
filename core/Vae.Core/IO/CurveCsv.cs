// Training / evaluation curves as CSV with named columns (e.g. samples, epoch, train_elbo, test_elbo, seconds).
// Owns: header, invariant round-trip number formatting, whole-file atomic rewrites, reading back rows on resume.
// Must not: decide what is logged or when (the trainer does), or append to the file in place.
using System.Globalization;
using System.Text;

namespace Vae.Core.IO;

/// <summary>
/// A CSV curve kept in memory and rewritten in full, atomically, on every flush. Appending in place could leave a
/// half-written last line after a crash; a whole-file rename never can. Curves have at most a few thousand rows,
/// so the rewrite costs little; log per step with <c>flush: false</c> and call <see cref="Flush"/> periodically.
/// Numbers use the invariant culture and the shortest round-trip form ("R"), so parsing them back is bit-exact.
/// </summary>
public sealed class CurveCsv
{
    readonly StringBuilder _rows = new();
    readonly string[] _fields;

    /// <summary>Full path of the CSV file.</summary>
    public string Path { get; }

    /// <summary>Column names, in order.</summary>
    public IReadOnlyList<string> Fields => _fields;

    /// <summary>Number of data rows (header excluded).</summary>
    public int RowCount { get; private set; }

    CurveCsv(string path, string[] fields) { Path = System.IO.Path.GetFullPath(path); _fields = fields; }

    /// <summary>Starts a new curve at <paramref name="path"/> (replacing any file there) and writes its header.</summary>
    /// <exception cref="ArgumentException">No fields, an empty or duplicate name, or a name containing , " or a line break.</exception>
    public static CurveCsv Create(string path, IReadOnlyList<string> fields)
    {
        var c = new CurveCsv(path, CheckFields(fields));
        c.Flush();
        return c;
    }

    /// <summary>
    /// Re-opens an existing curve to continue a resumed run: the header must equal <paramref name="fields"/>, and
    /// rows for which <paramref name="keep"/> returns false (e.g. logged after the checkpoint being resumed) are
    /// dropped. The file is rewritten at once so it matches the kept rows.
    /// </summary>
    /// <exception cref="FormatException">Header differs, a row has the wrong number of values or an unparsable number; names file and line.</exception>
    public static CurveCsv Resume(string path, IReadOnlyList<string> fields, Func<double[], bool>? keep = null)
    {
        var c = new CurveCsv(path, CheckFields(fields));
        var kind = Inputs.FileKinds.Of(c.Path);
        if (kind is not (Inputs.FileKind.Regular or Inputs.FileKind.Missing)) // missing: ReadAllLines says so
            throw new FormatException($"curve '{c.Path}' is {Inputs.FileKinds.Describe(kind)}, expected a CSV file");
        string[] lines = File.ReadAllLines(c.Path);
        string expected = string.Join(',', c._fields);
        if (lines.Length == 0 || lines[0] != expected)
            throw new FormatException($"curve '{c.Path}': header is \"{(lines.Length == 0 ? "" : lines[0])}\", expected \"{expected}\"");
        var values = new double[c._fields.Length];
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string[] cells = lines[i].Split(',');
            if (cells.Length != values.Length)
                throw new FormatException($"curve '{c.Path}' line {i + 1}: {cells.Length} values, the header has {values.Length} fields");
            for (int j = 0; j < cells.Length; j++)
                if (!double.TryParse(cells[j], NumberStyles.Float, CultureInfo.InvariantCulture, out values[j]))
                    throw new FormatException($"curve '{c.Path}' line {i + 1}, field '{c._fields[j]}': \"{cells[j]}\" is not a number");
            if (keep is null || keep((double[])values.Clone())) c.AppendRow(values);
        }
        c.Flush();
        return c;
    }

    /// <summary>Appends one row (one value per field, in <see cref="Fields"/> order) and, by default, rewrites the file.</summary>
    /// <exception cref="ArgumentException">The number of values differs from the number of fields.</exception>
    public void Append(ReadOnlySpan<double> values, bool flush = true)
    {
        if (values.Length != _fields.Length)
            throw new ArgumentException($"curve '{Path}': {values.Length} values for {_fields.Length} fields ({string.Join(", ", _fields)})");
        AppendRow(values);
        if (flush) Flush();
    }

    /// <summary>Rewrites the whole file (header and all rows) atomically.</summary>
    public void Flush() => AtomicFile.WriteAllText(Path, string.Join(',', _fields) + "\n" + _rows);

    /// <summary>Formats a value as written to the file: invariant culture, shortest round-trip form; NaN and infinities by name.</summary>
    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    void AppendRow(ReadOnlySpan<double> values)
    {
        for (int j = 0; j < values.Length; j++)
        {
            if (j > 0) _rows.Append(',');
            _rows.Append(Format(values[j]));
        }
        _rows.Append('\n');
        RowCount++;
    }

    static string[] CheckFields(IReadOnlyList<string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0) throw new ArgumentException("a curve needs at least one field");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string f in fields)
        {
            if (string.IsNullOrWhiteSpace(f) || f.AsSpan().IndexOfAny(",\"\r\n") >= 0)
                throw new ArgumentException($"field name \"{f}\" must be non-empty without commas, quotes or line breaks");
            if (!seen.Add(f)) throw new ArgumentException($"field name \"{f}\" appears twice");
        }
        return [.. fields];
    }
}
