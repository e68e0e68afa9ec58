// Test ladder rung 4: the float32 engine against an independent PyTorch (float64 autograd) implementation,
// tensor by tensor: intermediates, ELBO terms, every gradient, and a 10-step Adam trajectory.
// Fixtures: tests/Vae.Tests/fixtures/*.json, made by scripts/make_fixtures.py (seeds in each file's provenance).
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;
using Vae.Tests.Fixtures;

namespace Vae.Tests.Model;

public class TorchFixtureEngineTests
{
    public static IEnumerable<object[]> Cases() => TorchFixture.CaseNames().Select(n => new object[] { n });
    public static IEnumerable<object[]> AdamCases() =>
        TorchFixture.CaseNames().Where(n => TorchFixture.Load(n).Adam != null).Select(n => new object[] { n });

    static ModelSpec SpecOf(FixtureSpec s) => new()
    {
        D = s.D, Dz = s.Dz, EncoderHidden = s.EncoderHidden, DecoderHidden = s.DecoderHidden,
        Likelihood = Enum.Parse<Likelihood>(s.Likelihood, true),
        Activation = Enum.Parse<Activation>(s.Activation, true),
        SigmoidMean = s.SigmoidMean,
    };

    static (Sgvb Sgvb, float[] Theta, Estimator Est) Setup(TorchFixture f)
    {
        var spec = SpecOf(f.Spec);
        var layout = ModelLayout.For(spec);
        Assert.Equal(f.Params.Select(p => p.name), layout.Params.Select(p => p.Name));
        var theta = Tol.F(TorchFixture.Flatten(f.Params));
        Assert.Equal(layout.Count, theta.Length);
        return (new Sgvb(spec, new ManagedBlas(), f.Spec.M, f.Spec.L), theta, Enum.Parse<Estimator>(f.Spec.Estimator));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_matches_pytorch_forward_terms_and_every_gradient(string caseName)
    {
        var f = TorchFixture.Load(caseName);
        var (sgvb, theta, est) = Setup(f);
        int m = f.Spec.M, l = f.Spec.L;
        var grad = new float[theta.Length];
        double j = sgvb.Forward(theta, Tol.F(f.Tensor("x")), m, Tol.F(f.Tensor("eps")), l, est);
        sgvb.Backward(theta, grad);

        Assert.True(Math.Abs(j - f.J) <= 1e-5 * Math.Abs(f.J), $"{caseName}: J {j} vs torch {f.J}");
        var model = sgvb.Model;
        Tol.Close("mu", f.Tensor("mu"), Tol.D(model.Mu[..(m * f.Spec.Dz)].ToArray()), 1e-5, 1e-6);
        Tol.Close("logvar", f.Tensor("logvar"), Tol.D(model.LogVar[..(m * f.Spec.Dz)].ToArray()), 1e-5, 1e-6);
        Tol.Close("z", f.Tensor("z"), Tol.D(sgvb.Z.ToArray()), 1e-5, 1e-6);
        int n = l * m * f.Spec.D;
        if (f.Spec.Likelihood == "Bernoulli")
            Tol.Close("head", f.Tensor("head"), Tol.D(model.Head[..n].ToArray()), 1e-5, 1e-6);
        else
        {
            Tol.Close("head.mean", f.Tensor("head.mean"), Tol.D(model.Head[..n].ToArray()), 1e-5, 1e-6);
            Tol.Close("head.logvar", f.Tensor("head.logvar"), Tol.D(model.HeadLogVar[..n].ToArray()), 1e-5, 1e-6);
        }
        Tol.Close("terms.LogPxz", f.Tensor("terms.LogPxz"), sgvb.LogPxz, 1e-5, 1e-5);
        Tol.Close("terms.Kl", f.Tensor("terms.Kl"), sgvb.Kl, 1e-5, 1e-5);
        Tol.Close("terms.LogPz", f.Tensor("terms.LogPz"), sgvb.LogPz, 1e-5, 1e-5);
        Tol.Close("terms.LogQz", f.Tensor("terms.LogQz"), sgvb.LogQz, 1e-5, 1e-5);
        Tol.Close("terms.Elbo", f.Tensor("terms.Elbo"), sgvb.Elbo, 1e-5, 1e-5);
        Tol.Close("logw", f.Tensor("logw"), sgvb.LogWeights, 1e-5, 1e-5);
        var layout = sgvb.Model.Layout;
        var g = Tol.D(grad);
        foreach (var (name, _, data) in f.Grads)
            Tol.Close($"{caseName} dJ/d{name}", data, g.AsSpan(layout[name].Offset, layout[name].Length), 2e-4, 1e-6);
    }

    [Theory]
    [MemberData(nameof(AdamCases))]
    public void Ten_adam_steps_follow_the_pytorch_trajectory(string caseName)
    {
        var f = TorchFixture.Load(caseName);
        var a = f.Adam!;
        var (_, theta, est) = Setup(f);
        // The trainer's own step unit, fed the fixture's noise (the same eps every step, as the fixture's trajectory).
        var unit = new TrainingStep(SpecOf(f.Spec), new ManagedBlas(), est, f.Spec.M, f.Spec.L,
                                    new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = a.Lr, Beta1 = a.Beta1, Beta2 = a.Beta2, Epsilon = a.Eps },
                                    datasetSize: f.Spec.M, new Rng(1, RngStream.Noise));
        theta.CopyTo(unit.Parameters.Data, 0);
        var x = Tol.F(f.Tensor("x")); var eps = Tol.F(f.Tensor("eps"));
        for (int s = 0; s < a.Steps; s++)
        {
            double j = unit.Forward(x, eps);
            Assert.True(Math.Abs(j - a.JBeforeStep[s]) <= 1e-4 * Math.Abs(a.JBeforeStep[s]), $"step {s}: J {j} vs torch {a.JBeforeStep[s]}");
            unit.Backward();
            unit.Update();
        }
        theta = unit.Parameters.Data;
        var layout = unit.Parameters.Layout; var th = Tol.D(theta);
        foreach (var (name, _, data) in a.ParamsAfter)
            Tol.Close($"{caseName} {name} after {a.Steps} Adam steps", data, th.AsSpan(layout[name].Offset, layout[name].Length), 1e-4, 2e-6);
    }
}
