// Training progress for people: a live one-line bar (\r redraw) on a terminal, plain periodic lines when redirected.
// Owns: formatting of progress, rates and ETA. Must not: decide when training reports (the trainer calls it).

namespace Vae.Core.Runs;

/// <summary>Formats <see cref="TrainProgress"/> for a console or a log file.</summary>
public sealed class ProgressReporter
{
    readonly TextWriter _w;
    readonly bool _live;
    readonly double _plainEvery;
    readonly string _variant;
    readonly long _startSamples;
    double _lastPlain = double.NegativeInfinity;
    int _lastWidth;

    /// <param name="writer">Where to write.</param>
    /// <param name="live">True on a terminal (redraw one line with \r); false when redirected (a line every <paramref name="plainEverySeconds"/>).</param>
    /// <param name="variant">Data variant label shown on every line.</param>
    /// <param name="startSamples">Samples already seen when this process started training (a resumed run), so the rate counts only this process's work.</param>
    /// <param name="plainEverySeconds">Interval of plain lines.</param>
    public ProgressReporter(TextWriter writer, bool live, string variant, long startSamples = 0, double plainEverySeconds = 5)
    {
        _w = writer; _live = live; _variant = variant; _startSamples = startSamples; _plainEvery = plainEverySeconds;
    }

    /// <summary>Reports one progress tick.</summary>
    public void Report(TrainProgress p)
    {
        if (p.Step == p.TotalSteps && double.IsNaN(p.RunningElbo)) return; // the closing tick right after a curve point: nothing new
        double rate = p.Seconds > 0 ? (p.Samples - _startSamples) / p.Seconds : 0;
        double frac = p.TotalSteps > 0 ? (double)p.Step / p.TotalSteps : 1;
        long samplesLeft = (p.TotalSteps - p.Step) * (p.Step > 0 ? p.Samples / p.Step : 0);
        string eta = rate > 0 ? Duration(samplesLeft / rate) : "?";
        string body = string.Create(CultureInfo.InvariantCulture,
            $"{frac * 100,5:F1}% step {p.Step}/{p.TotalSteps} epoch {p.Epoch + 1} | {rate:F0} samples/s | bound {p.RunningElbo:F2} nats ({_variant}) | ETA {eta}");
        if (_live)
        {
            const int bar = 24;
            int filled = (int)Math.Round(frac * bar);
            string line = "\r[" + new string('#', filled) + new string('.', bar - filled) + "] " + body;
            int width = line.Length;
            if (width < _lastWidth) line += new string(' ', _lastWidth - width);
            _lastWidth = width;
            _w.Write(line);
            _w.Flush();
        }
        else if (p.Seconds - _lastPlain >= _plainEvery || p.Step == p.TotalSteps)
        {
            _lastPlain = p.Seconds;
            _w.WriteLine("progress " + body);
        }
    }

    /// <summary>Writes a full line (curve points, results), first clearing a live bar so the two do not mix.</summary>
    public void Line(string text)
    {
        if (_live && _lastWidth > 0) { _w.Write("\r" + new string(' ', _lastWidth) + "\r"); _lastWidth = 0; }
        _w.WriteLine(text);
    }

    /// <summary>"1h02m", "3m05s", "42s".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "?";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.Seconds}s";
    }
}
