// Conv2d, ConvTranspose2d, BatchNorm and LeakyReLU: the float32 layers (im2col + GEMM) against float64 direct loops,
// forward values and analytic gradients (inputs and parameters) vs float64 central finite differences of the reference;
// chunked GEMMs equal one big GEMM; backward accumulates.

namespace Vae.Tests.Model;

public class ConvLayerTests
{
    const double FwdTol = 2e-6, GradTol = 5e-5; // relative to the tensor's largest |value|

    public sealed record ConvCase(string Name, int M, int H, int W, int Cin, int Cout, int K, int S, int P, int Op, Activation Act)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<ConvCase> ConvCases() => new()
    {
        new ConvCase("k3 s2 p1 leaky", 3, 7, 6, 2, 3, 3, 2, 1, 0, Activation.LeakyRelu),
        new ConvCase("k2 s1 p0 tanh", 2, 5, 4, 3, 2, 2, 1, 0, 0, Activation.Tanh),
        new ConvCase("k3 s2 p0 cin1 (MNIST's first)", 2, 9, 8, 1, 4, 3, 2, 0, 0, Activation.Identity),
    };

    public static TheoryData<ConvCase> ConvTCases() => new()
    {
        new ConvCase("k3 s2 p1 op1 leaky", 2, 4, 3, 3, 2, 3, 2, 1, 1, Activation.LeakyRelu),
        new ConvCase("k3 s1 p1 tanh", 3, 3, 4, 2, 3, 3, 1, 1, 0, Activation.Tanh),
        new ConvCase("k4 s2 p1 identity (DCGAN's)", 2, 3, 3, 2, 1, 4, 2, 1, 0, Activation.Identity),
    };

    static (ParameterLayout L, double[] Th, double[] X, double[] R) Draw(IEnumerable<(string, int, int, bool)> t, int nx, int ny, ulong seed)
    {
        var layout = ParameterLayout.Of(t); var rng = new Rng(seed, RngStream.Init);
        return (layout, ConvReference.Normal(layout.Count, rng, 0.5), ConvReference.Normal(nx, rng), ConvReference.Normal(ny, rng));
    }

    /// <summary>Runs the float32 layer: y = act(layer(x)), then grad and dx from dy = r act'(y); compares with the reference.</summary>
    static void Check(string name, ParameterLayout layout, double[] th, double[] x, double[] r, Activation act,
                      Func<double[], double[], double[]> reference,
                      Action<float[], float[], float[]> forward, Action<float[], float[], float[], float[], float[]> backward)
    {
        var yRef = reference(th, x);
        var th32 = Tol.F(th); var x32 = Tol.F(x); var y32 = new float[yRef.Length];
        forward(th32, x32, y32);
        Tol.Close($"{name} forward", yRef.Select(v => ConvReference.Act(act, v)).ToArray(), Tol.D(y32), FwdTol, 1e-12);
        var dy = Tol.F(r); Kernels.ActivationBackward(act, y32, dy);
        var grad = new float[th.Length]; var dx = new float[x.Length];
        backward(th32, x32, dy, grad, dx);
        var fdTheta = ConvReference.CentralDifferences(th, () => ConvReference.Loss(reference(th, x), r, act));
        var fdX = ConvReference.CentralDifferences(x, () => ConvReference.Loss(reference(th, x), r, act));
        foreach (var p in layout.Params)
            Tol.Close($"{name} d/d{p.Name}", fdTheta.AsSpan(p.Offset, p.Length), Tol.D(grad).AsSpan(p.Offset, p.Length), GradTol, 1e-9);
        Tol.Close($"{name} d/dx", fdX, Tol.D(dx), GradTol, 1e-9);
    }

    [Theory, MemberData(nameof(ConvCases))]
    public void Conv2d_matches_direct_loops_and_finite_differences(ConvCase c)
    {
        var g = ConvGeometry.Conv(c.H, c.W, c.Cin, c.K, c.S, c.P);
        var (layout, th, x, r) = Draw(Conv2d.Tensors("c", g, c.Cout), c.M * g.ImageSize, c.M * g.Patches * c.Cout, 21);
        var conv = new Conv2d(layout, "c", g, c.Cout, c.M);
        var blas = new ManagedBlas();
        Check(c.Name, layout, th, x, r, c.Act,
              (t, xs) => ConvReference.Conv(t, conv.WOffset, conv.BOffset, xs, c.M, c.H, c.W, c.Cin, c.Cout, c.K, c.S, c.P),
              (t, xs, y) => conv.Forward(blas, t, xs, y, c.M, c.Act),
              (t, xs, dy, grad, dx) => conv.Backward(blas, t, xs, dy, grad, dx, c.M));
    }

    [Theory, MemberData(nameof(ConvTCases))]
    public void ConvTranspose2d_matches_direct_loops_and_finite_differences(ConvCase c)
    {
        var g = ConvTranspose2d.Geometry(c.H, c.W, c.Cout, c.K, c.S, c.P, c.Op);
        var (layout, th, x, r) = Draw(ConvTranspose2d.Tensors("t", g, c.Cin), c.M * c.H * c.W * c.Cin, c.M * g.ImageSize, 22);
        var convT = new ConvTranspose2d(layout, "t", g, c.Cin, c.M);
        var blas = new ManagedBlas();
        Check(c.Name, layout, th, x, r, c.Act,
              (t, xs) => ConvReference.ConvT(t, convT.WOffset, convT.BOffset, xs, c.M, c.H, c.W, c.Cin, c.Cout, c.K, c.S, c.P, c.Op),
              (t, xs, y) => convT.Forward(blas, t, xs, y, c.M, c.Act),
              (t, xs, dy, grad, dx) => convT.Backward(blas, t, xs, dy, grad, dx, c.M));
    }

    [Theory]
    [InlineData(true, Activation.LeakyRelu)]
    [InlineData(true, Activation.Identity)]
    [InlineData(false, Activation.Tanh)]
    public void BatchNorm_matches_the_formula_and_finite_differences(bool train, Activation act)
    {
        const int rows = 7, c = 3;
        var layout = ParameterLayout.Of(BatchNorm.Tensors("bn", c));
        var state = new ParameterSet(ParameterLayout.Of(BatchNorm.StateTensors("bn", c)));
        state.Initialize(InitScheme.Normal, 0, new Rng(1, RngStream.Init));
        Assert.Equal([0f, 0f, 0f, 1f, 1f, 1f], state.Data);
        var rng = new Rng(23, RngStream.Init);
        var th = ConvReference.Normal(layout.Count, rng, 0.5); for (int j = 0; j < c; j++) th[j] += 1; // gamma near 1
        var x = ConvReference.Normal(rows * c, rng); for (int i = 0; i < x.Length; i++) x[i] = 2 * x[i] + i % c; // columns differ
        var r = ConvReference.Normal(rows * c, rng);
        double[] rm = [0.3, -0.2, 1.1], rv = [0.5, 2.0, 1.3];
        if (!train) { for (int j = 0; j < c; j++) { state.Data[j] = (float)rm[j]; state.Data[c + j] = (float)rv[j]; } }
        var bn = new BatchNorm(layout, state.Layout, "bn");
        Check($"bn train={train}", layout, th, x, r, act,
              (t, xs) => ConvReference.BatchNorm(t, bn.GammaOffset, bn.BetaOffset, xs, rows, c, 1e-5, train ? null : rm, train ? null : rv),
              (t, xs, y) => bn.Forward(t, state.Data, xs, y, rows, train, act),
              (t, xs, dy, grad, dx) => bn.Backward(t, xs, dy, grad, dx, rows));
        if (!train) return;
        // PyTorch's running-statistics update: momentum 0.1, unbiased variance (Check ran one forward).
        for (int j = 0; j < c; j++)
        {
            double mu = 0, v = 0;
            for (int i = 0; i < rows; i++) mu += x[i * c + j];
            mu /= rows;
            for (int i = 0; i < rows; i++) v += (x[i * c + j] - mu) * (x[i * c + j] - mu);
            Assert.Equal(0.1 * mu, state.Data[j], 1e-6);
            Assert.Equal(0.9 + 0.1 * v / (rows - 1), state.Data[c + j], 1e-5);
        }
    }

    [Fact]
    public void Chunked_GEMMs_give_the_one_GEMM_result_and_backward_accumulates()
    {
        const int m = 5;
        var g = ConvGeometry.Conv(6, 5, 2, 3, 2, 1);
        var (layout, th, x, r) = Draw(Conv2d.Tensors("c", g, 3), m * g.ImageSize, m * g.Patches * 3, 24);
        var big = new Conv2d(layout, "c", g, 3, m);
        var small = new Conv2d(layout, "c", g, 3, m, columnBudget: 2 * g.Patches * g.PatchSize);
        Assert.Equal(m, big.ChunkImages); Assert.Equal(2, small.ChunkImages);
        var blas = new ManagedBlas();
        var th32 = Tol.F(th); var x32 = Tol.F(x); var dy = Tol.F(r);
        var y1 = new float[dy.Length]; var y2 = new float[dy.Length];
        big.Forward(blas, th32, x32, y1, m); small.Forward(blas, th32, x32, y2, m);
        Tol.Close("chunked forward", Tol.D(y1), Tol.D(y2), 1e-6);
        var g1 = new float[th.Length]; var dx1 = new float[x.Length]; var g2 = new float[th.Length]; var dx2 = new float[x.Length];
        big.Backward(blas, th32, x32, dy, g1, dx1, m);
        small.Backward(blas, th32, x32, dy, g2, dx2, m); small.Backward(blas, th32, x32, dy, g2, dx2, m);
        Tol.Close("accumulated grad", Tol.D(g1).Select(v => 2 * v).ToArray(), Tol.D(g2), 1e-5);
        Tol.Close("accumulated dx", Tol.D(dx1).Select(v => 2 * v).ToArray(), Tol.D(dx2), 1e-5);

        var gt = ConvTranspose2d.Geometry(3, 4, 2, 3, 2, 1, 1);
        var (lt, tht, xt, rt) = Draw(ConvTranspose2d.Tensors("t", gt, 3), m * 12 * 3, m * gt.ImageSize, 25);
        var tb = new ConvTranspose2d(lt, "t", gt, 3, m); var ts = new ConvTranspose2d(lt, "t", gt, 3, m, columnBudget: 1);
        Assert.Equal(1, ts.ChunkImages);
        var yt1 = new float[rt.Length]; var yt2 = new float[rt.Length];
        tb.Forward(blas, Tol.F(tht), Tol.F(xt), yt1, m); ts.Forward(blas, Tol.F(tht), Tol.F(xt), yt2, m);
        Tol.Close("chunked transposed forward", Tol.D(yt1), Tol.D(yt2), 1e-6);
    }

    [Fact]
    public void Bad_geometry_and_batch_are_clear_errors()
    {
        Assert.Contains("kernel 5", Assert.Throws<ArgumentException>(() => ConvGeometry.Conv(2, 2, 1, 5, 1, 0)).Message);
        Assert.Contains("output padding", Assert.Throws<ArgumentException>(() => ConvTranspose2d.Geometry(3, 3, 1, 3, 2, 1, 2)).Message);
        var g = ConvGeometry.Conv(4, 4, 1, 3, 1, 1);
        var layout = ParameterLayout.Of(Conv2d.Tensors("c", g, 2));
        var conv = new Conv2d(layout, "c", g, 2, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => conv.Forward(new ManagedBlas(), new float[layout.Count], new float[48], new float[96], 3));
        Assert.Contains("1..2", ex.Message);
        Assert.Throws<ArgumentException>(() => new Conv2d(layout, "c", g, 3, 2));
    }

    [Fact]
    public void Forward_and_backward_allocate_nothing_in_steady_state()
    {
        const int m = 4;
        var g = ConvGeometry.Conv(8, 8, 2, 3, 2, 1);
        var gt = ConvTranspose2d.Geometry(g.Ho, g.Wo, 2, 3, 2, 1, 1);
        var layout = ParameterLayout.Of(Conv2d.Tensors("c", g, 3).Select(e => (e.Item1, e.Item2, e.Item3, e.Item4, (float?)null))
            .Concat(BatchNorm.Tensors("bn", 3)).Concat(ConvTranspose2d.Tensors("t", gt, 3).Select(e => (e.Item1, e.Item2, e.Item3, e.Item4, (float?)null))));
        var state = new ParameterSet(ParameterLayout.Of(BatchNorm.StateTensors("bn", 3)));
        var conv = new Conv2d(layout, "c", g, 3, m); var bn = new BatchNorm(layout, state.Layout, "bn"); var convT = new ConvTranspose2d(layout, "t", gt, 3, m);
        var blas = new ManagedBlas(threads: 1);
        var theta = Tol.F(ConvReference.Normal(layout.Count, new Rng(3, RngStream.Init), 0.3)); var grad = new float[theta.Length];
        var x = new float[m * g.ImageSize]; x.AsSpan().Fill(0.5f);
        var a = new float[m * conv.OutSize]; var b = new float[a.Length]; var y = new float[m * convT.OutSize];
        var da = new float[a.Length]; var db = new float[a.Length]; var dx = new float[x.Length];
        void Step()
        {
            conv.Forward(blas, theta, x, a, m); bn.Forward(theta, state.Data, a, b, m * g.Patches, true, Activation.LeakyRelu);
            convT.Forward(blas, theta, b, y, m);
            convT.Backward(blas, theta, b, y, grad, db, m); bn.Backward(theta, a, db, grad, da, m * g.Patches);
            conv.Backward(blas, theta, x, da, grad, dx, m);
        }
        Step(); Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
