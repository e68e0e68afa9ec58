// Test ladder rungs 2-3: the reference's analytic gradients vs float64 central finite differences, and the float32
// engine vs the float64 reference, tensor by tensor, for both estimators, both decoders, L = 1 and 3, 1 and 2 layers.

namespace Vae.Tests.Model;

public class GradientTests
{
    /// <summary>The reference at a case's draw from <paramref name="seed"/>: the inputs, J, dJ/dtheta and the per-datapoint terms.</summary>
    static (double[] Theta, double[] X, double[] Eps, Reference Ref, double J, double[] Grad, RefTerms Terms) AtReference(ModelCase c, ulong seed)
    {
        var (theta, x, eps) = c.Draw(seed);
        var reference = new Reference(c.Spec);
        var grad = new double[theta.Length];
        double j = reference.Evaluate(theta, x, c.M, eps, c.L, c.Est, grad, out var terms);
        return (theta, x, eps, reference, j, grad, terms);
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Reference_gradient_matches_central_finite_differences(ModelCase c)
    {
        var r = AtReference(c, 11);
        var fd = Tol.CentralDifferences(r.Theta, th => r.Ref.Evaluate(th, r.X, c.M, r.Eps, c.L, c.Est, null, out _));
        Tol.CloseByTensor(c.Name, r.Ref.Layout, fd, r.Grad, rel: 1e-6, abs: 1e-9);
    }

    [Theory]
    [MemberData(nameof(ModelCase.All), MemberType = typeof(ModelCase))]
    public void Float32_engine_matches_float64_reference_tensor_by_tensor(ModelCase c)
    {
        var (theta, x, eps, reference, jRef, gradRef, t) = AtReference(c, 12);

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
        Tol.CloseByTensor(c.Name, reference.Layout, gradRef, Tol.D(grad32), rel: 2e-4, abs: 1e-6);
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
