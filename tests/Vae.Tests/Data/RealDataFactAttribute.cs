// A [Fact] that is reported as skipped, with the reason, when the real data files of a dataset are not under VAE_DATA.
// Owns: the presence check only. Must not: load data.

namespace Vae.Tests.Data;

/// <summary>Runs the test only if every file of the named datasets has a local form under VAE_DATA.</summary>
public sealed class RealDataFactAttribute : FactAttribute
{
    public RealDataFactAttribute(params string[] datasets)
    {
        string? root = Environment.GetEnvironmentVariable(DataRoot.EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(root)) { Skip = "real data absent: environment variable VAE_DATA is not set"; return; }
        var dataRoot = new DataRoot(root, "VAE_DATA");
        foreach (string name in datasets.Length == 0 ? Catalog.All.Select(d => d.Name) : datasets)
            foreach (var file in Catalog.Get(name).Files)
                if (!file.Forms.Any(f => File.Exists(dataRoot.PathOf(file, f))))
                {
                    Skip = $"real data absent: no {string.Join(" / ", file.Forms.Select(f => f.Name))} in {Path.Combine(root, file.Folder)} (VAE_DATA)";
                    return;
                }
    }
}
