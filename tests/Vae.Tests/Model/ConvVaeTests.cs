// The convolutional VAE (TF CVAE shape) end to end: a float64 direct-loop reference of the whole model (ConvReference
// layers), its bound vs the float32 engine, the engine's analytic gradient vs float64 central finite differences of the
// reference (every tensor), and the engine vs PyTorch float64 (fixtures/conv/convvae_*.json, scripts/make_conv_fixture.py).

namespace Vae.Tests.Model;

public class ConvVaeTests
{
    /// <summary>Small filters so finite differences stay cheap; the shapes are the tutorial's (28 -> 13 -> 6; 7 -> 14 -> 28).</summary>
    public static ModelSpec Small(Activation act = Activation.Relu) => new()
    {
        D = 784, Dz = 3, EncoderHidden = [3, 4], DecoderHidden = [4, 2], Activation = act, Architecture = Architecture.Conv,
    };

    /// <summary>J = (1/M) sum_m Elbo_m of the reference, estimator A or B, noise eps [L, M, Dz].</summary>
    public static double ReferenceJ(ModelSpec s, ParameterLayout lay, double[] th, double[] x, int m, double[] eps, int l, Estimator est)
    {
        int O(string n) => lay[n].Offset;
        double[] Act(double[] v) => v.Select(a => ConvReference.Act(s.Activation, a)).ToArray();
        int f1 = s.EncoderHidden[0], f2 = s.EncoderHidden[1], g1 = s.DecoderHidden[0], g2 = s.DecoderHidden[1], dz = s.Dz;
        var h0 = Act(ConvReference.Conv(th, O("enc.conv0.W"), O("enc.conv0.b"), x, m, 28, 28, 1, f1, 3, 2, 0));
        var h1 = Act(ConvReference.Conv(th, O("enc.conv1.W"), O("enc.conv1.b"), h0, m, 13, 13, f1, f2, 3, 2, 0));
        var mu = Dense(th, O("enc.mu.W"), O("enc.mu.b"), h1, m, 36 * f2, dz);
        var lv = Dense(th, O("enc.logvar.W"), O("enc.logvar.b"), h1, m, 36 * f2, dz);
        int rows = l * m;
        var z = new double[rows * dz];
        for (int r = 0; r < rows; r++) for (int k = 0; k < dz; k++)
            z[r * dz + k] = mu[r % m * dz + k] + Math.Exp(lv[r % m * dz + k] / 2) * eps[r * dz + k];
        var d0 = Act(Dense(th, O("dec.0.W"), O("dec.0.b"), z, rows, dz, 1568));
        var t0 = Act(ConvReference.ConvT(th, O("dec.convt0.W"), O("dec.convt0.b"), d0, rows, 7, 7, 32, g1, 3, 2, 1, 1));
        var t1 = Act(ConvReference.ConvT(th, O("dec.convt1.W"), O("dec.convt1.b"), t0, rows, 14, 14, g1, g2, 3, 2, 1, 1));
        var logits = ConvReference.ConvT(th, O("dec.logits.W"), O("dec.logits.b"), t1, rows, 28, 28, g2, 1, 3, 1, 1, 0);
        double j = 0;
        for (int r = 0; r < rows; r++)
        {
            int dp = r % m; double lp = 0;
            for (int i = 0; i < 784; i++) { double a = logits[r * 784 + i]; lp += x[dp * 784 + i] * a - (Math.Max(a, 0) + Math.Log(1 + Math.Exp(-Math.Abs(a)))); }
            if (est == Estimator.A)
                for (int k = 0; k < dz; k++)
                {
                    double zk = z[r * dz + k], e = eps[r * dz + k];
                    lp += -0.5 * zk * zk + 0.5 * (lv[dp * dz + k] + e * e); // log N(z; 0, I) - log q(z|x); the log 2pi terms cancel
                }
            j += lp / l;
        }
        if (est == Estimator.B)
            for (int i = 0; i < m * dz; i++) j += 0.5 * (1 + lv[i] - mu[i] * mu[i] - Math.Exp(lv[i]));
        return j / m;
    }

    static double[] Dense(double[] th, int wo, int bo, double[] x, int rows, int nin, int nout)
    {
        var y = new double[rows * nout];
        for (int r = 0; r < rows; r++) for (int o = 0; o < nout; o++)
        {
            double a = th[bo + o];
            for (int i = 0; i < nin; i++) a += x[r * nin + i] * th[wo + i * nout + o];
            y[r * nout + o] = a;
        }
        return y;
    }

    [Theory]
    [InlineData(Estimator.B, 1, Activation.Relu)]
    [InlineData(Estimator.A, 2, Activation.LeakyRelu)]
    public void Engine_gradient_matches_float64_central_differences_of_the_reference(Estimator est, int l, Activation act)
    {
        var spec = Small(act); const int m = 2;
        var layout = ModelLayout.For(spec);
        var rng = new Rng(31, RngStream.Init);
        var set = new ParameterSet(layout); set.Initialize(InitScheme.XavierUniform, 0, rng);
        var th = Tol.D(set.Data); for (int i = 0; i < th.Length; i++) th[i] += 0.05 * rng.NextNormal(); // biases non-zero too
        var x = Enumerable.Range(0, m * 784).Select(_ => rng.NextDouble() < 0.3 ? 1.0 : 0.0).ToArray();
        var eps = ConvReference.Normal(l * m * spec.Dz, rng);

        var sgvb = new Sgvb(spec, new ManagedBlas(), m, l);
        var th32 = Tol.F(th); var grad = new float[th.Length];
        double j = sgvb.Forward(th32, Tol.F(x), m, Tol.F(eps), l, est);
        sgvb.Backward(th32, grad);
        double jRef = ReferenceJ(spec, layout, th, x, m, eps, l, est);
        Assert.True(Math.Abs(j - jRef) <= 1e-5 * Math.Abs(jRef), $"J {j} vs float64 reference {jRef}");

        // Central differences on up to 24 entries of every tensor (all of the small ones), h = 1e-6 in float64.
        foreach (var p in layout.Params)
        {
            var idx = Enumerable.Range(0, p.Length).Where(i => p.Length <= 24 || i % (p.Length / 24) == 0).Take(24).ToArray();
            var fd = new double[idx.Length]; var an = new double[idx.Length];
            for (int q = 0; q < idx.Length; q++)
            {
                int i = p.Offset + idx[q]; double keep = th[i];
                th[i] = keep + 1e-6; double jp = ReferenceJ(spec, layout, th, x, m, eps, l, est);
                th[i] = keep - 1e-6; double jm = ReferenceJ(spec, layout, th, x, m, eps, l, est);
                th[i] = keep; fd[q] = (jp - jm) / 2e-6; an[q] = grad[i];
            }
            Tol.Close($"{est} L={l} d/d{p.Name}", fd, an, 1e-3, 2e-4);
        }
    }

    [Theory]
    [InlineData("convvae_B_L1")]
    [InlineData("convvae_A_L2")]
    public void Engine_matches_pytorch_float64_bound_per_datapoint_elbo_and_every_gradient(string name)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "conv", name + ".json")));
        var root = doc.RootElement; var sp = root.GetProperty("spec");
        double[] Arr(System.Text.Json.JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int[] Ints(string k) => sp.GetProperty(k).EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var spec = new ModelSpec { D = 784, Dz = sp.GetProperty("Dz").GetInt32(), EncoderHidden = Ints("EncoderHidden"),
                                   DecoderHidden = Ints("DecoderHidden"), Activation = Activation.Relu, Architecture = Architecture.Conv };
        int m = sp.GetProperty("M").GetInt32(), l = sp.GetProperty("L").GetInt32();
        var est = Enum.Parse<Estimator>(sp.GetProperty("Estimator").GetString()!);
        var layout = ModelLayout.For(spec);
        var ps = root.GetProperty("params").EnumerateArray().ToArray();
        Assert.Equal(ps.Select(p => p.GetProperty("name").GetString()), layout.Params.Select(p => p.Name));
        var theta = Tol.F(ps.SelectMany(p => Arr(p.GetProperty("values"))).ToArray());
        var sgvb = new Sgvb(spec, new ManagedBlas(), m, l);
        var grad = new float[theta.Length];
        double j = sgvb.Forward(theta, Tol.F(Arr(root.GetProperty("x"))), m, Tol.F(Arr(root.GetProperty("eps"))), l, est);
        sgvb.Backward(theta, grad);
        double jt = root.GetProperty("J").GetDouble();
        Assert.True(Math.Abs(j - jt) <= 1e-5 * Math.Abs(jt), $"{name}: J {j} vs torch {jt}");
        Tol.Close("elbo", Arr(root.GetProperty("elbo")), sgvb.Elbo.ToArray(), 1e-5);
        Tol.Close("logits", Arr(root.GetProperty("logits")), Tol.D(sgvb.Model.Head[..(l * m * 784)].ToArray()), 1e-5, 1e-6);
        var gs = root.GetProperty("grads").EnumerateArray().ToArray();
        for (int i = 0; i < gs.Length; i++)
        {
            var p = layout.Params[i];
            Tol.Close($"{name} d/d{p.Name}", Arr(gs[i].GetProperty("values")), Tol.D(grad).AsSpan(p.Offset, p.Length).ToArray(), 1e-4, 1e-6);
        }
    }

    [Fact]
    public void Conv_training_steps_allocate_nothing_in_steady_state()
    {
        var spec = Small();
        const int m = 6;
        var x = new float[m * 784]; new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        var u = new Vae.Core.Training.TrainingStep(spec, new ManagedBlas(), Estimator.A, m, 2, new Vae.Core.Training.OptimizerOptions(), 1000, new Rng(3, RngStream.Noise));
        u.Parameters.Initialize(InitScheme.XavierUniform, 0, new Rng(1));
        for (int i = 0; i < 3; i++) { u.Step(x); u.Step(x.AsSpan(0, 3 * 784)); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) { u.Step(x); u.Step(x.AsSpan(0, 3 * 784)); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
