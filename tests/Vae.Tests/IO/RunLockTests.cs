// RunLock: exclusive between processes (checked against util-linux flock(1), which uses the same flock(2) lock),
// re-entrant on its thread only, taken over from a holder killed with SIGKILL, and taken by RunDriver.Train.
using System.Diagnostics;
using Vae.Core.IO;
using Vae.Core.Numerics;
using Vae.Core.Runs;
using Vae.Tests.Training;

namespace Vae.Tests.IO;

public class RunLockTests
{
    static Process Flock(string lockFile, string command)
    {
        var psi = new ProcessStartInfo("flock", ["-x", lockFile, "sh", "-c", command]) { UseShellExecute = false };
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start flock(1)");
    }

    static bool WaitUntil(Func<bool> condition, int ms = 10_000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms) { if (condition()) return true; Thread.Sleep(50); }
        return condition();
    }

    [Fact]
    public void The_lock_is_reentrant_on_its_thread_and_refused_to_other_threads()
    {
        using var tmp = new TempDir();
        string dir = tmp.File("run");
        using (var outer = RunLock.TryAcquire(dir))
        {
            Assert.NotNull(outer);
            using (var inner = RunLock.TryAcquire(dir)) Assert.NotNull(inner);
            Assert.True(RunLock.IsHeld(dir)); // still held after the inner hold is released
            RunLock? other = null;
            var t = new Thread(() => other = RunLock.TryAcquire(dir));
            t.Start(); t.Join();
            Assert.Null(other);
        }
        Assert.False(RunLock.IsHeld(dir));
        using var again = RunLock.TryAcquire(dir);
        Assert.NotNull(again);
    }

    [Fact]
    public void Another_process_is_excluded_while_the_lock_is_held()
    {
        using var tmp = new TempDir();
        string dir = tmp.File("run");
        using (var held = RunLock.TryAcquire(dir))
        {
            Assert.NotNull(held);
            using var p = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", Path.Combine(dir, RunLock.FileName), "true"]))!;
            p.WaitForExit();
            Assert.Equal(1, p.ExitCode); // flock -n: "could not take the lock"
            Assert.Contains($"pid {Environment.ProcessId}", RunLock.Holder(dir));
        }
        using var free = Process.Start(new ProcessStartInfo("flock", ["-n", "-x", Path.Combine(dir, RunLock.FileName), "true"]))!;
        free.WaitForExit();
        Assert.Equal(0, free.ExitCode);
    }

    [Fact]
    public void A_lock_of_a_killed_process_is_taken_over()
    {
        using var tmp = new TempDir();
        string dir = tmp.File("run");
        Directory.CreateDirectory(dir);
        using var child = Flock(Path.Combine(dir, RunLock.FileName), "sleep 60");
        try
        {
            Assert.True(WaitUntil(() => RunLock.IsHeld(dir)), "the child never took the lock");
            Assert.Null(RunLock.TryAcquire(dir));
            var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(dir, TimeSpan.FromMilliseconds(300)));
            Assert.Contains(dir, e.Message);
            child.Kill(entireProcessTree: true); // SIGKILL: the holder cannot clean anything up
            child.WaitForExit();
            using var taken = RunLock.Acquire(dir, TimeSpan.FromSeconds(10));
            Assert.Equal(Path.GetFullPath(dir), taken.RunDir);
        }
        finally { if (!child.HasExited) child.Kill(entireProcessTree: true); }
    }

    [Fact]
    public void Training_a_locked_run_folder_fails_naming_it_and_writes_nothing()
    {
        using var tmp = new TempDir();
        var folder = RunFolder.Create(tmp.Path, "exp", "busy");
        using var child = Flock(folder.File(RunLock.FileName), "sleep 60");
        try
        {
            Assert.True(WaitUntil(() => RunLock.IsHeld(folder.Path)), "the child never took the lock");
            var o = new Vae.Core.Training.TrainOptions
            {
                Dataset = "synthetic", Model = new Vae.Core.Model.ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] },
                BatchSize = 20, Epochs = 1, Seed = 7,
            };
            var e = Assert.Throws<RunLockedException>(() =>
                RunDriver.Train(o, TrainerTests.Synthetic(), folder, new ManagedBlas(), TextWriter.Null));
            Assert.Contains("being trained by another process", e.Message);
            Assert.False(File.Exists(folder.File(RunFolder.ManifestFile)));
        }
        finally { child.Kill(entireProcessTree: true); child.WaitForExit(); }
    }
}
