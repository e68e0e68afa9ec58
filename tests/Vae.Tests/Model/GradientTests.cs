// Test ladder rungs 2-3: the reference's analytic gradients vs float64 central finite differences, and the float32
// engine vs the float64 reference, tensor by tensor, for both estimators, both decoders, L = 1 and 3, 1 and 2 layers.
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Tests.Model;

public class GradientTests
{
    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Reference_gradient_matches_central_finite_differences(ModelCase c)
    {
        var (theta, x, eps) = c.Draw(11);
        var reference = new Reference(c.Spec);
        var grad = new double[theta.Length];
        reference.Evaluate(theta, x, c.M, eps, c.L, c.Est, grad, out _);
        const double h = 1e-5;
        var fd = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double keep = theta[i];
            theta[i] = keep + h; double jp = reference.Evaluate(theta, x, c.M, eps, c.L, c.Est, null, out _);
            theta[i] = keep - h; double jm = reference.Evaluate(theta, x, c.M, eps, c.L, c.Est, null, out _);
            theta[i] = keep;
            fd[i] = (jp - jm) / (2 * h);
        }
        foreach (var p in reference.Layout.Params)
            Tol.Close($"{c.Name} d/d{p.Name}", fd.AsSpan(p.Offset, p.Length), grad.AsSpan(p.Offset, p.Length), rel: 1e-6, abs: 1e-9);
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Float32_engine_matches_float64_reference_tensor_by_tensor(ModelCase c)
    {
        var (theta, x, eps) = c.Draw(12);
        var reference = new Reference(c.Spec);
        var gradRef = new double[theta.Length];
        double jRef = reference.Evaluate(theta, x, c.M, eps, c.L, c.Est, gradRef, out var t);

        var sgvb = new Sgvb(c.Spec, new ManagedBlas(), c.M, c.L);
        var theta32 = Tol.F(theta);
        var grad32 = new float[theta.Length];
        double j = sgvb.Forward(theta32, Tol.F(x), c.M, Tol.F(eps), c.L, c.Est);
        sgvb.Backward(theta32, grad32);

        Assert.True(Math.Abs(j - jRef) <= 1e-4 * Math.Abs(jRef), $"J {j} vs reference {jRef}");
        Tol.Close("Elbo", t.Elbo, sgvb.Elbo, 1e-5, 1e-5);
        Tol.Close("LogPxz", t.LogPxz, sgvb.LogPxz, 1e-5, 1e-5);
        Tol.Close("Kl", t.Kl, sgvb.Kl, 1e-5, 1e-5);
        Tol.Close("LogPz", t.LogPz, sgvb.LogPz, 1e-5, 1e-5);
        Tol.Close("LogQz", t.LogQz, sgvb.LogQz, 1e-5, 1e-5);
        Tol.Close("LogWeights", t.LogW, sgvb.LogWeights, 1e-5, 1e-5);
        var g = Tol.D(grad32);
        foreach (var p in reference.Layout.Params)
            Tol.Close($"{c.Name} d/d{p.Name}", gradRef.AsSpan(p.Offset, p.Length), g.AsSpan(p.Offset, p.Length), rel: 2e-4, abs: 1e-6);
    }

    [Fact]
    public void Backward_accumulates_into_the_gradient_buffer()
    {
        var c = (ModelCase)ModelCase.All().First()[0];
        var (theta, x, eps) = c.Draw(13);
        var sgvb = new Sgvb(c.Spec, new ManagedBlas(), c.M, c.L);
        var th = Tol.F(theta); var once = new float[th.Length]; var twice = new float[th.Length];
        sgvb.Forward(th, Tol.F(x), c.M, Tol.F(eps), c.L, c.Est); sgvb.Backward(th, once);
        sgvb.Backward(th, twice); sgvb.Backward(th, twice);
        for (int i = 0; i < th.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-5f * (1 + Math.Abs(once[i])));
    }

    [Fact]
    public void Wrong_parameter_count_is_a_clear_error()
    {
        var spec = ModelCase.Spec1(Likelihood.Bernoulli, Activation.Tanh, false);
        var sgvb = new Sgvb(spec, new ManagedBlas(), 5, 1);
        var ex = Assert.Throws<ArgumentException>(() => sgvb.Forward(new float[10], new float[5 * 13], 5, new float[15], 1, Estimator.B));
        Assert.Contains("10", ex.Message);
        Assert.Contains(ModelLayout.For(spec).Count.ToString(), ex.Message);
    }
}
