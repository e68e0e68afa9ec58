// The training loop: the bound rises on data, resume from a checkpoint is bit-exact, divergence stops with the tensor
// named, and nonsense options are refused with the value in the message.
using Vae.Core.Data;
using Vae.Core.IO;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Tests.Training;

public class TrainerTests
{
    /// <summary>Grey-level synthetic "images": 4 blurred prototypes, 4x6 pixels, so dynamic binarization applies.</summary>
    internal static PreparedData Synthetic(int n = 400, ulong seed = 1, DataVariant variant = DataVariant.DynamicBinarized)
    {
        const int rows = 4, cols = 6, d = rows * cols;
        var rng = new Rng(seed, RngStream.Split);
        var protos = new float[4 * d]; rng.FillUniform(protos);
        ImageSet Make(int count)
        {
            var x = new float[count * d]; var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                int k = rng.NextInt(4); labels[i] = k;
                for (int j = 0; j < d; j++) x[i * d + j] = Math.Clamp(protos[k * d + j] + 0.1f * (float)rng.NextNormal(), 0f, 1f);
            }
            return new ImageSet(x, count, rows, cols, labels);
        }
        var info = new DatasetInfo("synthetic", "synthetic prototypes", rows, cols, false, 4, [],
                                   new SplitRule(SplitKind.Given, 0, 0, seed, "synthetic"), "1 = ink",
                                   new PaperSetup(DataVariant.DynamicBinarized, 16, ValidationSplit.HoldOut, SigmoidMean: true));
        var ds = new Dataset(info, Make(n), Make(50), Make(100), ValidationSplit.HoldOut);
        return DataVariants.Prepare(ds, variant, seed);
    }

    static TrainOptions Small(OptimizerKind kind = OptimizerKind.Adam) => new()
    {
        Dataset = "synthetic",
        Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] },
        BatchSize = 20, Epochs = 3,
        Optimizer = new OptimizerOptions { Kind = kind, LearningRate = kind == OptimizerKind.Adam ? 3e-3 : 0.05 },
        Seed = 7,
    };

    [Fact]
    public void Training_raises_the_test_bound_and_reports_a_curve_per_epoch()
    {
        var data = Synthetic();
        var t = new Trainer(Small(), new ManagedBlas(), data);
        double before = t.TestElbo().Elbo;
        var curve = new List<CurvePoint>();
        t.Run(onCurve: curve.Add);
        Assert.Equal(3, curve.Count);
        Assert.Equal(new long[] { 400, 800, 1200 }, curve.Select(c => c.Samples));
        Assert.Equal(new[] { 1, 2, 3 }, curve.Select(c => c.Epoch));
        Assert.True(curve[^1].TestElbo > before + 1, $"test bound {before:F3} -> {curve[^1].TestElbo:F3}");
    }

    [Fact]
    public void Log_spaced_curve_points_start_at_the_first_point_and_multiply_by_ten_per_decade()
    {
        // 10 epochs of 400 = 4000 samples (200 steps of 20); first point 100 samples (5 steps), 2 per decade:
        // 5, 15.8 -> 16, 50, 158, then the end (step 200).
        var t = new Trainer(Small() with { Epochs = 10, EvalEverySamples = 100, EvalPerDecade = 2 }, new ManagedBlas(), Synthetic());
        var curve = new List<CurvePoint>();
        t.Run(onCurve: curve.Add);
        Assert.Equal(new long[] { 5, 16, 50, 158, 200 }, curve.Select(c => c.Step));
        Assert.Equal(new long[] { 100, 320, 1000, 3160, 4000 }, curve.Select(c => c.Samples));
        Assert.Contains("EvalPerDecade 2", Assert.Throws<ArgumentException>(() => (Small() with { EvalPerDecade = 2 }).Validate()).Message);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Adagrad)]
    public void Resuming_from_a_checkpoint_is_bit_exact(OptimizerKind kind)
    {
        var data = Synthetic();
        var straight = new Trainer(Small(kind), new ManagedBlas(), data);
        straight.TrainSteps(50); // crosses an epoch boundary (20 steps per epoch)

        var first = new Trainer(Small(kind), new ManagedBlas(), data);
        first.TrainSteps(25);
        string path = Path.Combine(Path.GetTempPath(), $"vae-resume-{Guid.NewGuid():N}.ckpt");
        try
        {
            Checkpoint.Save(path, first.Snapshot());
            var resumed = new Trainer(Small(kind), new ManagedBlas(), data);
            resumed.Restore(Checkpoint.Load(path));
            Assert.Equal(25, resumed.Step);
            resumed.TrainSteps(25);
            Assert.Equal(straight.Step, resumed.Step);
            Assert.Equal(straight.SamplesSeen, resumed.SamplesSeen);
            Assert.True(straight.Theta.AsSpan().SequenceEqual(resumed.Theta), "parameters after 25 + 25 steps differ from 50 straight steps");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Restoring_a_checkpoint_of_another_model_is_a_clear_error()
    {
        var data = Synthetic();
        var a = new Trainer(Small(), new ManagedBlas(), data);
        var other = Small() with { Model = Small().Model with { Dz = 3 } };
        var b = new Trainer(other, new ManagedBlas(), data);
        var ex = Assert.Throws<CheckpointFormatException>(() => b.Restore(a.Snapshot()));
        Assert.Contains("differs", ex.Message);
    }

    [Fact]
    public void A_diverging_run_stops_naming_the_step()
    {
        var data = Synthetic();
        var t = new Trainer(Small() with { Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = 1e6 } }, new ManagedBlas(), data);
        var ex = Assert.Throws<TrainingDivergedException>(() => t.TrainSteps(200));
        Assert.Matches(@"step \d+", ex.Message);
    }

    [Fact]
    public void A_nan_gradient_names_the_tensor()
    {
        var data = Synthetic();
        var t = new Trainer(Small(), new ManagedBlas(), data);
        t.Theta[t.Layout["dec.logits.b"].Offset] = float.NaN; // poisons the logits of one pixel
        var ex = Assert.Throws<TrainingDivergedException>(() => t.TrainStep());
        Assert.Contains("step 1", ex.Message);
    }

    [Theory]
    [InlineData("dz")]
    [InlineData("lr")]
    [InlineData("L")]
    [InlineData("batch")]
    public void Nonsense_options_are_refused_with_the_value(string which)
    {
        var o = Small();
        var data = Synthetic(n: 100);
        Action act = which switch
        {
            "dz" => () => (o with { Model = o.Model with { Dz = 0 } }).Validate(),
            "lr" => () => (o with { Optimizer = new OptimizerOptions { LearningRate = -0.1 } }).Validate(),
            "L" => () => (o with { Samples = 0 }).Validate(),
            _ => () => new Trainer(o with { BatchSize = 500 }, new ManagedBlas(), data),
        };
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        Assert.Matches(which switch { "dz" => @"^--dz: 0 ", "lr" => @"^--lr: -0\.1 ", "L" => @"^--samples: 0 ", _ => @"^--batch: 500 .*\(100 rows\)" }, ex.Message);
    }

    [Fact]
    public void Train_elbo_drawn_in_pieces_equals_the_bound_on_the_whole_binarized_split_bit_for_bit()
    {
        var data = Synthetic(n: 2_530); // three pieces of 1,000 rows, the last one partial and not a multiple of 100
        var o = Small() with { Epochs = 1 };
        var t = new Trainer(o, new ManagedBlas(1), data);
        t.TrainSteps(5);
        var whole = DataVariants.BinarizeFixed(data.Train, o.Seed, DataSplit.Train);
        var expected = new Vae.Core.Inference.Evaluator(o.Model, new ManagedBlas(1), batch: 100, kChunk: 1)
            .Elbo(t.Theta, whole.X, new Rng(o.Seed, RngStream.Eval));
        var got = t.TrainElbo();
        Assert.Equal(expected, got);
        var limited = new Vae.Core.Inference.Evaluator(o.Model, new ManagedBlas(1), batch: 100, kChunk: 1)
            .Elbo(t.Theta, whole.X.AsSpan(0, 1_234 * 24), new Rng(o.Seed, RngStream.Eval));
        Assert.Equal(limited, t.TrainElbo(limit: 1_234));
    }
}
