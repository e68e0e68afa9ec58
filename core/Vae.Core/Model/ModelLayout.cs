// Where each of a VAE's tensors lives in the flat parameter buffer (the engine contract's fixed order).
// Owns: the ModelSpec -> ParameterLayout mapping. Must not: allocate parameter storage or initialise values.

namespace Vae.Core.Model;

/// <summary>The parameter layout of a VAE (paper Appendix C).</summary>
public static class ModelLayout
{
    /// <summary>
    /// Encoder enc.{i}.W/b, enc.mu, enc.logvar; decoder dec.{i}.W/b, then dec.logits (Bernoulli) or dec.mean and
    /// dec.logvar (Gaussian). W is stored [in, out], so a dense layer is Y = X W + b.
    /// </summary>
    public static ParameterLayout For(ModelSpec spec)
    {
        spec.Validate();
        if (spec.Architecture == Architecture.Conv) return ParameterLayout.Of(ConvVae.Tensors(spec));
        var t = new List<(string, int, int, bool)>();
        void Dense(string prefix, int fanIn, int fanOut) { t.Add((prefix + ".W", fanIn, fanOut, false)); t.Add((prefix + ".b", 1, fanOut, true)); }
        int prev = spec.D;
        for (int i = 0; i < spec.EncoderHidden.Count; i++) { Dense($"enc.{i}", prev, spec.EncoderHidden[i]); prev = spec.EncoderHidden[i]; }
        Dense("enc.mu", prev, spec.Dz);
        Dense("enc.logvar", prev, spec.Dz);
        prev = spec.Dz;
        for (int i = 0; i < spec.DecoderHidden.Count; i++) { Dense($"dec.{i}", prev, spec.DecoderHidden[i]); prev = spec.DecoderHidden[i]; }
        if (spec.Likelihood == Likelihood.Bernoulli) Dense("dec.logits", prev, spec.D);
        else { Dense("dec.mean", prev, spec.D); Dense("dec.logvar", prev, spec.D); }
        return ParameterLayout.Of(t);
    }
}
