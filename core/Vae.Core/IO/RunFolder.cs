// One folder per run: results/<experiment>/<yyyyMMdd-HHmmss>-<shortid>/ with manifest, metrics, curves and images.
// Owns: folder naming and creation, manifest.json (caller's object + environment), metrics.json, file names inside.
// Must not: decide what a run logs, or write anything non-atomically (everything goes through AtomicFile).
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Vae.Core.IO;

/// <summary>Where and when a run happened; added to every manifest under "Environment".</summary>
/// <param name="CreatedUtc">Manifest creation time, UTC.</param>
/// <param name="Machine">Host name.</param>
/// <param name="ProcessorCount">Logical processors visible to the process.</param>
/// <param name="DotNet">Runtime description, e.g. ".NET 10.0.0".</param>
/// <param name="Os">Operating system description.</param>
/// <param name="GitCommit">Commit id from <see cref="IO.GitCommit.Current"/>, or "unknown".</param>
/// <param name="CommandLine">The process's command line.</param>
public sealed record RunEnvironment(DateTime CreatedUtc, string Machine, int ProcessorCount, string DotNet, string Os,
                                   string GitCommit, string CommandLine)
{
    /// <summary>Captures the current process's environment.</summary>
    public static RunEnvironment Capture() => new(
        DateTime.UtcNow, Environment.MachineName, Environment.ProcessorCount, RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription, IO.GitCommit.Current(), string.Join(' ', Environment.GetCommandLineArgs()));
}

/// <summary>A run's output folder. All files are written atomically.</summary>
public sealed class RunFolder
{
    /// <summary>Standard file names inside a run folder.</summary>
    public const string ManifestFile = "manifest.json", MetricsFile = "metrics.json";

    /// <summary>The manifest property holding the <see cref="RunEnvironment"/>.</summary>
    public const string EnvironmentKey = "Environment";

    /// <summary>
    /// JSON settings for every file here: indented, property names as declared (so they match the option records),
    /// enums as names, and NaN / ±Infinity written as "NaN" / "Infinity" instead of failing the run.
    /// </summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Full path of the folder.</summary>
    public string Path { get; }

    /// <summary>The folder's own name, e.g. "20250101-120000-3fa2c1".</summary>
    public string RunId => System.IO.Path.GetFileName(Path);

    RunFolder(string path) => Path = path;

    /// <summary>
    /// Creates <paramref name="resultsRoot"/>/<paramref name="experiment"/>/<paramref name="runId"/>/, with the run id
    /// defaulting to <see cref="NewRunId"/> (UTC time stamp + 6 random hex digits). Never reuses a folder.
    /// </summary>
    /// <exception cref="Inputs.InputException">A name <see cref="Inputs.Input.Name"/> refuses, or a root that is not a folder.</exception>
    /// <exception cref="IOException">The run folder already exists (use <see cref="Open"/> to resume into it).</exception>
    public static RunFolder Create(string resultsRoot, string experiment, string? runId = null)
    {
        runId ??= NewRunId(DateTime.UtcNow);
        string path = Inputs.FileKinds.RunFolderPath(resultsRoot, experiment, runId);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        if (Directory.Exists(path) || System.IO.File.Exists(path))
            throw new IOException($"run folder '{path}' already exists; choose another run id, or RunFolder.Open it to resume");
        Directory.CreateDirectory(path);
        return new RunFolder(path);
    }

    /// <summary>Opens an existing run folder, e.g. to resume a run into it.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder at <paramref name="path"/>.</exception>
    public static RunFolder Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new DirectoryNotFoundException($"run folder '{full}' does not exist");
        return new RunFolder(full);
    }

    /// <summary>A fresh run id "yyyyMMdd-HHmmss-xxxxxx": time stamp (UTC) so folders sort by time, random suffix so they never collide.</summary>
    public static string NewRunId(DateTime utc) =>
        $"{utc.ToUniversalTime():yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Path of file <paramref name="name"/> inside this folder (a plain file name, or a relative path under it).</summary>
    /// <exception cref="ArgumentException">A name that is rooted or leads outside the folder.</exception>
    public string File(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Path, name));
        if (System.IO.Path.IsPathRooted(name) || !full.StartsWith(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"file name '{name}' must stay inside the run folder '{Path}'");
        return full;
    }

    /// <summary>
    /// Writes manifest.json: the properties of <paramref name="run"/> (options, dataset variant, BLAS description,
    /// seeds, ...; must serialize to a JSON object) followed by "Environment": <paramref name="environment"/>
    /// (default <see cref="RunEnvironment.Capture"/>). Call again to update it (e.g. with timings at the end).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="run"/> is not an object or already has an "Environment" property.</exception>
    public void WriteManifest(object run, RunEnvironment? environment = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (JsonSerializer.SerializeToNode(run, run.GetType(), JsonOptions) is not JsonObject obj)
            throw new ArgumentException($"the manifest content ({run.GetType().Name}) must serialize to a JSON object");
        if (obj.ContainsKey(EnvironmentKey))
            throw new ArgumentException("the manifest content must not have its own \"Environment\" property; RunFolder adds it");
        obj[EnvironmentKey] = JsonSerializer.SerializeToNode(environment ?? RunEnvironment.Capture(), JsonOptions);
        AtomicFile.WriteAllText(File(ManifestFile), obj.ToJsonString(JsonOptions) + "\n");
    }

    /// <summary>Writes metrics.json (the final flat result record), atomically.</summary>
    public void WriteMetrics(object metrics) => WriteJson(MetricsFile, metrics);

    /// <summary>Writes any value as indented JSON to file <paramref name="name"/> in this folder, atomically.</summary>
    public void WriteJson(string name, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        AtomicFile.WriteAllText(File(name), JsonSerializer.Serialize(value, value.GetType(), JsonOptions) + "\n");
    }

    /// <summary>Starts curve CSV <paramref name="name"/> (e.g. "curve.csv") in this folder with the given columns.</summary>
    public CurveCsv CreateCurve(string name, IReadOnlyList<string> fields) => CurveCsv.Create(File(name), fields);
}
