// Atomic file replacement: every checkpoint, PNG, JSON and CSV this project writes goes through here.
// Owns: temp file in the target's folder, flush to disk, rename over the target, temp clean-up on failure, and clean-up of
// the temp files a killed writer left (RemoveStaleTemps, called when a run starts again).
// Must not: know any file format, or write to the target path directly (a crash must leave old or new, never half).

namespace Vae.Core.IO;

/// <summary>
/// Writes files so that readers see either the previous content or the complete new content, never a mix:
/// the bytes go to a uniquely named temp file in the same folder (same file system, so the rename is atomic),
/// are flushed to the device, and the temp file is then renamed over the target.
/// </summary>
public static class AtomicFile
{
    static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="bytes"/>; creates the folder if missing.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        // Same steps as Write(path, Action<Stream>), spelled out because a span cannot be captured by a lambda.
        string full = Prepare(path);
        string temp = TempPathFor(full);
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Atomically replaces <paramref name="path"/> with <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Utf8NoBom.GetBytes(text));

    /// <summary>
    /// Atomically replaces <paramref name="path"/> with whatever <paramref name="write"/> writes to the stream it is given.
    /// If <paramref name="write"/> throws, the target is untouched and the temp file is deleted.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Prepare(path);
        string temp = TempPathFor(full);
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    static string Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"cannot write file '{full}': a folder of that name exists");
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        return full;
    }

    // Same folder as the target (a rename across file systems would be a copy); pid + GUID make concurrent
    // writers of the same target collision-free. The ".tmp" suffix is git-ignored under results/.
    static string TempPathFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full) ?? ".",
                     $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// Deletes the temp files that writers killed mid-write (kill -9, power loss) left in <paramref name="folder"/>: names of
    /// the form this class makes whose process id is no longer running. Temps of live processes are kept (a concurrent
    /// writer still owns them). Returns how many were deleted.
    /// </summary>
    public static int RemoveStaleTemps(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (string path in Directory.EnumerateFiles(folder, ".*.tmp"))
        {
            if (!IsTempName(Path.GetFileName(path), out int pid)) continue;
            if (pid != Environment.ProcessId && IsRunning(pid)) continue;
            try { File.Delete(path); removed++; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>True for ".{target}.{pid}.{32 hex}.tmp" (what <see cref="TempPathFor"/> makes); <paramref name="pid"/> is the writer.</summary>
    internal static bool IsTempName(string name, out int pid)
    {
        pid = 0;
        string[] parts = name.Split('.');
        // "", target parts..., pid, guid, "tmp"
        return parts.Length >= 5 && parts[0].Length == 0 && parts[^1] == "tmp"
            && parts[^2].Length == 32 && parts[^2].All(Uri.IsHexDigit)
            && int.TryParse(parts[^3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pid);
    }

    static bool IsRunning(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }      // no such process
        catch (InvalidOperationException) { return false; }
    }

    static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (IOException) { } // the original exception matters more than a leftover temp file
        catch (UnauthorizedAccessException) { }
    }
}
