// Where the data files live: --data DIR, else environment VAE_DATA, else data/ in the repository.
// Owns: that precedence and the repository lookup. Must not: create folders, read or download files.
namespace Vae.Core.Data;

/// <summary>A resolved data root and which rule chose it (recorded in run manifests).</summary>
public sealed record DataRoot(string Path, string Source)
{
    /// <summary>Name of the environment variable consulted when no --data is given.</summary>
    public const string EnvironmentVariable = "VAE_DATA";

    /// <summary>Resolves the data root: <paramref name="cliValue"/> (the --data option) if given, else the
    /// VAE_DATA environment variable if set, else <c>data/</c> in the repository that contains
    /// <paramref name="startDirectory"/> (default: the current directory, then the program's folder), found by
    /// walking up to the folder holding Vae.Research.sln; outside a repository, <c>data/</c> in the current directory.</summary>
    /// <param name="cliValue">The --data option, or null.</param>
    /// <param name="getEnvironment">Environment lookup (default: the process environment); injectable for tests.</param>
    /// <param name="startDirectory">Where to start looking for the repository.</param>
    public static DataRoot Resolve(string? cliValue, Func<string, string?>? getEnvironment = null, string? startDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(cliValue)) return new(System.IO.Path.GetFullPath(cliValue), "--data");
        string? env = (getEnvironment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return new(System.IO.Path.GetFullPath(env), $"environment {EnvironmentVariable}");
        string[] starts = startDirectory is null ? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory] : [startDirectory];
        foreach (string start in starts)
        {
            string? repo = FindRepository(start);
            if (repo is not null) return new(System.IO.Path.Combine(repo, "data"), "data/ in the repository");
        }
        return new(System.IO.Path.GetFullPath("data"), "data/ in the current directory (no repository found)");
    }

    static string? FindRepository(string start)
    {
        for (var d = new DirectoryInfo(System.IO.Path.GetFullPath(start)); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Vae.Research.sln"))) return d.FullName;
        return null;
    }

    /// <summary>The full path of <paramref name="form"/> of <paramref name="file"/> under this root.</summary>
    public string PathOf(DataFile file, FileForm form) => System.IO.Path.Combine(Path, file.Folder, form.Name);
}
