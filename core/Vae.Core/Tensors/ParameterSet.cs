// All model parameters in ONE flat float[] with named views from ONE layout table (so optimizers, checkpoints
// and gradient buffers share the layout). Owns: the layout for a ModelSpec and initialisation.
// Must not: do any model maths.
using Vae.Core.Model;
using Vae.Core.Numerics;

namespace Vae.Core.Tensors;

/// <summary>One named parameter tensor inside the flat buffer: [Rows, Cols] row-major (biases have Rows = 1).</summary>
public sealed record ParamInfo(string Name, int Rows, int Cols, int Offset, bool IsBias)
{
    public int Length => Rows * Cols;
}

/// <summary>The layout table: names, shapes and offsets, in the fixed order of the engine contract.</summary>
public sealed class ParameterLayout
{
    readonly Dictionary<string, ParamInfo> _byName = new();

    public IReadOnlyList<ParamInfo> Params { get; }
    /// <summary>Total number of parameters.</summary>
    public int Count { get; }

    ParameterLayout(IReadOnlyList<ParamInfo> ps)
    {
        Params = ps;
        foreach (var p in ps) _byName.Add(p.Name, p);
        Count = ps.Count == 0 ? 0 : ps[^1].Offset + ps[^1].Length;
    }

    public ParamInfo this[string name] => _byName.TryGetValue(name, out var p)
        ? p : throw new KeyNotFoundException($"no parameter named '{name}' (have: {string.Join(", ", _byName.Keys)})");

    /// <summary>The layout of a VAE (W stored [in, out], so a dense layer is Y = X W + b).</summary>
    public static ParameterLayout For(ModelSpec spec)
    {
        spec.Validate();
        var list = new List<ParamInfo>(); int off = 0;
        void Dense(string prefix, int fanIn, int fanOut)
        {
            list.Add(new ParamInfo(prefix + ".W", fanIn, fanOut, off, false)); off += fanIn * fanOut;
            list.Add(new ParamInfo(prefix + ".b", 1, fanOut, off, true)); off += fanOut;
        }
        int prev = spec.D;
        for (int i = 0; i < spec.EncoderHidden.Count; i++) { Dense($"enc.{i}", prev, spec.EncoderHidden[i]); prev = spec.EncoderHidden[i]; }
        Dense("enc.mu", prev, spec.Dz);
        Dense("enc.logvar", prev, spec.Dz);
        prev = spec.Dz;
        for (int i = 0; i < spec.DecoderHidden.Count; i++) { Dense($"dec.{i}", prev, spec.DecoderHidden[i]); prev = spec.DecoderHidden[i]; }
        if (spec.Likelihood == Likelihood.Bernoulli) Dense("dec.logits", prev, spec.D);
        else { Dense("dec.mean", prev, spec.D); Dense("dec.logvar", prev, spec.D); }
        return new ParameterLayout(list);
    }
}

/// <summary>A flat parameter (or gradient, or optimizer-moment) buffer with named views.</summary>
public sealed class ParameterSet
{
    public ParameterSet(ParameterLayout layout) { Layout = layout; Data = new float[layout.Count]; }

    public ParameterLayout Layout { get; }
    /// <summary>All values, in layout order.</summary>
    public float[] Data { get; }

    /// <summary>The view of one named tensor.</summary>
    public Span<float> this[string name] { get { var p = Layout[name]; return Data.AsSpan(p.Offset, p.Length); } }

    /// <summary>A zeroed buffer with the same layout (gradients, Adam moments).</summary>
    public ParameterSet Like() => new(Layout);

    /// <summary>
    /// Fills the parameters. Normal: every weight and bias ~ N(0, std^2) (paper §5, std = 0.01).
    /// XavierUniform: weights ~ U(-a, a), a = sqrt(6 / (fanIn + fanOut)); biases 0.
    /// TorchUniform: weights and biases ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)) (PyTorch's nn.Linear default).
    /// </summary>
    public void Initialize(InitScheme scheme, float std, Rng rng)
    {
        foreach (var p in Layout.Params)
        {
            var v = Data.AsSpan(p.Offset, p.Length);
            if (scheme == InitScheme.Normal) rng.FillNormal(v, 0f, std);
            else if (scheme == InitScheme.TorchUniform)
            {
                // Biases use the fan-in of their layer's weight, which precedes them in the layout ([in, out]: Rows).
                int fanIn = p.IsBias ? Layout.Params.First(q => q.Offset + q.Length == p.Offset).Rows : p.Rows;
                float a = 1f / MathF.Sqrt(fanIn); rng.FillUniform(v, -a, a);
            }
            else if (p.IsBias) v.Clear();
            else { float a = MathF.Sqrt(6f / (p.Rows + p.Cols)); rng.FillUniform(v, -a, a); }
        }
    }
}
