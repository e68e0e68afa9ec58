// Loader for the PyTorch float64 reference fixtures in tests/Vae.Tests/fixtures/*.json (see the README there).
// Owns only parsing and shape validation of those files; it must not implement the VAE model (the engine and
// the engine-vs-fixture tests own that). Every malformed file gives an exception naming the file and the field.
using System.Text.Json;

namespace Vae.Tests.Fixtures;

/// <summary>The model/batch specification a fixture was generated with (field names as in the engine contract).</summary>
/// <param name="Likelihood">"Bernoulli" or "Gaussian".</param>
/// <param name="Activation">"tanh", "relu" or "softplus" (every hidden layer).</param>
/// <param name="SigmoidMean">Gaussian only: decoder mean = sigmoid(a) when true, else a.</param>
/// <param name="Estimator">"A" (mean over l of log-weights) or "B" (-Kl + LogPxz).</param>
public sealed record FixtureSpec(int D, int Dz, int[] EncoderHidden, int[] DecoderHidden, string Likelihood,
    string Activation, bool SigmoidMean, string Estimator, int M, int L);

/// <summary>Where the golden numbers came from.</summary>
public sealed record FixtureProvenance(string Script, int Seed, string Torch, string DType);

/// <summary>A 10-step Adam trajectory (PyTorch semantics minimising -J, i.e. ascending J) on fixed x and eps.</summary>
/// <param name="JBeforeStep">J evaluated before each step, [Steps].</param>
/// <param name="ParamsAfter">Every parameter after the last step, in the contract's order.</param>
public sealed record AdamTrajectory(double Lr, double Beta1, double Beta2, double Eps, int Steps,
    double[] JBeforeStep, IReadOnlyList<(string name, int[] shape, double[] data)> ParamsAfter);

/// <summary>One fixture case: inputs, intermediates, per-datapoint terms, parameters, dJ/dtheta, optional Adam run.</summary>
public sealed class TorchFixture
{
    readonly Dictionary<string, (int[] shape, double[] data)> _tensors;

    /// <summary>Case name, e.g. "bern_B_L1" (the file name without .json).</summary>
    public string CaseName { get; }
    /// <summary>Full path of the file this fixture was read from (for messages).</summary>
    public string Source { get; }
    public FixtureSpec Spec { get; }
    public FixtureProvenance Provenance { get; }
    /// <summary>Objective J = mean over m of Elbo[m].</summary>
    public double J { get; }
    /// <summary>Parameters in the contract's flat-buffer order; W as [in, out] row-major, b as [n].</summary>
    public IReadOnlyList<(string name, int[] shape, double[] data)> Params { get; }
    /// <summary>dJ/dtheta (ascent direction), same names, order and shapes as <see cref="Params"/>.</summary>
    public IReadOnlyList<(string name, int[] shape, double[] data)> Grads { get; }
    /// <summary>Present for bern_B_L1 and gauss_B_L2_sigmoid; null otherwise.</summary>
    public AdamTrajectory? Adam { get; }
    /// <summary>Names of the stored tensors, in file order (x, eps, enc.i.out, dec.i.out, mu, logvar, z, head..., terms.*, logw).</summary>
    public IReadOnlyList<string> TensorNames { get; }

    TorchFixture(string caseName, string source, FixtureSpec spec, FixtureProvenance prov, double j,
        Dictionary<string, (int[], double[])> tensors, List<string> tensorNames,
        IReadOnlyList<(string, int[], double[])> ps, IReadOnlyList<(string, int[], double[])> gs, AdamTrajectory? adam)
    {
        CaseName = caseName; Source = source; Spec = spec; Provenance = prov; J = j;
        _tensors = tensors; TensorNames = tensorNames; Params = ps; Grads = gs; Adam = adam;
    }

    /// <summary>Folder the test project copies the fixtures to (next to the test assembly).</summary>
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "fixtures");

    /// <summary>Every case name available in <see cref="FixtureDirectory"/>, sorted.</summary>
    public static IReadOnlyList<string> CaseNames() =>
        Directory.Exists(FixtureDirectory)
            ? Directory.GetFiles(FixtureDirectory, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)!)
                .OrderBy(n => n, StringComparer.Ordinal).ToArray()
            : Array.Empty<string>();

    /// <summary>Reads fixtures/&lt;caseName&gt;.json from the test output folder.</summary>
    public static TorchFixture Load(string caseName)
    {
        string path = Path.Combine(FixtureDirectory, caseName + ".json");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"fixture '{caseName}' not found: expected {path}; available: [{string.Join(", ", CaseNames())}]", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses fixture JSON; <paramref name="source"/> names the file in error messages.</summary>
    public static TorchFixture Parse(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var r = new Reader(source);
        string caseName = r.Str(root, "case");
        var s = r.Obj(root, "spec");
        var spec = new FixtureSpec(r.Int(s, "D"), r.Int(s, "Dz"), r.Ints(s, "EncoderHidden"), r.Ints(s, "DecoderHidden"),
            r.Str(s, "Likelihood"), r.Str(s, "Activation"), r.Bool(s, "SigmoidMean"), r.Str(s, "Estimator"),
            r.Int(s, "M"), r.Int(s, "L"));
        var p = r.Obj(root, "provenance");
        var prov = new FixtureProvenance(r.Str(p, "script"), r.Int(p, "seed"), r.Str(p, "torch"), r.Str(p, "dtype"));
        var tensors = new Dictionary<string, (int[], double[])>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (var (name, shape, data) in r.Arrays(r.Obj(root, "tensors"), "tensors"))
        {
            tensors[name] = (shape, data); names.Add(name);
        }
        var ps = r.Arrays(r.Obj(root, "params"), "params");
        var gs = r.Arrays(r.Obj(root, "grads"), "grads");
        AdamTrajectory? adam = null;
        var a = r.Member(root, "adam");
        if (a.ValueKind != JsonValueKind.Null)
        {
            adam = new AdamTrajectory(r.Num(a, "lr"), r.Num(a, "beta1"), r.Num(a, "beta2"), r.Num(a, "eps"),
                r.Int(a, "steps"), r.Nums(a, "J_before_step"), r.Arrays(r.Obj(a, "params_after"), "adam.params_after"));
            if (adam.JBeforeStep.Length != adam.Steps)
                throw new InvalidDataException(
                    $"{source}: adam.J_before_step has {adam.JBeforeStep.Length} values, expected steps = {adam.Steps}");
        }
        return new TorchFixture(caseName, source, spec, prov, r.Num(root, "J"), tensors, names, ps, gs, adam);
    }

    /// <summary>Flat row-major data of a stored tensor (e.g. "x" [M, D], "eps" [L, M, Dz], "z" [L*M, Dz]).</summary>
    public double[] Tensor(string name) => Get(name).data;

    /// <summary>Shape of a stored tensor.</summary>
    public int[] Shape(string name) => Get(name).shape;

    /// <summary>True when the fixture stores a tensor of that name (e.g. "head" only for Bernoulli).</summary>
    public bool HasTensor(string name) => _tensors.ContainsKey(name);

    /// <summary>Data of one parameter by contract name (e.g. "enc.0.W").</summary>
    public double[] Param(string name) => Find(Params, name, "params");

    /// <summary>dJ/d(parameter) by contract name.</summary>
    public double[] Grad(string name) => Find(Grads, name, "grads");

    /// <summary>Concatenation in list order: the engine's single flat parameter (or gradient) buffer layout.</summary>
    public static double[] Flatten(IReadOnlyList<(string name, int[] shape, double[] data)> arrays) =>
        arrays.SelectMany(t => t.data).ToArray();

    (int[] shape, double[] data) Get(string name) =>
        _tensors.TryGetValue(name, out var t) ? t
            : throw new KeyNotFoundException(
                $"{Source}: no tensor '{name}'; stored tensors: [{string.Join(", ", TensorNames)}]");

    double[] Find(IReadOnlyList<(string name, int[] shape, double[] data)> list, string name, string what)
    {
        foreach (var t in list) if (t.name == name) return t.data;
        throw new KeyNotFoundException(
            $"{Source}: no {what} entry '{name}'; stored: [{string.Join(", ", list.Select(t => t.name))}]");
    }

    /// <summary>Field access that names the file and the field when something is missing or of the wrong kind.</summary>
    sealed class Reader(string source)
    {
        public JsonElement Member(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v
                : throw new InvalidDataException($"{source}: missing field '{name}'");

        public JsonElement Obj(JsonElement e, string name) => Kind(Member(e, name), name, JsonValueKind.Object);
        public string Str(JsonElement e, string name) => Kind(Member(e, name), name, JsonValueKind.String).GetString()!;
        public double Num(JsonElement e, string name) => Kind(Member(e, name), name, JsonValueKind.Number).GetDouble();
        public int Int(JsonElement e, string name) => Kind(Member(e, name), name, JsonValueKind.Number).GetInt32();

        public bool Bool(JsonElement e, string name)
        {
            var v = Member(e, name);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new InvalidDataException($"{source}: field '{name}' expected a boolean, found {v.ValueKind}"),
            };
        }

        public int[] Ints(JsonElement e, string name) =>
            Kind(Member(e, name), name, JsonValueKind.Array).EnumerateArray().Select(v => v.GetInt32()).ToArray();

        public double[] Nums(JsonElement e, string name) =>
            Kind(Member(e, name), name, JsonValueKind.Array).EnumerateArray().Select(v => v.GetDouble()).ToArray();

        /// <summary>An object of {name: {shape, data}} in file order, each checked: product(shape) == data length.</summary>
        public List<(string name, int[] shape, double[] data)> Arrays(JsonElement obj, string where)
        {
            var list = new List<(string, int[], double[])>();
            foreach (var prop in obj.EnumerateObject())
            {
                string label = $"{where}.{prop.Name}";
                int[] shape = Ints(prop.Value, "shape");
                double[] data = Nums(prop.Value, "data");
                long count = 1; foreach (int d in shape) count *= d;
                if (count != data.Length)
                    throw new InvalidDataException(
                        $"{source}: {label} has {data.Length} values but shape [{string.Join(", ", shape)}] needs {count}");
                list.Add((prop.Name, shape, data));
            }
            return list;
        }

        JsonElement Kind(JsonElement v, string name, JsonValueKind want) =>
            v.ValueKind == want ? v
                : throw new InvalidDataException($"{source}: field '{name}' expected {want}, found {v.ValueKind}");
    }
}
