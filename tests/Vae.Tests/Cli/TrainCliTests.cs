// `vae train` on System.CommandLine: options map one-to-one onto the records; the dataset's paper setup (from the
// catalog) applies first, then the preset, then the options typed; mismatched decoders are refused unless asked for.
using Vae.Cli;
using Vae.Core.Data;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;

namespace Vae.Tests.Cli;

public class TrainCliTests
{
    static TrainRequest Parse(params string[] args) => TrainCli.ParseRequest(args);

    [Fact]
    public void Train_options_map_one_to_one_onto_the_records()
    {
        var c = Parse(
            "--dataset", "fashion-mnist", "--variant", "fixed", "--dz", "2", "--hidden", "400,300", "--activation", "relu",
            "--likelihood", "gaussian", "--allow-mismatch", "--estimator", "A", "--samples", "3", "--batch", "50", "--epochs", "7",
            "--max-samples", "12345", "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--weight-prior", "1",
            "--init", "normal", "--init-std", "0.02", "--seed", "42", "--final-k", "100", "--eval-limit", "500",
            "--data", "d", "--out", "o", "--experiment", "e", "--run-id", "r", "--threads", "3", "--validation", "holdout",
            "--eval-every", "6000");
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
        Assert.True(o.AllowMismatch);
        Assert.Equal(Estimator.A, o.Estimator);
        Assert.Equal((3, 50, 7, 12345L), (o.Samples, o.BatchSize, o.Epochs, o.MaxTrainingSamples));
        Assert.Equal(new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.9, WeightPrior = 1 }, o.Optimizer);
        Assert.Equal((InitScheme.Normal, 0.02f, 42UL), (o.Init, o.InitStd, o.Seed));
        Assert.Equal((100, 500, "d", 6000L), (o.FinalK, o.EvalLimit, o.DataDir, o.EvalEverySamples));
        Assert.Equal(("o", "e", "r", 3, false), (c.ResultsRoot, c.Experiment, c.RunId, c.Threads, c.Resume));
    }

    [Fact]
    public void Defaults_are_the_record_defaults_and_mnists_paper_setup_and_the_experiment_is_the_dataset()
    {
        var c = Parse();
        Assert.Equal(new TrainOptions(), c.Options);
        Assert.Equal(DatasetDefaults.Apply(new TrainOptions(), Catalog.Get("mnist")), c.Options);
        Assert.Equal(("results", "mnist", null, false), (c.ResultsRoot, c.Experiment, c.RunId, c.ChooseStepSize));
    }

    [Theory]
    [InlineData("mnist", DataVariant.DynamicBinarized, Likelihood.Bernoulli, 784, 500)]
    [InlineData("fashion-mnist", DataVariant.DynamicBinarized, Likelihood.Bernoulli, 784, 500)]
    [InlineData("binarized-mnist", DataVariant.StaticBinarized, Likelihood.Bernoulli, 784, 500)]
    [InlineData("caltech101-28", DataVariant.StaticBinarized, Likelihood.Bernoulli, 784, 500)]
    [InlineData("caltech101-16", DataVariant.StaticBinarized, Likelihood.Bernoulli, 256, 500)]
    [InlineData("frey-face", DataVariant.Dequantized, Likelihood.Gaussian, 560, 200)]
    public void Each_dataset_trains_with_its_catalog_setup_without_further_options(string dataset, DataVariant variant, Likelihood lik, int d, int hidden)
    {
        var o = Parse("--dataset", dataset).Options;
        Assert.Equal((variant, lik, d, hidden, hidden), (o.Variant, o.Model.Likelihood, o.Model.D, o.Model.EncoderHidden.Single(), o.Model.DecoderHidden.Single()));
        Assert.Equal(Catalog.Get(dataset).Paper.Validation, o.Validation);
        Assert.False(o.AllowMismatch);
    }

    [Fact]
    public void A_variant_alone_brings_its_matching_likelihood()
    {
        var o = Parse("--dataset", "mnist", "--variant", "grey").Options;
        Assert.Equal((DataVariant.Grey, Likelihood.Gaussian), (o.Variant, o.Model.Likelihood));
    }

    [Theory]
    [InlineData("mnist", "gaussian", "likelihood Gaussian does not match the data variant dynamic-binarized")]
    [InlineData("binarized-mnist", "gaussian", "likelihood Gaussian does not match the data variant static-binarized")]
    [InlineData("frey-face", "bernoulli", "likelihood Bernoulli does not match the data variant dequantized")]
    public void A_mismatched_decoder_is_refused_unless_allowed_and_then_labelled(string dataset, string lik, string expected)
    {
        var e = Assert.Throws<UsageException>(() => Parse("--dataset", dataset, "--likelihood", lik));
        Assert.Contains(expected, e.Message);
        Assert.Contains("--allow-mismatch", e.Message);

        var o = Parse("--dataset", dataset, "--likelihood", lik, "--allow-mismatch").Options;
        string label = DataVariants.Label(o.Variant, o.Model.Likelihood == Likelihood.Bernoulli);
        Assert.Equal(lik == "bernoulli" ? DataVariants.Label(o.Variant) + " (Bernoulli on grey levels)" : DataVariants.Label(o.Variant) + " (Gaussian on binary pixels)", label);
    }

    [Fact]
    public void Paper_preset_sets_adagrad_prior_and_init_and_asks_for_step_size_selection_unless_lr_is_given()
    {
        var c = Parse("--preset", "paper", "--dataset", "frey-face", "--dz", "5", "--resume", "--run-id", "x");
        var o = c.Options;
        Assert.Equal((OptimizerKind.Adagrad, 1.0), (o.Optimizer.Kind, o.Optimizer.WeightPrior));
        Assert.Equal((InitScheme.Normal, 0.01f), (o.Init, o.InitStd));
        Assert.Equal((560, 5, 200, Likelihood.Gaussian, true), (o.Model.D, o.Model.Dz, o.Model.EncoderHidden[0], o.Model.Likelihood, o.Model.SigmoidMean));
        Assert.Equal(DataVariant.Dequantized, o.Variant);
        Assert.True(c.ChooseStepSize);
        Assert.True(c.Resume);
        Assert.Equal(Presets.Paper(new TrainOptions { Dataset = "frey-face", Model = new ModelSpec { Dz = 5 } }), o);

        var m = Parse("--preset", "paper", "--lr", "0.1", "--hidden", "300");
        Assert.False(m.ChooseStepSize);
        Assert.Equal(0.1, m.Options.Optimizer.LearningRate);
        Assert.Equal(300, m.Options.Model.EncoderHidden[0]);
        Assert.Equal(ValidationSplit.MergeIntoTrain, m.Options.Validation);
    }

    [Theory]
    [InlineData(new[] { "--bogus", "1" }, "'--bogus'")]
    [InlineData(new[] { "--dz", "abc" }, "abc")]
    [InlineData(new[] { "--dz", "0" }, "--dz: 0 is out of range; expected a whole number from 1 to 65536")]
    [InlineData(new[] { "--lr", "-1" }, "--lr: -1 is out of range; expected a number > 0")]
    [InlineData(new[] { "--lr", "NaN" }, "--lr: 'NaN' is not a number; expected a number > 0")]
    [InlineData(new[] { "--dataset", "cifar" }, "--dataset: 'cifar' is not one of mnist, fashion-mnist")]
    [InlineData(new[] { "--activation", "sigmoid" }, "--activation: 'sigmoid' is not one of tanh, relu, softplus, identity")]
    [InlineData(new[] { "--epochs" }, "--epochs")]
    [InlineData(new[] { "mnist" }, "'mnist'")]
    [InlineData(new[] { "--preset", "fast" }, "--preset: 'fast' is not one of paper")]
    [InlineData(new[] { "--samples", "0" }, "--samples: 0 is out of range")]
    [InlineData(new[] { "--hidden", "500,x" }, "--hidden: 'x' is not a whole number")]
    [InlineData(new[] { "--dataset", "caltech101-28", "--variant", "dynamic" }, "dataset caltech101-28 is already binary")]
    [InlineData(new[] { "--resume" }, "--resume needs --run-id")]
    public void Bad_train_arguments_give_a_usage_error_naming_the_option_and_value(string[] args, string expected)
    {
        var e = Assert.Throws<UsageException>(() => Parse(args));
        Assert.Contains(expected, e.Message);
        // The same arguments through the whole command: exit code 2, the message on stderr, nothing on stdout but help hints.
        var (code, _, err) = CliTests.Run(["train", .. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(expected, err + CliTests.Last.Out);
    }
}
