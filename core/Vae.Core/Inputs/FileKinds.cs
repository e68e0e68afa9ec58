// What kind of thing a user-given path is (regular file, folder, FIFO, device, socket, missing), asked without opening it,
// and the checks built on that: "a file to read", "a folder to read or write into", "a run folder under a results root".
// Why statx by hand: the BCL has no file-type API (FileInfo.Attributes reports a FIFO, /dev/null and a regular file
// all as "Normal", measured on .NET 10), and opening a FIFO to look blocks until a writer appears. statx's buffer layout
// is the same on every Linux architecture (unlike struct stat), so no per-architecture offsets are needed.
// Must not: read file contents or create anything.
using System.Runtime.InteropServices;

namespace Vae.Core.Inputs;

/// <summary>Kinds of file-system entries.</summary>
public enum FileKind { Missing, Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

/// <summary>File-type queries and path checks with errors naming the option.</summary>
public static partial class FileKinds
{
    /// <summary>The kind of <paramref name="path"/>, following symbolic links; never opens it (so a FIFO cannot block).</summary>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux())
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        Span<byte> buf = stackalloc byte[256]; // struct statx is 256 bytes; stx_mode is the u16 at offset 28
        const int AtFdCwd = -100, StatxType = 0x1;
        int rc = Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buf));
        if (rc != 0) return File.Exists(path) || Directory.Exists(path) ? FileKind.Other : FileKind.Missing;
        int mode = BitConverter.ToUInt16(buf[28..30]) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Other,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    /// <summary>"a FIFO (named pipe)", "a folder", ... for messages.</summary>
    public static string Describe(FileKind k) => k switch
    {
        FileKind.Missing => "nothing (no such file or folder)",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => "an entry of unknown kind",
    };

    /// <summary>Throws unless <paramref name="path"/> is an existing regular file (what every reader here needs).</summary>
    /// <param name="what">Who asks, as the user knows it: "--run", "checkpoint", "dataset file".</param>
    /// <param name="path">The path to check.</param>
    public static string RequireFile(string what, string path)
    {
        var k = Of(path);
        if (k != FileKind.Regular)
            throw Input.Error(what, $"'{path}' is {Describe(k)}; expected a regular file");
        return path;
    }

    /// <summary>Throws unless <paramref name="path"/> is an existing folder.</summary>
    public static string RequireFolder(string what, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Input.Error(what, "the path is empty; expected a folder");
        var k = Of(path);
        if (k != FileKind.Directory) throw Input.Error(what, $"'{path}' is {Describe(k)}; expected an existing folder");
        return path;
    }

    /// <summary>Throws unless <paramref name="path"/> is a folder or does not exist yet (so it can be created).</summary>
    public static string RequireFolderOrMissing(string what, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Input.Error(what, "the path is empty; expected a folder");
        var k = Of(path);
        if (k is not (FileKind.Directory or FileKind.Missing)) throw Input.Error(what, $"'{path}' is {Describe(k)}; expected a folder");
        return path;
    }

    /// <summary>
    /// The full path of <paramref name="root"/>/<paramref name="experiment"/>/<paramref name="runId"/>, with both names checked
    /// by <see cref="Input.Name"/> (as <paramref name="experimentOption"/> / <paramref name="runIdOption"/>), the root a folder or
    /// missing, and a run folder that already exists refused when it is a symbolic link (writing through it would leave the root).
    /// Every code path that creates, resumes or opens a run by name goes through here.
    /// </summary>
    public static string RunFolderPath(string root, string experiment, string runId,
                                       string rootOption = "--out", string experimentOption = "--experiment", string runIdOption = "--run-id")
    {
        RequireFolderOrMissing(rootOption, root);
        Input.Name(experimentOption, experiment);
        Input.Name(runIdOption, runId);
        string full = Path.GetFullPath(Path.Combine(root, experiment, runId));
        string rootFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (!full.StartsWith(rootFull + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw Input.Error(runIdOption, $"'{runId}' would leave the results folder '{rootFull}'");
        foreach (string p in new[] { Path.Combine(rootFull, experiment), full })
        {
            var info = new DirectoryInfo(p);
            if (info.Exists && info.LinkTarget is not null)
                throw Input.Error(p == full ? runIdOption : experimentOption,
                                  $"'{p}' is a symbolic link (to '{info.LinkTarget}'); a run never writes through a link");
        }
        var kind = Of(full);
        if (kind is not (FileKind.Directory or FileKind.Missing))
            throw Input.Error(runIdOption, $"'{full}' is {Describe(kind)}; expected a run folder");
        return full;
    }
}
