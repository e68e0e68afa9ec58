// One trainer per run folder: an exclusive OS lock on "<run>/.lock", taken by every training path (RunDriver.Train).
// Owns: the lock file (never deleted: unlinking a held lock file would let a second holder in through a new file),
// the holder note ".lock-holder" (pid, host, time; informational only), re-entrancy on the holding thread.
// Must not: decide what a caller does with a locked run (sweeps wait or skip, `vae train` fails with the holder).

namespace Vae.Core.IO;

/// <summary>A run folder is being trained by another process (or another thread of this one).</summary>
public sealed class RunLockedException(string runDir, string holder)
    : IOException($"run folder '{runDir}' is being trained by another process ({holder}); wait for it or use another run id")
{
    /// <summary>The locked run folder.</summary>
    public string RunDir { get; } = runDir;
}

/// <summary>
/// An exclusive lock on a run folder. On Linux, .NET opens a file with <see cref="FileShare.None"/> under
/// <c>flock(LOCK_EX | LOCK_NB)</c>: the kernel releases it when the holder dies (SIGKILL, OOM, node reboot), so a stale
/// lock of a dead process is taken over by the next acquirer with nothing to clean up; on NFS the kernel maps flock to
/// fcntl byte-range locks, which the server arbitrates between machines. Windows gives the same through share modes.
/// Re-entrant on the thread that holds it (a sweep holds it around a point; RunDriver takes it again inside); another
/// thread of the same process is refused like another process.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The lock file inside a run folder.</summary>
    public const string FileName = ".lock";

    /// <summary>The holder note written next to it after acquisition (pid, host, UTC time).</summary>
    public const string HolderFile = ".lock-holder";

    sealed class Entry(FileStream stream, int thread)
    {
        public readonly FileStream Stream = stream;
        public readonly int Thread = thread;
        public int Count = 1;
    }

    // Locks this process holds, by full folder path: flock conflicts between two opens of one process as well, so
    // re-entrancy needs to know what is already held. Process state by nature (the OS lock is per process too).
    static readonly Dictionary<string, Entry> Held = new(StringComparer.Ordinal);

    readonly string _dir;
    bool _disposed;

    RunLock(string dir) => _dir = dir;

    /// <summary>The locked run folder (full path).</summary>
    public string RunDir => _dir;

    /// <summary>Takes the lock if free (creating the folder and the lock file if needed); null when another holds it.</summary>
    /// <exception cref="InvalidOperationException">.NET file locking is switched off (DOTNET_SYSTEM_IO_DISABLEFILELOCKING).</exception>
    public static RunLock? TryAcquire(string runDir)
    {
        string dir = Path.GetFullPath(runDir);
        string flag = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING") ?? "";
        if (flag == "1" || flag.Equals("true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("DOTNET_SYSTEM_IO_DISABLEFILELOCKING is set: run-folder locks would not exclude anyone; unset it");
        lock (Held)
        {
            if (Held.TryGetValue(dir, out var held))
            {
                if (held.Thread != Environment.CurrentManagedThreadId) return null;
                held.Count++;
                return new RunLock(dir);
            }
            Directory.CreateDirectory(dir);
            FileStream stream;
            try { stream = new FileStream(Path.Combine(dir, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (File.Exists(Path.Combine(dir, FileName))) { return null; } // EWOULDBLOCK: held
            Held[dir] = new Entry(stream, Environment.CurrentManagedThreadId);
            try
            {
                AtomicFile.WriteAllText(Path.Combine(dir, HolderFile), JsonSerializer.Serialize(new
                {
                    Pid = Environment.ProcessId, Host = Environment.MachineName, SinceUtc = DateTime.UtcNow,
                    SlurmJob = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { } array
                        ? $"{array}_{Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID")}"
                        : Environment.GetEnvironmentVariable("SLURM_JOB_ID"),
                }) + "\n");
            }
            catch (IOException) { } // the note is informational; the OS lock is what excludes
            return new RunLock(dir);
        }
    }

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="timeout"/> (polling; <see cref="Timeout.InfiniteTimeSpan"/> waits
    /// for ever). <paramref name="onWait"/> is told once, with the holder, that it has to wait.
    /// </summary>
    /// <exception cref="RunLockedException">Still held after the timeout.</exception>
    public static RunLock Acquire(string runDir, TimeSpan timeout, Action<string>? onWait = null, CancellationToken cancel = default)
    {
        var start = DateTime.UtcNow;
        bool told = false;
        while (true)
        {
            var l = TryAcquire(runDir);
            if (l is not null) return l;
            if (timeout != Timeout.InfiniteTimeSpan && DateTime.UtcNow - start >= timeout)
                throw new RunLockedException(Path.GetFullPath(runDir), Holder(runDir));
            if (!told) { onWait?.Invoke(Holder(runDir)); told = true; }
            if (cancel.WaitHandle.WaitOne(200)) cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>True when some process (this one included) holds the lock of <paramref name="runDir"/> now.</summary>
    public static bool IsHeld(string runDir)
    {
        string dir = Path.GetFullPath(runDir);
        lock (Held) if (Held.ContainsKey(dir)) return true;
        if (!File.Exists(Path.Combine(dir, FileName))) return false;
        using var probe = TryAcquire(dir);
        return probe is null;
    }

    /// <summary>Who holds (or last held) the lock, from the holder note: "pid N on HOST since T".</summary>
    public static string Holder(string runDir)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetFullPath(runDir), HolderFile)));
            var r = doc.RootElement;
            string job = r.TryGetProperty("SlurmJob", out var j) && j.ValueKind == JsonValueKind.String ? $", Slurm job {j.GetString()}" : "";
            return $"pid {r.GetProperty("Pid").GetInt32()} on {r.GetProperty("Host").GetString()} since {r.GetProperty("SinceUtc").GetDateTime():u}{job}";
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or InvalidOperationException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    /// <summary>Releases this hold; the OS lock goes when the outermost hold of the thread is released.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Held)
        {
            if (!Held.TryGetValue(_dir, out var e)) return;
            if (--e.Count > 0) return;
            Held.Remove(_dir);
            e.Stream.Dispose(); // closes the descriptor: the kernel drops the flock
        }
    }
}
