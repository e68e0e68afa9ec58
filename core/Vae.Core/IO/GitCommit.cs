// The git commit a run was made from, read straight from the .git files (no git executable needed).
// Owns: finding .git upwards (folder or worktree "gitdir:" file), HEAD, loose refs, packed-refs, detached HEAD.
// Must not: run processes, write anything, or throw: anything unexpected gives "unknown".
namespace Vae.Core.IO;

/// <summary>Resolves the commit id checked out in the repository containing a folder.</summary>
public static class GitCommit
{
    /// <summary>Returned when no repository or no resolvable HEAD is found.</summary>
    public const string Unknown = "unknown";

    /// <summary>
    /// The commit of the repository holding the Vae.Core assembly (the code that ran), else of the current
    /// directory; <see cref="Unknown"/> if neither is inside a git repository.
    /// </summary>
    public static string Current()
    {
        string? asmDir = Path.GetDirectoryName(typeof(GitCommit).Assembly.Location);
        string id = string.IsNullOrEmpty(asmDir) ? Unknown : Find(asmDir);
        return id != Unknown ? id : Find(Environment.CurrentDirectory);
    }

    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> to the first ".git" (a folder, or a worktree / submodule file
    /// "gitdir: ...") and resolves HEAD through loose refs and packed-refs; a detached HEAD is returned as is.
    /// </summary>
    /// <returns>Lower-case hex commit id (40 for SHA-1, 64 for SHA-256 repositories) or <see cref="Unknown"/>.</returns>
    public static string Find(string startDirectory)
    {
        try
        {
            string? gitDir = FindGitDir(Path.GetFullPath(startDirectory));
            if (gitDir is null) return Unknown;
            // Linked worktrees keep HEAD in their own folder but share refs with the main repository ("commondir").
            string commonDir = gitDir;
            string commonFile = Path.Combine(gitDir, "commondir");
            if (File.Exists(commonFile))
                commonDir = Path.GetFullPath(Path.Combine(gitDir, File.ReadAllText(commonFile).Trim()));
            return Resolve(gitDir, commonDir, "HEAD") ?? Unknown;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Unknown;
        }
    }

    static string? FindGitDir(string dir)
    {
        for (string? d = dir; d is not null; d = Path.GetDirectoryName(d))
        {
            string git = Path.Combine(d, ".git");
            if (Directory.Exists(git)) return git;
            if (File.Exists(git))
            {
                string text = File.ReadAllText(git).Trim();
                const string prefix = "gitdir:";
                if (!text.StartsWith(prefix, StringComparison.Ordinal)) return null;
                string target = text[prefix.Length..].Trim();
                return Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(d, target));
            }
        }
        return null;
    }

    // Follows symbolic refs ("ref: refs/heads/x") a few levels deep; HEAD is per worktree, branches are shared.
    static string? Resolve(string gitDir, string commonDir, string refName)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            string? content = ReadRef(gitDir, refName) ?? ReadRef(commonDir, refName) ?? Packed(commonDir, refName);
            if (content is null) return null; // unborn branch or missing ref
            if (content.StartsWith("ref:", StringComparison.Ordinal)) { refName = content[4..].Trim(); continue; }
            return IsCommitId(content) ? content.ToLowerInvariant() : null;
        }
        return null;
    }

    static string? ReadRef(string dir, string refName)
    {
        if (refName.Contains("..", StringComparison.Ordinal)) return null;
        string path = Path.Combine(dir, refName.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    // packed-refs: "# pack-refs with: ..." header, "<id> <refname>" lines, "^<id>" peeled-tag lines.
    static string? Packed(string commonDir, string refName)
    {
        string path = Path.Combine(commonDir, "packed-refs");
        if (!File.Exists(path)) return null;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or '^') continue;
            int space = line.IndexOf(' ');
            if (space > 0 && line[(space + 1)..] == refName) return line[..space];
        }
        return null;
    }

    static bool IsCommitId(string s) => s.Length is 40 or 64 && s.All(char.IsAsciiHexDigit);
}
