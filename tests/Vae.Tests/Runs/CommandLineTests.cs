// `vae` argument parsing: options map one-to-one onto the records, presets apply before explicit options, and bad
// input is refused with a message naming the option and the value.
using Vae.Core.Data;
using Vae.Core.Model;
using Vae.Core.Runs;
using Vae.Core.Training;
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Tests.Runs;

public class CommandLineTests
{
    [Fact]
    public void Train_options_map_one_to_one_onto_the_records()
    {
        var c = CommandLine.ParseTrain(
        [
            "--dataset", "fashion-mnist", "--variant", "fixed", "--dz", "2", "--hidden", "400,300", "--activation", "relu",
            "--likelihood", "gaussian", "--estimator", "A", "--samples", "3", "--batch", "50", "--epochs", "7",
            "--max-samples", "12345", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--weight-prior", "1",
            "--init", "normal", "--init-std", "0.02", "--seed", "42", "--final-k", "100", "--eval-limit", "500",
            "--data", "d", "--out", "o", "--experiment", "e", "--run-id", "r", "--threads", "3", "--validation", "holdout",
            "--eval-every", "6000",
        ]);
        var o = c.Options;
        Assert.Equal("fashion-mnist", o.Dataset);
        Assert.Equal(DataVariant.FixedBinarized, o.Variant);
        Assert.Equal(ValidationSplit.HoldOut, o.Validation);
        Assert.Equal(784, o.Model.D);
        Assert.Equal(2, o.Model.Dz);
        Assert.Equal([400, 300], o.Model.EncoderHidden);
        Assert.Equal([300, 400], o.Model.DecoderHidden);
        Assert.Equal(Activation.Relu, o.Model.Activation);
        Assert.Equal(Likelihood.Gaussian, o.Model.Likelihood);
        Assert.Equal(Estimator.A, o.Estimator);
        Assert.Equal((3, 50, 7, 12345L), (o.Samples, o.BatchSize, o.Epochs, o.MaxTrainingSamples));
        Assert.Equal(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.9, WeightPrior = 1 }, o.Optimizer);
        Assert.Equal((InitScheme.Normal, 0.02f, 42UL), (o.Init, o.InitStd, o.Seed));
        Assert.Equal((100, 500, "d", 6000L), (o.FinalK, o.EvalLimit, o.DataDir, o.EvalEverySamples));
        Assert.Equal(("o", "e", "r", 3, false), (c.ResultsRoot, c.Experiment, c.RunId, c.Threads, c.Resume));
    }

    [Fact]
    public void Defaults_are_the_record_defaults_and_the_experiment_is_the_dataset()
    {
        var c = CommandLine.ParseTrain([]);
        Assert.Equal(new TrainOptions(), c.Options);
        Assert.Equal(("results", "mnist", null, false), (c.ResultsRoot, c.Experiment, c.RunId, c.ChooseStepSize));
    }

    [Fact]
    public void Paper_preset_sets_adagrad_prior_and_init_and_asks_for_step_size_selection_unless_lr_is_given()
    {
        var c = CommandLine.ParseTrain(["--preset", "paper", "--dataset", "frey-face", "--dz", "5", "--resume", "--run-id", "x"]);
        var o = c.Options;
        Assert.Equal((OptimizerKind.Adagrad, 1.0), (o.Optimizer.Kind, o.Optimizer.WeightPrior));
        Assert.Equal((InitScheme.Normal, 0.01f), (o.Init, o.InitStd));
        Assert.Equal((560, 5, 200, Likelihood.Gaussian, true), (o.Model.D, o.Model.Dz, o.Model.EncoderHidden[0], o.Model.Likelihood, o.Model.SigmoidMean));
        Assert.Equal(DataVariant.Dequantized, o.Variant);
        Assert.True(c.ChooseStepSize);
        Assert.True(c.Resume);

        var m = CommandLine.ParseTrain(["--preset", "paper", "--lr", "0.1", "--hidden", "300"]);
        Assert.False(m.ChooseStepSize);
        Assert.Equal(0.1, m.Options.Optimizer.LearningRate);
        Assert.Equal(300, m.Options.Model.EncoderHidden[0]);
        Assert.Equal(ValidationSplit.MergeIntoTrain, m.Options.Validation);
    }

    [Theory]
    [InlineData(new[] { "--bogus", "1" }, "unknown option --bogus")]
    [InlineData(new[] { "--dz", "abc" }, "--dz: 'abc' is not an integer")]
    [InlineData(new[] { "--dz", "0" }, "Dz (0) must be positive")]
    [InlineData(new[] { "--lr", "-1" }, "learning rate (-1) must be positive")]
    [InlineData(new[] { "--dataset", "cifar" }, "unknown dataset 'cifar'")]
    [InlineData(new[] { "--activation", "sigmoid" }, "--activation: 'sigmoid' is not one of tanh, relu, softplus, identity")]
    [InlineData(new[] { "--epochs" }, "option --epochs needs a value")]
    [InlineData(new[] { "--seed", "1", "--seed", "2" }, "option --seed is given twice")]
    [InlineData(new[] { "mnist" }, "unexpected argument 'mnist'")]
    [InlineData(new[] { "--preset", "fast" }, "unknown preset 'fast'")]
    [InlineData(new[] { "--samples", "0" }, "samples L (0) must be at least 1")]
    public void Bad_train_arguments_give_a_usage_error_naming_the_option_and_value(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => CommandLine.ParseTrain(args));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Eval_and_sample_parse_their_options_and_require_a_run()
    {
        var e = CommandLine.ParseEval(["--run", "r", "--k", "10", "--eval-limit", "5"]);
        Assert.Equal(new EvalCommand("r", 10, 5, null, 0), e);
        Assert.Equal(5000, CommandLine.ParseEval(["--run", "r"]).K);
        Assert.Equal(new SampleCommand("r", 64, null, 0), CommandLine.ParseSample(["--run=r"]));
        Assert.Contains("--run DIR is required", Assert.Throws<UsageException>(() => CommandLine.ParseEval(["--k", "5"])).Message);
        Assert.Contains("--n: 0 must be at least 1", Assert.Throws<UsageException>(() => CommandLine.ParseSample(["--run", "r", "--n", "0"])).Message);
    }
}
