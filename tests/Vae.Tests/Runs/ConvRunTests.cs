// `vae train --model conv`: the option maps onto ModelSpec (TF CVAE filters, ReLU), bad data for it is a clear error
// naming the option, weights files keep the architecture, and a conv run writes the same run folder as an MLP run and
// resumes from its checkpoint to the same bits (managed BLAS).
using Vae.Cli;

namespace Vae.Tests.Runs;

public class ConvRunTests
{
    [Fact]
    public void Model_conv_selects_the_tutorial_shape_with_relu()
    {
        var m = TrainCli.ParseRequest(["--dataset", "mnist", "--model", "conv"]).Options.Model;
        Assert.Equal(Architecture.Conv, m.Architecture);
        Assert.Equal([32, 64], m.EncoderHidden);
        Assert.Equal([64, 32], m.DecoderHidden);
        Assert.Equal(Activation.Relu, m.Activation);
        Assert.StartsWith("conv 28x28x1-c32-c64-", m.ToString());
        var custom = TrainCli.ParseRequest(["--dataset", "mnist", "--model", "conv", "--hidden", "8,16", "--activation", "leakyrelu"]).Options.Model;
        Assert.Equal([8, 16], custom.EncoderHidden);
        Assert.Equal([16, 8], custom.DecoderHidden);
        Assert.Equal(Activation.LeakyRelu, custom.Activation);
        Assert.Equal(Architecture.Mlp, TrainCli.ParseRequest(["--dataset", "mnist"]).Options.Model.Architecture);
    }

    [Theory]
    [InlineData("--model", "D = 560", "--dataset", "frey-face")]
    [InlineData("--likelihood", "Bernoulli decoder", "--dataset", "mnist", "--variant", "grey")]
    [InlineData("--hidden", "two filter counts", "--dataset", "mnist", "--hidden", "32")]
    public void Data_the_conv_model_cannot_take_is_a_clear_error(string option, string says, params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => TrainCli.ParseRequest([.. args, "--model", "conv"]));
        Assert.Contains(option, e.Message);
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void Weights_files_keep_the_architecture()
    {
        using var tmp = new TempDir();
        var spec = new ModelSpec { D = 784, Dz = 3, EncoderHidden = [3, 4], DecoderHidden = [4, 2], Activation = Activation.Relu, Architecture = Architecture.Conv };
        var theta = Enumerable.Range(0, ModelLayout.For(spec).Count).Select(i => (float)Math.Sin(i)).ToArray();
        var path = Path.Combine(tmp.Path, "w.safetensors");
        ModelWeights.Save(path, spec, theta);
        var (back, th) = ModelWeights.Load(path);
        Assert.Equal(spec, back);
        Assert.Equal(theta, th);
    }

    static PreparedData Images28(int n, ulong seed)
    {
        var rng = new Rng(seed, RngStream.Split);
        ImageSet Make(int count)
        {
            var x = new float[count * 784]; var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                int k = rng.NextInt(2); labels[i] = k; // a bar, horizontal or vertical, at a random place
                int at = 4 + rng.NextInt(20);
                for (int t = 2; t < 26; t++) for (int w = 0; w < 3; w++) x[i * 784 + (k == 0 ? (at + w) * 28 + t : t * 28 + at + w)] = 0.9f;
            }
            return new ImageSet(x, count, 28, 28, labels);
        }
        var info = new DatasetInfo("synthetic28", "synthetic bars", 28, 28, false, 2, [],
                                   new SplitRule(SplitKind.Given, 0, 0, seed, "synthetic"), "1 = ink",
                                   new PaperSetup(DataVariant.DynamicBinarized, 16, ValidationSplit.HoldOut, SigmoidMean: true));
        return DataVariants.Prepare(new Dataset(info, Make(n), Make(10), Make(20), ValidationSplit.HoldOut), DataVariant.DynamicBinarized, seed);
    }

    static TrainOptions Small(int epochs) => new()
    {
        Dataset = "synthetic28",
        Model = new ModelSpec { D = 784, Dz = 2, EncoderHidden = [4, 8], DecoderHidden = [8, 4], Activation = Activation.Relu, Architecture = Architecture.Conv },
        BatchSize = 20, Epochs = epochs, FinalK = 5, Seed = 5, Optimizer = new OptimizerOptions { LearningRate = 3e-3 },
    };

    [Fact]
    public void A_conv_run_writes_the_run_folder_and_resumes_to_the_same_bits()
    {
        using var tmp = new TempDir();
        var data = Images28(60, 3);
        var straight = RunDriver.Train(Small(3), data, RunFolder.Create(tmp.Path, "exp", "straight"), new ManagedBlas(), TextWriter.Null);
        Assert.True(double.IsFinite(straight.TestElbo) && double.IsFinite(straight.LogPx), $"{straight.TestElbo} {straight.LogPx}");
        Assert.Contains("conv 28x28x1", File.ReadAllText(Path.Combine(tmp.Path, "exp", "straight", "manifest.json")));

        var folder = RunFolder.Create(tmp.Path, "exp", "killed");
        RunDriver.Train(Small(2), data, folder, new ManagedBlas(), TextWriter.Null);
        File.Delete(folder.File("metrics.json"));
        var resumed = RunDriver.Train(Small(3), data, RunFolder.Open(folder.Path), new ManagedBlas(), TextWriter.Null, resume: true);
        Assert.Equal(straight.TestElbo, resumed.TestElbo);
        Assert.Equal(straight.LogPx, resumed.LogPx);
        foreach (var f in new[] { "curve.csv", "checkpoint.ckpt", "metrics.json", RunFigures.Samples, RunFigures.Reconstructions })
            Assert.True(File.Exists(folder.File(f)), $"{f} missing");
    }
}
