// The sample-quality classifier: its analytic gradient (float32 engine) against float64 central finite differences of an
// independent float64 loop implementation, the forward against that implementation, and learning on a separable toy task.
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;

namespace Vae.Tests.Model;

public class ClassifierTests
{
    // Awkward sizes so a transposed weight cannot go unnoticed: D = 13, hidden 7 and 5, C = 4, M = 6.
    static readonly ClassifierSpec Spec = new() { D = 13, Hidden = [7, 5], Classes = 4 };
    const int M = 6;

    /// <summary>J = mean log softmax(logits)[y] by plain float64 loops over the layout (W stored [in, out]).</summary>
    static double ReferenceJ(ClassifierSpec spec, double[] theta, double[] x, int[] y, int m, double[]? features = null)
    {
        var layout = spec.Layout();
        double j = 0;
        for (int r = 0; r < m; r++)
        {
            double[] h = x.AsSpan(r * spec.D, spec.D).ToArray();
            for (int l = 0; l <= spec.Hidden.Count; l++)
            {
                string name = l < spec.Hidden.Count ? $"cls.{l}" : "cls.out";
                var w = layout[name + ".W"]; var b = layout[name + ".b"];
                var o = new double[w.Cols];
                for (int k = 0; k < w.Cols; k++)
                {
                    double a = theta[b.Offset + k];
                    for (int i = 0; i < w.Rows; i++) a += h[i] * theta[w.Offset + i * w.Cols + k];
                    o[k] = l < spec.Hidden.Count ? Math.Max(a, 0) : a;
                }
                if (l == spec.Hidden.Count - 1 && features is not null) o.CopyTo(features, r * o.Length);
                h = o;
            }
            double max = h.Max(), lse = max + Math.Log(h.Sum(v => Math.Exp(v - max)));
            j += h[y[r]] - lse;
        }
        return j / m;
    }

    static (double[] Theta, double[] X, int[] Y) Draw(ulong seed)
    {
        var rng = new Rng(seed, RngStream.Init);
        var theta = new double[Spec.Layout().Count];
        for (int i = 0; i < theta.Length; i++) theta[i] = 0.5 * rng.NextNormal();
        var x = new double[M * Spec.D];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble();
        var y = new int[M];
        for (int i = 0; i < M; i++) y[i] = rng.NextInt(Spec.Classes);
        return (theta, x, y);
    }

    [Fact]
    public void Gradient_matches_float64_central_finite_differences()
    {
        var (theta, x, y) = Draw(21);
        var net = new Classifier(Spec, new ManagedBlas(), M);
        var th = Tol.F(theta); var xf = Tol.F(x);
        net.Forward(th, xf, M);
        double j = net.LogLikelihood(y, M);
        var grad = new float[th.Length];
        net.Backward(th, xf, grad, M);
        // The finite differences are taken at the float32-rounded point, so both sides see the same function.
        var at = Tol.D(th); var xd = Tol.D(xf);
        Assert.True(Math.Abs(j - ReferenceJ(Spec, at, xd, y, M)) < 1e-5, $"J {j} vs reference {ReferenceJ(Spec, at, xd, y, M)}");
        const double h = 1e-6;
        var fd = new double[at.Length];
        for (int i = 0; i < at.Length; i++)
        {
            double keep = at[i];
            at[i] = keep + h; double jp = ReferenceJ(Spec, at, xd, y, M);
            at[i] = keep - h; double jm = ReferenceJ(Spec, at, xd, y, M);
            at[i] = keep;
            fd[i] = (jp - jm) / (2 * h);
        }
        foreach (var p in Spec.Layout().Params)
            Tol.Close($"classifier d/d{p.Name}", fd.AsSpan(p.Offset, p.Length), Tol.D(grad).AsSpan(p.Offset, p.Length), rel: 2e-4, abs: 1e-6);
    }

    [Fact]
    public void Features_are_the_last_hidden_layer_and_softmax_rows_sum_to_one()
    {
        var (theta, x, y) = Draw(22);
        var net = new Classifier(Spec, new ManagedBlas(), M);
        var th = Tol.F(theta); var xf = Tol.F(x);
        net.Forward(th, xf, M);
        var features = new double[M * Spec.Features];
        ReferenceJ(Spec, Tol.D(th), Tol.D(xf), y, M, features);
        Tol.Close("features", features, Tol.D(net.Features[..(M * Spec.Features)].ToArray()), rel: 1e-5, abs: 1e-6);
        net.Softmax(M);
        for (int r = 0; r < M; r++)
        {
            double s = 0; for (int k = 0; k < Spec.Classes; k++) s += net.Logits[r * Spec.Classes + k];
            Assert.Equal(1.0, s, 5);
        }
    }

    [Fact]
    public void Backward_accumulates_and_bad_labels_are_refused()
    {
        var (theta, x, y) = Draw(23);
        var net = new Classifier(Spec, new ManagedBlas(), M);
        var th = Tol.F(theta); var xf = Tol.F(x);
        net.Forward(th, xf, M); net.LogLikelihood(y, M);
        var once = new float[th.Length]; var twice = new float[th.Length];
        net.Backward(th, xf, once, M);
        net.Backward(th, xf, twice, M); net.Backward(th, xf, twice, M);
        for (int i = 0; i < th.Length; i++) Assert.Equal(2 * once[i], twice[i], 1e-5f * (1 + Math.Abs(once[i])));
        y[2] = Spec.Classes;
        var ex = Assert.Throws<ArgumentException>(() => net.LogLikelihood(y, M));
        Assert.Contains($"label {Spec.Classes} at row 2", ex.Message);
    }

    [Fact]
    public void Adam_on_the_gradient_learns_a_separable_task()
    {
        // Class = index of the largest of the first 4 inputs: learnable, so the log-likelihood must rise towards 0.
        var rng = new Rng(24, RngStream.Init);
        const int n = 60;
        var x = new float[n * Spec.D]; var y = new int[n];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < Spec.D; i++) x[r * Spec.D + i] = rng.NextSingle();
            int best = 0; for (int k = 1; k < 4; k++) if (x[r * Spec.D + k] > x[r * Spec.D + best]) best = k;
            y[r] = best;
        }
        var net = new Classifier(Spec, new ManagedBlas(), n);
        var theta = new ParameterSet(net.Layout);
        theta.Initialize(InitScheme.TorchUniform, 0, new Rng(25, RngStream.Init));
        var grad = theta.Like();
        var opt = new Optimizer(new OptimizerOptions { LearningRate = 1e-2 }, theta.Data.Length, n);
        double first = double.NaN, last = 0;
        for (int step = 0; step < 300; step++)
        {
            net.Forward(theta.Data, x, n);
            last = net.LogLikelihood(y, n);
            if (step == 0) first = last;
            Array.Clear(grad.Data);
            net.Backward(theta.Data, x, grad.Data, n);
            opt.Step(theta.Data, grad.Data);
        }
        Assert.True(first < -1.0 && last > -0.3, $"log-likelihood {first:F3} -> {last:F3}; expected to rise from below -1 to above -0.3");
    }
}
