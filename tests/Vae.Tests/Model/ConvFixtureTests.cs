// Test ladder rung 4 for the conv layers: Conv2d -> BatchNorm(train) -> LeakyReLU -> ConvTranspose2d -> tanh against
// PyTorch float64 autograd (fixtures/conv/convnet.json, made once by scripts/make_conv_fixture.py, seed 1501).
using System.Text.Json;

namespace Vae.Tests.Model;

public class ConvFixtureTests
{
    static Dictionary<string, double[]> Load(out double j)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "conv", "convnet.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        j = doc.RootElement.GetProperty("J").GetDouble();
        return doc.RootElement.GetProperty("tensors").EnumerateObject()
                  .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    [Fact]
    public void Small_conv_net_matches_pytorch_forward_gradients_and_running_statistics()
    {
        var t = Load(out double jTorch);
        const int m = 3, h = 7, w = 6, cin = 2, c1 = 4, cout = 2, k = 3;
        var g1 = ConvGeometry.Conv(h, w, cin, k, 2, 1);
        var g2 = ConvTranspose2d.Geometry(g1.Ho, g1.Wo, cout, k, 2, 1, 1);
        var layout = ParameterLayout.Of(Conv2d.Tensors("c", g1, c1).Select(e => (e.Item1, e.Item2, e.Item3, e.Item4, (float?)null))
            .Concat(BatchNorm.Tensors("bn", c1))
            .Concat(ConvTranspose2d.Tensors("t", g2, c1).Select(e => (e.Item1, e.Item2, e.Item3, e.Item4, (float?)null))));
        var state = new ParameterSet(ParameterLayout.Of(BatchNorm.StateTensors("bn", c1)));
        state.Initialize(InitScheme.Normal, 0, new Rng(1, RngStream.Init));
        var theta = new float[layout.Count];
        foreach (var p in layout.Params) Tol.F(t[p.Name]).CopyTo(theta, p.Offset);

        var blas = new ManagedBlas();
        var conv = new Conv2d(layout, "c", g1, c1, m); var bn = new BatchNorm(layout, state.Layout, "bn");
        var convT = new ConvTranspose2d(layout, "t", g2, c1, m);
        var x = Tol.F(t["x"]);
        var a1 = new float[m * conv.OutSize]; var a2 = new float[a1.Length]; var y = new float[m * convT.OutSize];
        conv.Forward(blas, theta, x, a1, m);
        bn.Forward(theta, state.Data, a1, a2, m * g1.Patches, train: true, Activation.LeakyRelu);
        convT.Forward(blas, theta, a2, y, m, Activation.Tanh);
        Tol.Close("y", t["y"], Tol.D(y), 1e-5, 1e-7);
        double j = 0; for (int i = 0; i < y.Length; i++) j += t["r"][i] * y[i];
        Assert.True(Math.Abs(j - jTorch) <= 1e-5 * (1 + Math.Abs(jTorch)), $"J {j} vs torch {jTorch}");
        Tol.Close("running_mean", t["bn.running_mean"], Tol.D(state["bn.running_mean"].ToArray()), 1e-6, 1e-7);
        Tol.Close("running_var", t["bn.running_var"], Tol.D(state["bn.running_var"].ToArray()), 1e-6, 1e-7);

        var grad = new float[theta.Length]; var d2 = new float[a2.Length]; var d1 = new float[a1.Length]; var dx = new float[x.Length];
        var dy = Tol.F(t["r"]); Kernels.ActivationBackward(Activation.Tanh, y, dy);
        convT.Backward(blas, theta, a2, dy, grad, d2, m);
        Kernels.ActivationBackward(Activation.LeakyRelu, a2, d2);
        bn.Backward(theta, a1, d2, grad, d1, m * g1.Patches);
        conv.Backward(blas, theta, x, d1, grad, dx, m);
        foreach (var p in layout.Params)
            Tol.Close($"d/d{p.Name}", t["grad." + p.Name], Tol.D(grad).AsSpan(p.Offset, p.Length).ToArray(), 2e-5, 1e-6); // c.b: exactly 0 through the batch norm
        Tol.Close("d/dx", t["grad.x"], Tol.D(dx), 2e-5, 1e-7);
    }
}
