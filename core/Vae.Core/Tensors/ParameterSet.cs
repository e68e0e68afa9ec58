// All model parameters in ONE flat float[] with named views from ONE layout table (so optimizers, checkpoints
// and gradient buffers share the layout). Owns: the layout for a ModelSpec and initialisation.
// Must not: do any model maths.

namespace Vae.Core.Tensors;

/// <summary>One named parameter tensor inside the flat buffer: [Rows, Cols] row-major (biases have Rows = 1). Fill, when
/// set, is the tensor's fixed initial value whatever the scheme (batch norm: scale 1, shift 0, running variance 1).</summary>
public sealed record ParamInfo(string Name, int Rows, int Cols, int Offset, bool IsBias, float? Fill = null)
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

    /// <summary>A layout of consecutive tensors in the given order: (name, rows, cols, isBias); biases have rows = 1.</summary>
    public static ParameterLayout Of(IEnumerable<(string Name, int Rows, int Cols, bool IsBias)> tensors) =>
        Of(tensors.Select(t => (t.Name, t.Rows, t.Cols, t.IsBias, (float?)null)));

    /// <summary>The same with a fixed initial value per tensor (null: drawn by the init scheme).</summary>
    public static ParameterLayout Of(IEnumerable<(string Name, int Rows, int Cols, bool IsBias, float? Fill)> tensors)
    {
        var list = new List<ParamInfo>(); int off = 0;
        foreach (var (name, rows, cols, isBias, fill) in tensors)
        {
            if (rows <= 0 || cols <= 0) throw new ArgumentException($"tensor {name}: shape [{rows}, {cols}] must be positive");
            list.Add(new ParamInfo(name, rows, cols, off, isBias, fill)); off += rows * cols;
        }
        return new ParameterLayout(list);
    }
}

/// <summary>Parameter initialisation. Normal: §5 "random sampling from N(0, 0.01)", read as standard deviation 0.01.
/// XavierUniform: Glorot U(+-sqrt(6/(in+out))), zero biases. TorchUniform: PyTorch's nn.Linear default,
/// U(+-1/sqrt(in)) for weights and biases (what "a plain PyTorch implementation" starts from).</summary>
public enum InitScheme { Normal, XavierUniform, TorchUniform }

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
            if (p.Fill is float fill) v.Fill(fill);
            else if (scheme == InitScheme.Normal) rng.FillNormal(v, 0f, std);
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
