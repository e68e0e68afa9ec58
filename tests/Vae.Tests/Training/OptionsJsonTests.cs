// Checkpoints store the run's options with enums by name, the manifest's convention; checkpoints written before that
// (enums as integers) still read back to the same options.
using Vae.Core.Data;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Training;

namespace Vae.Tests.Training;

public class OptionsJsonTests
{
    [Fact]
    public void Checkpoint_options_name_their_enums_and_integer_enums_of_old_checkpoints_still_read()
    {
        var o = new TrainOptions
        {
            Dataset = "frey-face", Variant = DataVariant.Grey, Estimator = Estimator.A,
            Model = new ModelSpec { D = 560, Likelihood = Likelihood.Gaussian, Activation = Activation.Softplus },
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adagrad },
        };
        string json = o.ToJson();
        foreach (var named in new[] { "\"Variant\":\"Grey\"", "\"Estimator\":\"A\"", "\"Likelihood\":\"Gaussian\"", "\"Activation\":\"Softplus\"", "\"Kind\":\"Adagrad\"" })
            Assert.Contains(named, json);
        Assert.True(o.Equals(TrainOptions.FromJson(json)) || Same(o, TrainOptions.FromJson(json)!));
        // What a checkpoint written by the previous version held: plain System.Text.Json, enums as integers.
        string old = System.Text.Json.JsonSerializer.Serialize(o);
        Assert.Contains("\"Estimator\":0", old);
        Assert.True(Same(o, TrainOptions.FromJson(old)!));

        var data = TrainerTests.Synthetic();
        var t = new Trainer(new TrainOptions { Dataset = "synthetic", Model = new ModelSpec { D = 24, Dz = 2, EncoderHidden = [8], DecoderHidden = [8] }, BatchSize = 20 },
                            new ManagedBlas(), data);
        Assert.Contains("\"Estimator\":\"B\"", t.Snapshot().SpecJson);
    }

    static bool Same(TrainOptions a, TrainOptions b) =>
        a.Dataset == b.Dataset && a.Variant == b.Variant && a.Estimator == b.Estimator && a.Model.Equals(b.Model) && a.Optimizer == b.Optimizer;
}
