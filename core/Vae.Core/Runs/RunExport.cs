// Getting a trained run out to other tools: its weights as safetensors (PyTorch names and shapes, ModelWeights) and the
// test set's latent means as .npy. Owns: which checkpoint tensor is exported and the default file names inside the run.
// Must not: train or change existing run files (it only adds model.safetensors / latents-test.npy, or writes --out).

namespace Vae.Core.Runs;

/// <summary>Exports of a run folder.</summary>
public static class RunExport
{
    /// <summary>Default weights file inside the run.</summary>
    public const string WeightsFile = "model.safetensors";

    /// <summary>Writes the run's trained parameters as safetensors (format: see <see cref="ModelWeights"/>) to
    /// <paramref name="outPath"/>, default &lt;run&gt;/model.safetensors; returns the path. Metadata adds dataset, variant and seed.</summary>
    public static string Weights(string runDir, string? outPath = null)
    {
        var (o, c) = RunInspection.ReadCheckpoint(runDir);
        string path = outPath ?? RunFolder.Open(runDir).File(WeightsFile);
        ModelWeights.Save(path, o.Model, c.GetFloats("theta"), new Dictionary<string, string>
        {
            ["dataset"] = o.Dataset, ["variant"] = o.Variant.ToString(), ["seed"] = o.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["source"] = "vae export of run " + Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runDir))),
        });
        return path;
    }

    /// <summary>Writes the posterior means mu(x) [N, Dz] of the run's test split (its data variant; first
    /// <paramref name="limit"/> rows, 0 = all) as .npy to <paramref name="outPath"/>, default &lt;run&gt;/latents-test.npy.</summary>
    public static string Latents(string runDir, IBlas blas, string? outPath = null, string? dataDir = null, int limit = 0)
    {
        var (o, c) = RunInspection.ReadCheckpoint(runDir, dataDir);
        var test = RunDriver.LoadData(o).Test;
        int n = limit > 0 ? Math.Min(limit, test.N) : test.N;
        var model = new Model.VaeModel(o.Model, blas, 100, 100);
        var mu = RunFigures.PosteriorMeans(model, c.GetFloats("theta"), test.X.AsSpan(0, n * test.D), n);
        string path = outPath ?? RunFolder.Open(runDir).File("latents-test.npy");
        Npy.Write(path, mu, n, o.Model.Dz);
        return path;
    }
}
