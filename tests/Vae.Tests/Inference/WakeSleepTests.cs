// Wake-sleep and the HMC target's gradient: the sleep-phase gradient and d log p(x, z)/dz of the float64 reference
// against central finite differences, the float32 engine against the reference, the wake gradient against AEVB's
// decoder gradient, and wake-sleep training against AEVB on a small problem (the paper's Fig. 2 ordering).
using Vae.Core.Data;
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Training;
using Vae.Tests.Model;
using Vae.Tests.Training;

namespace Vae.Tests.Inference;

public class WakeSleepTests
{
    public static IEnumerable<object[]> Cases()
    {
        yield return [new ModelCase("Bernoulli_tanh_1layer", ModelCase.Spec1(Likelihood.Bernoulli, Activation.Tanh, false), Estimator.B, 5, 1)];
        yield return [new ModelCase("Gaussian(sigmoid)_softplus_2layer", ModelCase.Spec1(Likelihood.Gaussian, Activation.Softplus, true), Estimator.B, 5, 2)];
        yield return [new ModelCase("Gaussian(identity)_tanh_2layer", ModelCase.Spec1(Likelihood.Gaussian, Activation.Tanh, true, sigmoidMean: false), Estimator.B, 4, 3)];
    }

    static double[] Normals(int n, ulong seed)
    {
        var rng = new Rng(seed, RngStream.Noise); var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextNormal();
        return v;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sleep_gradient_matches_finite_differences_and_the_engine_matches_the_reference(ModelCase c)
    {
        var (theta, _, _) = c.Draw(21);
        int m = c.M, dz = c.Spec.Dz, d = c.Spec.D;
        var z = Normals(m * dz, 22);
        var noise = new float[m * d];
        var rng = new Rng(23, RngStream.Noise);
        if (c.Spec.Likelihood == Likelihood.Bernoulli) rng.FillUniform(noise); else rng.FillNormal(noise);

        var ws = new WakeSleep(new Sgvb(c.Spec, new ManagedBlas(), m, 1));
        var theta32 = Tol.F(theta); var grad32 = new float[theta.Length];
        double j32 = ws.Sleep(theta32, Tol.F(z), noise, m, grad32);
        var dream = Tol.D(ws.Dream.Slice(0, m * d).ToArray());
        if (c.Spec.Likelihood == Likelihood.Bernoulli) Assert.All(dream, v => Assert.True(v is 0 or 1));

        var reference = new Reference(c.Spec);
        var grad = new double[theta.Length];
        double j = reference.LogQ(theta, dream, z, m, grad);
        const double h = 1e-5;
        var fd = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double keep = theta[i];
            theta[i] = keep + h; double jp = reference.LogQ(theta, dream, z, m, null);
            theta[i] = keep - h; double jm = reference.LogQ(theta, dream, z, m, null);
            theta[i] = keep;
            fd[i] = (jp - jm) / (2 * h);
        }
        Assert.True(Math.Abs(j32 - j) <= 1e-4 * Math.Abs(j) + 1e-5, $"sleep objective {j32} vs reference {j}");
        var g32 = Tol.D(grad32);
        foreach (var p in reference.Layout.Params)
        {
            Tol.Close($"{c.Name} FD d/d{p.Name}", fd.AsSpan(p.Offset, p.Length), grad.AsSpan(p.Offset, p.Length), rel: 1e-6, abs: 1e-9);
            Tol.Close($"{c.Name} engine d/d{p.Name}", grad.AsSpan(p.Offset, p.Length), g32.AsSpan(p.Offset, p.Length), rel: 2e-4, abs: 1e-6);
            if (p.Name.StartsWith("dec.", StringComparison.Ordinal))
                Assert.True(grad32.AsSpan(p.Offset, p.Length).IndexOfAnyExcept(0f) < 0, $"sleep touched decoder tensor {p.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Log_joint_gradient_in_z_matches_finite_differences_and_the_engine_matches_the_reference(ModelCase c)
    {
        var (theta, x, _) = c.Draw(31);
        int m = c.M, dz = c.Spec.Dz, rows = 2 * m; // two chains per datapoint, sample-major
        var z = Normals(rows * dz, 32);
        var reference = new Reference(c.Spec);
        var gz = new double[rows * dz];
        var lp = reference.LogJoint(theta, x, m, z, rows, gz);
        const double h = 1e-5;
        var fd = new double[rows * dz];
        for (int i = 0; i < z.Length; i++)
        {
            double keep = z[i];
            z[i] = keep + h; double jp = reference.LogJoint(theta, x, m, z, rows, null)[i / dz];
            z[i] = keep - h; double jm = reference.LogJoint(theta, x, m, z, rows, null)[i / dz];
            z[i] = keep;
            fd[i] = (jp - jm) / (2 * h);
        }
        Tol.Close($"{c.Name} FD dlogp/dz", fd, gz, rel: 1e-6, abs: 1e-8);

        var target = new JointDensity(c.Spec, new ManagedBlas(), rows);
        target.Condition(Tol.F(theta), Tol.F(x), m);
        var lp32 = new double[rows]; var gz32 = new float[rows * dz];
        target.Evaluate(Tol.F(z), rows, lp32, gz32);
        Tol.Close($"{c.Name} engine log p(x, z)", lp, lp32, rel: 1e-5, abs: 1e-4);
        Tol.Close($"{c.Name} engine dlogp/dz", gz, Tol.D(gz32), rel: 2e-4, abs: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Wake_gradient_is_the_decoder_part_of_the_aevb_gradient_and_leaves_the_encoder(ModelCase c)
    {
        var (theta, x, eps) = c.Draw(41);
        var th = Tol.F(theta); var x32 = Tol.F(x); var e32 = Tol.F(eps);
        var aevb = new Sgvb(c.Spec, new ManagedBlas(), c.M, c.L);
        var gA = new float[th.Length];
        double jA = aevb.Forward(th, x32, c.M, e32, c.L, Estimator.B); aevb.Backward(th, gA);
        var ws = new WakeSleep(new Sgvb(c.Spec, new ManagedBlas(), c.M, c.L));
        var gW = new float[th.Length];
        double jW = ws.Wake(th, x32, c.M, e32, c.L, gW);
        Assert.Equal(jA, jW);
        foreach (var p in ModelLayout.For(c.Spec).Params)
        {
            var w = gW.AsSpan(p.Offset, p.Length);
            if (p.Name.StartsWith("dec.", StringComparison.Ordinal)) Assert.True(w.SequenceEqual(gA.AsSpan(p.Offset, p.Length)), $"wake d/d{p.Name} differs from AEVB's");
            else Assert.True(w.IndexOfAnyExcept(0f) < 0, $"wake touched encoder tensor {p.Name}");
        }
    }

    /// <summary>
    /// Dynamically binarized data from a known nonlinear 2-D latent manifold (z ~ N(0, I), x = sigmoid(tanh(z W1) W2 + b)),
    /// D = 24: a continuous latent structure where the bound AEVB optimizes and wake-sleep's proxy objectives differ.
    /// </summary>
    internal static PreparedData Manifold(int n, ulong seed, int d = 24, int h = 8)
    {
        var rng = new Rng(seed, RngStream.Split);
        var w1 = new float[2 * h]; var w2 = new float[h * d]; var b2 = new float[d];
        rng.FillNormal(w1, 0, 1.5f); rng.FillNormal(w2, 0, 3f); rng.FillNormal(b2, 0, 1f);
        ImageSet Make(int count)
        {
            var x = new float[count * d]; var hid = new double[h];
            for (int i = 0; i < count; i++)
            {
                double z0 = rng.NextNormal(), z1 = rng.NextNormal();
                for (int k = 0; k < h; k++) hid[k] = Math.Tanh(z0 * w1[k] + z1 * w1[h + k]);
                for (int j = 0; j < d; j++)
                {
                    double a = b2[j]; for (int k = 0; k < h; k++) a += hid[k] * w2[k * d + j];
                    x[i * d + j] = (float)(1 / (1 + Math.Exp(-a)));
                }
            }
            return new ImageSet(x, count, 4, d / 4, null);
        }
        var info = new DatasetInfo("synthetic", "synthetic 2-D manifold", 4, d / 4, false, 0, [],
                                   new SplitRule(SplitKind.Given, 0, 0, seed, "synthetic"), "1 = ink",
                                   new PaperSetup(DataVariant.DynamicBinarized, 16, ValidationSplit.HoldOut, SigmoidMean: true));
        var ds = new Dataset(info, Make(n), Make(50), Make(200), ValidationSplit.HoldOut);
        return DataVariants.Prepare(ds, DataVariant.DynamicBinarized, seed);
    }

    internal static TrainOptions Small(TrainingMethod method, ulong seed = 7, int dz = 2) => new()
    {
        Dataset = "synthetic", Method = method,
        Model = new ModelSpec { D = 24, Dz = dz, EncoderHidden = [16], DecoderHidden = [16] },
        BatchSize = 20, Epochs = 1,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adagrad, LearningRate = 0.1 },
        Seed = seed,
    };

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Wake_sleep_raises_the_bound_and_ends_below_aevb_at_equal_budget(ulong seed)
    {
        // Measured when written (Adagrad 0.1, M = 20, 1000 steps = 20,000 samples): seed 1 AEVB -7.99 vs wake-sleep -10.64,
        // seed 2 -7.63 vs -9.92 nats, from -17 at initialisation.
        var data = Manifold(400, seed);
        const int steps = 1000;
        double Final(TrainingMethod method, out double initial)
        {
            var t = new Trainer(Small(method, seed), new ManagedBlas(), data);
            initial = t.TestElbo().Elbo;
            t.TrainSteps(steps);
            return t.TestElbo().Elbo;
        }
        double ws = Final(TrainingMethod.WakeSleep, out double ws0);
        double aevb = Final(TrainingMethod.Aevb, out double a0);
        Assert.Equal(a0, ws0); // same initialisation
        Assert.True(ws > ws0 + 4, $"wake-sleep test bound {ws0:F2} -> {ws:F2} should rise");
        Assert.True(aevb > ws + 1, $"AEVB ({aevb:F2}) should end above wake-sleep ({ws:F2}) at {steps} steps");
    }
}
