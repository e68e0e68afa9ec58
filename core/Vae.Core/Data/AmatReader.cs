// `.amat` text matrices (plain or gzip): one example per line, values separated by white space, no header.
// Owns: tokenising, per-line count checks, float32 output. Must not: know file names, URLs or checksums.

namespace Vae.Core.Data;

/// <summary>Reader for `.amat` text files such as Larochelle and Murray's binarized MNIST: each non-blank line holds
/// Rows*Cols numbers (row-major image). Blank lines are ignored; every other line must have exactly D values.</summary>
public static class AmatReader
{
    /// <summary>Reads <paramref name="path"/> (gzip or plain) as images of <paramref name="rows"/> x <paramref name="cols"/>.</summary>
    public static ImageSet Read(string path, int rows, int cols) => Parse(Compression.ReadFile(path), path, rows, cols);

    /// <summary>Parses `.amat` bytes (gzip or plain) already in memory; <paramref name="path"/> is for messages.</summary>
    public static ImageSet Parse(byte[] fileBytes, string path, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentException($"image shape ({rows} x {cols}) must be positive");
        byte[] b = Compression.MaybeGunzip(fileBytes, path);
        int d = rows * cols;
        long maxLines = b.AsSpan().Count((byte)'\n') + 1L;
        if (maxLines * d > Array.MaxLength) throw new DataFormatException(path, $"{maxLines} lines of {d} values exceed the largest array");
        var x = new float[maxLines * d]; // [N, D], trimmed below
        int n = 0, line = 0, pos = 0;
        while (pos < b.Length)
        {
            line++;
            int end = b.AsSpan(pos).IndexOf((byte)'\n');
            end = end < 0 ? b.Length : pos + end;
            int found = ParseLine(b.AsSpan(pos, end - pos), x.AsSpan(n * d, d), path, line);
            if (found > 0)
            {
                if (found != d) throw new DataFormatException(path, $"line {line}: expected {d} values ({rows} x {cols}), found {found}");
                n++;
            }
            pos = end + 1;
        }
        if (n == 0) throw new DataFormatException(path, $"expected lines of {d} values, found no data");
        if ((long)n * d != x.Length) Array.Resize(ref x, n * d);
        return new ImageSet(x, n, rows, cols, labels: null);
    }

    /// <summary>Parses one line into <paramref name="dst"/>; returns how many values the line has (0 for a blank line).
    /// Writes at most dst.Length values but keeps counting, so an over-long line is reported with its true count.</summary>
    static int ParseLine(ReadOnlySpan<byte> s, Span<float> dst, string path, int line)
    {
        int count = 0, i = 0;
        while (true)
        {
            while (i < s.Length && IsSpace(s[i])) i++;
            if (i >= s.Length) return count;
            int start = i;
            while (i < s.Length && !IsSpace(s[i])) i++;
            var tok = s[start..i];
            float v;
            if (tok.Length == 1 && (tok[0] == (byte)'0' || tok[0] == (byte)'1')) v = tok[0] - (byte)'0'; // binarized data: fast path
            else if (!float.TryParse(tok, NumberStyles.Float, CultureInfo.InvariantCulture, out v) || !float.IsFinite(v))
                throw new DataFormatException(path, $"line {line}, value {count + 1}: expected a finite number, found '{Show(tok)}'");
            if (count < dst.Length) dst[count] = v;
            count++;
        }
    }

    static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    static string Show(ReadOnlySpan<byte> tok) =>
        new(System.Text.Encoding.ASCII.GetString(tok[..Math.Min(tok.Length, 20)]).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
}
