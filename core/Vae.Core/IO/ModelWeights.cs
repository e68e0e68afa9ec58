// A model's parameters as named tensors other tools read: the engine layout (enc.0.W [in, out], ...) mapped onto
// PyTorch nn.Linear names and shapes (encoder.0.weight [out, in], encoder.0.bias [out]), plus the ModelSpec in the
// metadata, in a safetensors file (scripts/vae_torch.py loads it into PyTorch). Owns: that mapping and its inverse.
// Must not: train, evaluate or choose file locations.

namespace Vae.Core.IO;

/// <summary>
/// Export and import of a VAE's weights. Names: the layout's <c>enc.</c>/<c>dec.</c> become <c>encoder.</c>/<c>decoder.</c>,
/// <c>.W</c> becomes <c>.weight</c> stored [out, in] (transposed, what <c>torch.nn.Linear.weight</c> holds, so
/// <c>y = x @ weight.T + bias</c>), <c>.b</c> becomes <c>.bias</c> [out]. Tensors: encoder.{i} (hidden layers, input side
/// first), encoder.mu, encoder.logvar, decoder.{i}, then decoder.logits (Bernoulli) or decoder.mean and decoder.logvar
/// (Gaussian). Metadata (strings): format, d, dz, encoder_hidden and decoder_hidden (comma-separated), likelihood,
/// activation (Tanh, Relu, Softplus, Identity), sigmoid_mean (true/false).
/// </summary>
public static class ModelWeights
{
    /// <summary>The format tag in the metadata.</summary>
    public const string Format = "vae-research/1";

    /// <summary>The PyTorch-style name of a layout tensor, e.g. enc.0.W -> encoder.0.weight.</summary>
    public static string TorchName(string layoutName)
    {
        string s = layoutName.StartsWith("enc.") ? "encoder." + layoutName[4..]
                 : layoutName.StartsWith("dec.") ? "decoder." + layoutName[4..] : layoutName;
        return s.EndsWith(".W") ? s[..^2] + ".weight" : s.EndsWith(".b") ? s[..^2] + ".bias" : s;
    }

    /// <summary>The named tensors ([out, in] weights, [out] biases) of parameters theta [P] in spec's layout.</summary>
    public static IReadOnlyList<NamedTensor> ToTensors(ModelSpec spec, ReadOnlySpan<float> theta)
    {
        var layout = ModelLayout.For(spec);
        if (theta.Length != layout.Count) throw new ArgumentException($"theta holds {theta.Length} values, the model {spec} has {layout.Count}");
        var list = new List<NamedTensor>();
        foreach (var p in layout.Params)
        {
            var src = theta.Slice(p.Offset, p.Length);
            if (p.IsBias) { list.Add(new NamedTensor(TorchName(p.Name), [p.Cols], src.ToArray())); continue; }
            var w = new float[p.Length]; // [in, out] -> [out, in]
            for (int i = 0; i < p.Rows; i++)
                for (int o = 0; o < p.Cols; o++) w[o * p.Rows + i] = src[i * p.Cols + o];
            list.Add(new NamedTensor(TorchName(p.Name), [p.Cols, p.Rows], w));
        }
        return list;
    }

    /// <summary>The metadata that describes spec (see the class summary); <paramref name="extra"/> entries are added.</summary>
    public static Dictionary<string, string> Metadata(ModelSpec spec, IReadOnlyDictionary<string, string>? extra = null)
    {
        var m = new Dictionary<string, string>
        {
            ["format"] = Format, ["d"] = I(spec.D), ["dz"] = I(spec.Dz),
            ["encoder_hidden"] = string.Join(",", spec.EncoderHidden.Select(I)), ["decoder_hidden"] = string.Join(",", spec.DecoderHidden.Select(I)),
            ["likelihood"] = spec.Likelihood.ToString(), ["activation"] = spec.Activation.ToString(),
            ["sigmoid_mean"] = spec.SigmoidMean ? "true" : "false",
        };
        if (spec.Architecture != Architecture.Mlp) m["architecture"] = spec.Architecture.ToString(); // absent = Mlp (older files)
        if (extra != null) foreach (var (k, v) in extra) m.TryAdd(k, v);
        return m;
    }

    /// <summary>Writes theta [P] of spec as a safetensors file (atomically).</summary>
    public static void Save(string path, ModelSpec spec, ReadOnlySpan<float> theta, IReadOnlyDictionary<string, string>? extraMetadata = null) =>
        SafeTensors.Write(path, ToTensors(spec, theta), Metadata(spec, extraMetadata));

    /// <summary>Reads a file written by <see cref="Save"/> (or by scripts/vae_torch.py): the spec and theta [P] in its layout.
    /// Throws <see cref="InvalidDataException"/> naming the file and the missing or misshapen tensor.</summary>
    public static (ModelSpec Spec, float[] Theta) Load(string path)
    {
        var (tensors, meta) = SafeTensors.Read(path);
        InvalidDataException Bad(string what) => new($"{path}: {what}");
        string Get(string key) => meta.TryGetValue(key, out var v) ? v
            : throw Bad($"metadata '{key}' is missing (expected the ModelSpec written by `vae export`; keys: {string.Join(", ", meta.Keys)})");
        ModelSpec spec;
        try
        {
            int[] Sizes(string key) => Get(key).Length == 0 ? [] : Get(key).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            spec = new ModelSpec
            {
                D = int.Parse(Get("d"), CultureInfo.InvariantCulture), Dz = int.Parse(Get("dz"), CultureInfo.InvariantCulture),
                EncoderHidden = Sizes("encoder_hidden"), DecoderHidden = Sizes("decoder_hidden"),
                Likelihood = Enum.Parse<Likelihood>(Get("likelihood"), ignoreCase: true),
                Activation = Enum.Parse<Activation>(Get("activation"), ignoreCase: true),
                SigmoidMean = bool.Parse(Get("sigmoid_mean")),
                Architecture = meta.TryGetValue("architecture", out var a) ? Enum.Parse<Architecture>(a, ignoreCase: true) : Architecture.Mlp,
            }.Validate();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        { throw Bad($"metadata does not describe a model ({e.Message})"); }
        var byName = tensors.ToDictionary(t => t.Name);
        var layout = ModelLayout.For(spec);
        var theta = new float[layout.Count];
        foreach (var p in layout.Params)
        {
            string name = TorchName(p.Name);
            if (!byName.Remove(name, out var t)) throw Bad($"tensor '{name}' is missing (model {spec})");
            int[] want = p.IsBias ? [p.Cols] : [p.Cols, p.Rows];
            if (!t.Shape.SequenceEqual(want))
                throw Bad($"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", want)}] for model {spec}");
            var dst = theta.AsSpan(p.Offset, p.Length);
            if (p.IsBias) t.Data.CopyTo(dst);
            else
                for (int i = 0; i < p.Rows; i++)
                    for (int o = 0; o < p.Cols; o++) dst[i * p.Cols + o] = t.Data[o * p.Rows + i];
        }
        if (byName.Count > 0) throw Bad($"unexpected tensors for model {spec}: {string.Join(", ", byName.Keys)}");
        return (spec, theta);
    }

    static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
