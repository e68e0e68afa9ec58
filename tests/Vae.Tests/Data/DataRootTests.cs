// Data root precedence: --data > VAE_DATA > data/ in the repository.
// Must not: depend on the real environment (the lookup is injected).

namespace Vae.Tests.Data;

public class DataRootTests
{
    [Fact]
    public void Command_line_beats_environment_which_beats_the_repository()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("Vae.Research.sln"), "");
        string deep = Directory.CreateDirectory(dir.File("a/b/c")).FullName;
        string? Env(string name) => name == "VAE_DATA" ? dir.File("env-data") : null;

        Assert.Equal((dir.File("cli-data"), "--data"), Tuple(DataRoot.Resolve(dir.File("cli-data"), Env, deep)));
        Assert.Equal((dir.File("env-data"), "environment VAE_DATA"), Tuple(DataRoot.Resolve(null, Env, deep)));
        Assert.Equal((dir.File("data"), "data/ in the repository"), Tuple(DataRoot.Resolve(" ", _ => null, deep)));
    }

    [Fact]
    public void Outside_a_repository_the_current_directory_data_folder_is_used()
    {
        using var dir = new TempDir();
        var r = DataRoot.Resolve(null, _ => "", dir.Path);
        Assert.Equal(Path.GetFullPath("data"), r.Path);
        Assert.Contains("no repository found", r.Source);
    }

    static (string, string) Tuple(DataRoot r) => (r.Path, r.Source);
}
