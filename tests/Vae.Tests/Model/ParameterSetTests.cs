// The flat parameter layout (contract order, shapes) and the initialisation schemes' ranges.

namespace Vae.Tests.Model;

public class ParameterSetTests
{
    static readonly ModelSpec Spec = new() { D = 13, Dz = 3, EncoderHidden = [7, 6], DecoderHidden = [5] };

    [Fact]
    public void Layout_follows_the_contract_order_without_gaps()
    {
        var l = ModelLayout.For(Spec);
        Assert.Equal(["enc.0.W", "enc.0.b", "enc.1.W", "enc.1.b", "enc.mu.W", "enc.mu.b", "enc.logvar.W", "enc.logvar.b",
                      "dec.0.W", "dec.0.b", "dec.logits.W", "dec.logits.b"], l.Params.Select(p => p.Name));
        int off = 0;
        foreach (var p in l.Params) { Assert.Equal(off, p.Offset); off += p.Length; }
        Assert.Equal(off, l.Count);
        Assert.Equal((13, 7), (l["enc.0.W"].Rows, l["enc.0.W"].Cols));
        Assert.Equal((5, 13), (l["dec.logits.W"].Rows, l["dec.logits.W"].Cols));
    }

    [Fact]
    public void Torch_uniform_init_bounds_weights_and_biases_by_one_over_root_fan_in()
    {
        var ps = new ParameterSet(ModelLayout.For(Spec));
        ps.Initialize(InitScheme.TorchUniform, 0.01f, new Rng(1));
        foreach (var p in ps.Layout.Params)
        {
            int fanIn = p.IsBias ? ps.Layout[p.Name[..^2] + ".W"].Rows : p.Rows;
            float a = 1f / MathF.Sqrt(fanIn);
            var v = ps[p.Name];
            Assert.All(v.ToArray(), x => Assert.InRange(x, -a, a));
            Assert.True(v.ToArray().Max() > 0.5f * a, $"{p.Name}: values should fill the range +-{a}");
        }
    }

    [Fact]
    public void Xavier_init_zeroes_biases_and_normal_init_has_the_requested_std()
    {
        var ps = new ParameterSet(ModelLayout.For(new ModelSpec()));
        ps.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(1));
        Assert.All(ps["enc.0.b"].ToArray(), x => Assert.Equal(0f, x));
        float a = MathF.Sqrt(6f / (784 + 500));
        Assert.All(ps["enc.0.W"].ToArray(), x => Assert.InRange(x, -a, a));
        ps.Initialize(InitScheme.Normal, 0.01f, new Rng(2));
        var w = ps["enc.0.W"].ToArray();
        double sd = Math.Sqrt(w.Select(x => (double)x * x).Average());
        Assert.InRange(sd, 0.0099, 0.0101);
    }
}
