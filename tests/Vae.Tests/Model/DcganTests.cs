// DCGAN gradient checks: the discriminator objective J_D w.r.t. θ_D and the generator's non-saturating objective J_G w.r.t.
// θ_G (through the discriminator's input gradient), float32 engine against float64 central differences of an independent
// direct-loop network (ConvReference: no im2col, no GEMM), batch norm in train mode; plus eval-mode sampling and the loss.

namespace Vae.Tests.Model;

public class DcganTests
{
    // Awkward small sizes: 8x8 images, z 3, channels 3/2 (G) and 2/3 (D), M = 4.
    static readonly DcganSpec Spec = new() { Side = 8, Dz = 3, G1 = 3, G2 = 2, D1 = 2, D2 = 3 };
    const int M = 4;
    const double Eps = 1e-5; // BatchNorm's default

    static double[] Dense(ParameterLayout l, string p, double[] th, double[] x, int m)
    {
        var w = l[p + ".W"]; var b = l[p + ".b"];
        var y = new double[m * w.Cols];
        for (int r = 0; r < m; r++)
            for (int k = 0; k < w.Cols; k++)
            {
                double a = th[b.Offset + k];
                for (int i = 0; i < w.Rows; i++) a += x[r * w.Rows + i] * th[w.Offset + i * w.Cols + k];
                y[r * w.Cols + k] = a;
            }
        return y;
    }

    static double[] Map(double[] v, Func<double, double> f) => v.Select(f).ToArray();
    static double[] Bn(ParameterLayout l, string p, double[] th, double[] x, int rows, int c) =>
        ConvReference.BatchNorm(th, l[p + ".gamma"].Offset, l[p + ".beta"].Offset, x, rows, c, Eps);
    static double Leaky(double v) => ConvReference.Act(Activation.LeakyRelu, v);

    /// <summary>Images [m, Side²] in (0, 1).</summary>
    static double[] Generator(double[] th, double[] z, int m)
    {
        var l = Spec.GeneratorLayout(); int b = Spec.Side / 4, h = Spec.Side / 2;
        var a0 = Map(Bn(l, "gen.bn0", th, Dense(l, "gen.fc", th, z, m), m * b * b, Spec.G1), v => Math.Max(v, 0));
        var h1 = ConvReference.ConvT(th, l["gen.ct1.W"].Offset, l["gen.ct1.b"].Offset, a0, m, b, b, Spec.G1, Spec.G2, 4, 2, 1, 0);
        var a1 = Map(Bn(l, "gen.bn1", th, h1, m * h * h, Spec.G2), v => Math.Max(v, 0));
        var h2 = ConvReference.ConvT(th, l["gen.ct2.W"].Offset, l["gen.ct2.b"].Offset, a1, m, h, h, Spec.G2, 1, 4, 2, 1, 0);
        return Map(h2, v => 1 / (1 + Math.Exp(-v)));
    }

    /// <summary>Logits [m].</summary>
    static double[] Discriminator(double[] th, double[] x, int m)
    {
        var l = Spec.DiscriminatorLayout(); int b = Spec.Side / 4, h = Spec.Side / 2;
        var a1 = Map(ConvReference.Conv(th, l["dis.c1.W"].Offset, l["dis.c1.b"].Offset, x, m, Spec.Side, Spec.Side, 1, Spec.D1, 4, 2, 1), Leaky);
        var h2 = ConvReference.Conv(th, l["dis.c2.W"].Offset, l["dis.c2.b"].Offset, a1, m, h, h, Spec.D1, Spec.D2, 4, 2, 1);
        var a2 = Map(Bn(l, "dis.bn2", th, h2, m * b * b, Spec.D2), Leaky);
        return Dense(l, "dis.fc", th, a2, m);
    }

    static double MeanLogSigmoid(double[] logits, int sign) => logits.Average(v => -Math.Log(1 + Math.Exp(-sign * v)));

    static GanStep Draw(ulong seed, out float[] real, out float[] z)
    {
        var rng = new Rng(seed, RngStream.Init);
        var step = new GanStep(Spec, new ManagedBlas(), M, new OptimizerOptions(), 100, new Rng(seed, RngStream.Noise));
        // Larger than DCGAN's N(0, 0.02²) so every layer's nonlinearity and the losses' curvature matter.
        rng.FillNormal(step.ThetaG.Data, 0, 0.5f); rng.FillNormal(step.ThetaD.Data, 0, 0.5f);
        real = new float[M * Spec.D]; rng.FillUniform(real);
        z = new float[M * Spec.Dz]; rng.FillNormal(z);
        return step;
    }

    [Fact]
    public void Discriminator_objective_gradient_matches_float64_central_differences()
    {
        var step = Draw(31, out var real, out var z);
        double j = step.DiscriminatorGradient(real, z, M, out _, out _);
        var fake = Tol.D(step.Generator.Output[..(M * Spec.D)].ToArray()); // G is not differentiated in J_D: its images are data here
        var th = Tol.D(step.ThetaD.Data); var x = Tol.D(real);
        AgreesWithReference("J_D", j, th, () => MeanLogSigmoid(Discriminator(th, x, M), +1) + MeanLogSigmoid(Discriminator(th, fake, M), -1),
                            step.GradD.Data, Spec.DiscriminatorLayout());
    }

    [Fact]
    public void Generator_objective_gradient_matches_float64_central_differences()
    {
        var step = Draw(32, out _, out var z);
        double j = step.GeneratorGradient(z, M);
        var th = Tol.D(step.ThetaG.Data); var thD = Tol.D(step.ThetaD.Data); var zd = Tol.D(z);
        AgreesWithReference("J_G", j, th, () => MeanLogSigmoid(Discriminator(thD, Generator(th, zd, M), M), +1),
                            step.GradG.Data, Spec.GeneratorLayout());
    }

    /// <summary>The engine's objective j equals the float64 reference J(θ), and its gradient (float32) the float64 central
    /// differences of J over θ, tensor by tensor of the layout.</summary>
    static void AgreesWithReference(string name, double j, double[] theta, Func<double> J, float[] grad, ParameterLayout layout)
    {
        Assert.True(Math.Abs(j - J()) < 1e-5 * (1 + Math.Abs(j)), $"{name} {j} vs reference {J()}");
        var fd = ConvReference.CentralDifferences(theta, J);
        var g = Tol.D(grad);
        foreach (var p in layout.Params)
            Tol.Close($"d{name}/d{p.Name}", fd.AsSpan(p.Offset, p.Length), g.AsSpan(p.Offset, p.Length), rel: 2e-3, abs: 1e-6);
    }

    [Fact]
    public void A_step_updates_both_networks_and_the_running_statistics()
    {
        var step = Draw(33, out var real, out _);
        step.StateG.Initialize(InitScheme.Normal, 0, new Rng(1)); step.StateD.Initialize(InitScheme.Normal, 0, new Rng(1));
        var (g0, d0, sg0, sd0) = (step.ThetaG.Data.ToArray(), step.ThetaD.Data.ToArray(), step.StateG.Data.ToArray(), step.StateD.Data.ToArray());
        Assert.All(step.StateG["gen.bn0.running_var"].ToArray(), v => Assert.Equal(1f, v));
        var r = step.Step(real, M);
        Assert.True(r.DiscriminatorObjective < 0 && r.GeneratorObjective < 0);
        Assert.InRange(r.RealProbability, 0, 1); Assert.InRange(r.FakeProbability, 0, 1);
        Assert.NotEqual(g0, step.ThetaG.Data); Assert.NotEqual(d0, step.ThetaD.Data);
        Assert.NotEqual(sg0, step.StateG.Data); Assert.NotEqual(sd0, step.StateD.Data);
        Assert.Equal(1, step.OptimizerG.Steps); Assert.Equal(1, step.OptimizerD.Steps);
    }

    [Fact]
    public void Eval_mode_samples_do_not_depend_on_the_rest_of_the_batch()
    {
        var step = Draw(34, out var real, out _);
        step.StateG.Initialize(InitScheme.Normal, 0, new Rng(1));
        step.Step(real, M);
        var five = Vae.Core.Runs.GanRun.Sample(Spec, step.ThetaG.Data, step.StateG.Data, new ManagedBlas(), 5, 9);
        var two = Vae.Core.Runs.GanRun.Sample(Spec, step.ThetaG.Data, step.StateG.Data, new ManagedBlas(), 2, 9);
        Tol.Close("first two samples", Tol.D(five[..(2 * Spec.D)]), Tol.D(two), rel: 1e-6);
        Assert.All(five, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Log_sigmoid_loss_and_its_derivative()
    {
        float[] l = [-30f, -1f, 0f, 2f, 40f];
        var d = new float[5];
        double j = GanLoss.LogSigmoid(l, 5, -1, d);
        double expected = l.Average(v => -Math.Log(1 + Math.Exp(v)));
        Assert.Equal(expected, j, 9);
        for (int i = 0; i < 5; i++) Assert.Equal(-1 / (1 + Math.Exp(-l[i])) / 5, d[i], 6);
        Assert.True(double.IsFinite(GanLoss.LogSigmoid(l, 5, +1, d)));
    }

    [Fact]
    public void A_training_step_allocates_nothing_in_steady_state()
    {
        var step = Draw(21, out var real, out _);
        step.Step(real, M); step.Step(real, M);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) step.Step(real, M);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
