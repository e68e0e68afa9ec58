// Training / evaluation curves as CSV with named columns (e.g. samples, epoch, train_elbo, test_elbo, seconds).
// Owns: header, invariant round-trip number formatting, whole-file atomic rewrites, reading a curve back (resume, reports).
// Must not: decide what is logged or when (the trainer does), or append to the file in place.

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
        var read = Read(c.Path, c._fields);
        foreach (double[] row in read.Rows)
            if (keep is null || keep((double[])row.Clone())) c.AppendRow(row);
        c.Flush();
        return c;
    }

    /// <summary>
    /// Reads a curve file back without changing it: the header's field names and every row (blank lines skipped).
    /// The one curve reader: resume, the CLI and the F# reports use it.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="expectedFields">When given, the header must list exactly these fields (checked before any row).</param>
    /// <exception cref="FormatException">No header or not the expected one, a row with the wrong number of values, or an
    /// unparsable number; names file and line.</exception>
    public static CurveRows Read(string path, IReadOnlyList<string>? expectedFields = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        var kind = Inputs.FileKinds.Of(full);
        if (kind is not (Inputs.FileKind.Regular or Inputs.FileKind.Missing)) // missing: ReadAllLines says so
            throw new FormatException($"curve '{full}' is {Inputs.FileKinds.Describe(kind)}, expected a CSV file");
        string[] lines = File.ReadAllLines(full);
        string header = lines.Length == 0 ? "" : lines[0];
        if (expectedFields is not null && header != string.Join(',', expectedFields))
            throw new FormatException($"curve '{full}': header is \"{header}\", expected \"{string.Join(',', expectedFields)}\"");
        if (header.Length == 0) throw new FormatException($"curve '{full}': no header line");
        string[] fields = header.Split(',');
        var rows = new List<double[]>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            string[] cells = lines[i].Split(',');
            if (cells.Length != fields.Length)
                throw new FormatException($"curve '{full}' line {i + 1}: {cells.Length} values, the header has {fields.Length} fields");
            var values = new double[fields.Length];
            for (int j = 0; j < cells.Length; j++)
                if (!double.TryParse(cells[j], NumberStyles.Float, CultureInfo.InvariantCulture, out values[j]))
                    throw new FormatException($"curve '{full}' line {i + 1}, field '{fields[j]}': \"{cells[j]}\" is not a number");
            rows.Add(values);
        }
        return new CurveRows(full, fields, rows);
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

/// <summary>A curve file as read by <see cref="CurveCsv.Read"/>: field names and rows of values in field order.</summary>
public sealed record CurveRows(string Path, IReadOnlyList<string> Fields, IReadOnlyList<double[]> Rows)
{
    /// <summary>The values of field <paramref name="name"/>, one per row.</summary>
    /// <exception cref="FormatException">The file has no such field (names the file and the fields it has).</exception>
    public double[] Column(string name)
    {
        int j = Fields.ToList().IndexOf(name);
        if (j < 0) throw new FormatException($"curve '{Path}' has no field '{name}' (fields: {string.Join(", ", Fields)})");
        return Rows.Select(r => r[j]).ToArray();
    }
}
