// The one validation layer (Vae.Core.Inputs), table-driven: every bad name or number gives an InputException whose
// message starts with the option as the user typed it and never names an internal type or parameter.
using Vae.Core.Inputs;
using Vae.Core.Model;
using Vae.Core.Training;

namespace Vae.Tests.Runs;

public class InputTests
{
    [Theory]
    [InlineData("..", "would leave the results folder")]
    [InlineData(".", "would leave the results folder")]
    [InlineData("../x", "path separator")]
    [InlineData("a/b", "path separator")]
    [InlineData("a\\b", "path separator")]
    [InlineData("", "the name is empty")]
    [InlineData("  ", "the name is empty")]
    [InlineData(" x", "white space")]
    [InlineData("x\n", "white space")]
    [InlineData("a\tb", "control")]
    [InlineData("--dry-run", "starts with '-'")]
    [InlineData("a\0b", "control")]
    public void Bad_names_are_refused_naming_the_option(string name, string why)
    {
        var e = Assert.Throws<InputException>(() => Input.Name("--run-id", name));
        Assert.StartsWith("--run-id: ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.Equal("--run-id", e.Option);
        Assert.Equal("x" + new string('y', 200), Assert.Throws<InputException>(() => Input.Name("--experiment", "x" + new string('y', 200))).Message.Split('\'')[1]);
    }

    [Theory]
    [InlineData("mnist")]
    [InlineData("mnist-dz20-L1-B-adam-lr0.001-s1-0123456789")]
    [InlineData("20250101-120000-abcdef")]
    [InlineData(".hidden")]
    public void Plain_names_pass(string name) => Assert.Equal(name, Input.Name("--run-id", name));

    [Theory]
    [InlineData("dz", "0", "0 is out of range; expected a whole number from 1 to 65536")]
    [InlineData("dz", "99999999999", "99999999999 is out of range")]
    [InlineData("dz", "999999999999999999999", "'999999999999999999999' is too large")]
    [InlineData("dz", "1.5", "'1.5' is not a whole number")]
    [InlineData("dz", "", "'' is not a whole number")]
    [InlineData("max-samples", "1e8", "'1e8' is not a whole number")]
    [InlineData("max-samples", "-1", "-1 is out of range")]
    [InlineData("lr", "0", "0 is out of range; expected a number > 0")]
    [InlineData("lr", "-0.1", "-0.1 is out of range")]
    [InlineData("lr", "1e-50", "underflows float32")]
    [InlineData("lr", "1e-40", "underflows float32")]
    [InlineData("lr", "1e39", "overflows float32")]
    [InlineData("lr", "1e999", "too large (overflows double)")]
    [InlineData("lr", "nan", "'nan' is not a number")]
    [InlineData("lr", "Infinity", "is not a finite number")]
    [InlineData("lr", "inf", "is not a number")]
    [InlineData("lr", "0x10", "is not a number")]
    [InlineData("lr", "1,5", "is not a number")]
    [InlineData("momentum", "1", "1 is out of range; expected a number >= 0 and < 1")]
    [InlineData("init-std", "1e-45", "underflows float32")]
    [InlineData("init-std", "0", "out of range")]
    [InlineData("weight-prior", "-1", "out of range")]
    [InlineData("threads", "-1", "out of range")]
    [InlineData("k", "2000000", "out of range")]
    [InlineData("n", "0", "out of range")]
    public void Bad_numbers_name_the_option_and_say_what_is_expected(string key, string text, string expected)
    {
        var e = Assert.Throws<InputException>(() => Input.Parse("--" + key, text, OptionLimits.For(key)));
        Assert.StartsWith($"--{key}: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("Parameter", e.Message);
        Assert.DoesNotContain("Exception", e.Message);
    }

    [Theory]
    [InlineData("lr", "1e-3", 1e-3)]
    [InlineData("lr", " 0.02 ", 0.02)]
    [InlineData("dz", "+20", 20)]
    [InlineData("max-samples", "100000000", 1e8)]
    [InlineData("momentum", "0", 0)]
    [InlineData("weight-prior", "0", 0)]
    public void Good_numbers_parse(string key, string text, double expected) =>
        Assert.Equal(expected, Input.Parse("--" + key, text, OptionLimits.For(key)));

    [Fact]
    public void A_record_is_checked_with_the_callers_names()
    {
        var o = new TrainOptions { Model = new ModelSpec { Dz = 0 } };
        Assert.StartsWith("--dz: 0 ", Assert.Throws<InputException>(() => o.Validate()).Message);
        Assert.StartsWith("Dz: 0 ", Assert.Throws<InputException>(() => o.Validate(k => k == "dz" ? "Dz" : k)).Message);
        var huge = new TrainOptions { Model = new ModelSpec { EncoderHidden = [100_000, 100_000], DecoderHidden = [100_000, 100_000] } };
        Assert.StartsWith("--hidden / --dz: ", Assert.Throws<InputException>(() => huge.Validate()).Message);
        var wide = new TrainOptions { BatchSize = 1_000_000, Samples = 1000 };
        Assert.StartsWith("--batch / --samples: ", Assert.Throws<InputException>(() => wide.Validate()).Message);
        Assert.StartsWith("--lr: ", Assert.Throws<InputException>(() => new TrainOptions { Optimizer = new OptimizerOptions { LearningRate = 1e-300 } }.Validate()).Message);
    }
}
