// Shared builders for engine tests: awkward model sizes, random parameters / data / noise, tolerance checks.

namespace Vae.Tests.Model;

/// <summary>One gradient-check configuration (sizes chosen so transposition bugs cannot cancel).</summary>
public sealed record ModelCase(string Name, ModelSpec Spec, Estimator Est, int M, int L)
{
    public override string ToString() => Name;

    public static ModelSpec Spec1(Likelihood lik, Activation act, bool twoLayers, bool sigmoidMean = true) => new()
    {
        D = 13, Dz = 3,
        EncoderHidden = twoLayers ? [7, 6] : [7],
        DecoderHidden = twoLayers ? [6, 8] : [7],
        Likelihood = lik, Activation = act, SigmoidMean = sigmoidMean,
    };

    /// <summary>Every combination the issue asks for: both estimators, both decoders, L = 1 and L &gt; 1, 1 and 2 layers.</summary>
    public static IEnumerable<object[]> All()
    {
        foreach (var est in new[] { Estimator.A, Estimator.B })
        foreach (var (lik, sig) in new[] { (Likelihood.Bernoulli, true), (Likelihood.Gaussian, true), (Likelihood.Gaussian, false) })
        foreach (int l in new[] { 1, 3 })
        foreach (bool two in new[] { false, true })
        {
            var act = two ? (l == 1 ? Activation.Softplus : Activation.Relu) : Activation.Tanh;
            string name = $"{lik}{(lik == Likelihood.Gaussian ? (sig ? "(sigmoid)" : "(identity)") : "")}_{est}_L{l}_{(two ? 2 : 1)}layer_{act}";
            yield return [new ModelCase(name, Spec1(lik, act, two, sig), est, 5, l)];
        }
    }

    /// <summary>Random parameters (std 0.3, so nonlinearities matter), data and noise for this case.</summary>
    public (double[] Theta, double[] X, double[] Eps) Draw(ulong seed)
    {
        var rng = new Rng(seed, RngStream.Init);
        var layout = ModelLayout.For(Spec);
        var theta = new double[layout.Count];
        for (int i = 0; i < theta.Length; i++) theta[i] = 0.3 * rng.NextNormal();
        var x = new double[M * Spec.D];
        for (int i = 0; i < x.Length; i++)
            x[i] = Spec.Likelihood == Likelihood.Bernoulli ? (rng.NextDouble() < 0.4 ? 1 : 0) : 0.05 + 0.9 * rng.NextDouble();
        var eps = new double[L * M * Spec.Dz];
        for (int i = 0; i < eps.Length; i++) eps[i] = rng.NextNormal();
        return (theta, x, eps);
    }
}

public static class Tol
{
    public static float[] F(double[] a) => Array.ConvertAll(a, v => (float)v);
    public static double[] D(float[] a) => Array.ConvertAll(a, v => (double)v);

    /// <summary>Asserts max |a - b| &lt;= rel * max(|b|) + abs over the tensor, naming the tensor and the worst index.</summary>
    public static void Close(string what, ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double rel, double abs = 0)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length} != expected {expected.Length}");
        double scale = 0; foreach (double v in expected) scale = Math.Max(scale, Math.Abs(v));
        double worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = Math.Abs(expected[i] - actual[i]);
            if (!(e <= worst) || double.IsNaN(e)) { worst = e; at = i; }
        }
        double limit = rel * scale + abs;
        Assert.True(worst <= limit, $"{what}: max error {worst:E3} at [{at}] (expected {(at >= 0 ? expected[at] : 0):G9}, got {(at >= 0 ? actual[at] : 0):G9}) > limit {limit:E3} (scale {scale:G4})");
    }

    /// <summary><see cref="Close"/> on each tensor of <paramref name="layout"/> in turn ("{what} d/d{tensor}").</summary>
    public static void CloseByTensor(string what, ParameterLayout layout, double[] expected, double[] actual, double rel, double abs)
    {
        foreach (var p in layout.Params)
            Close($"{what} d/d{p.Name}", expected.AsSpan(p.Offset, p.Length), actual.AsSpan(p.Offset, p.Length), rel, abs);
    }

    /// <summary>d f / d theta by float64 central finite differences, entry by entry with step h (theta is restored).</summary>
    public static double[] CentralDifferences(double[] theta, Func<double[], double> f, double h = 1e-5)
    {
        var fd = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double keep = theta[i];
            theta[i] = keep + h; double jp = f(theta);
            theta[i] = keep - h; double jm = f(theta);
            theta[i] = keep;
            fd[i] = (jp - jm) / (2 * h);
        }
        return fd;
    }
}
