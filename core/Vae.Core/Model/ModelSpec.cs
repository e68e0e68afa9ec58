// What a VAE looks like (paper Appendix C): sizes, hidden activation, likelihood. Pure data + validation.
// Owns: the model enums and ModelSpec. Must not: allocate buffers or know about training.

namespace Vae.Core.Model;

/// <summary>Decoder likelihood p(x|z) (paper Appendix C.1 Bernoulli MLP, C.2 Gaussian MLP).</summary>
public enum Likelihood { Bernoulli, Gaussian }

/// <summary>SGVB estimator (paper Sec. 2.3): A = eq. (6), generic; B = eq. (7), closed-form KL.</summary>
public enum Estimator { A, B }

/// <summary>Network family: Mlp = the paper's (Appendix C); Conv = the TensorFlow CVAE tutorial's convolutional encoder and
/// decoder for 28x28x1 images (EncoderHidden = the two convolutions' filters, DecoderHidden = the two transposed ones').</summary>
public enum Architecture { Mlp, Conv }

/// <summary>Architecture of a VAE with Gaussian MLP encoder and Bernoulli or Gaussian MLP decoder.</summary>
public sealed record ModelSpec
{
    /// <summary>Input dimension D (784 for MNIST, 560 for Frey Face).</summary>
    public int D { get; init; } = 784;
    /// <summary>Latent dimension Dz. §5: swept 2..200; 20 is a common default.</summary>
    public int Dz { get; init; } = 20;
    /// <summary>Encoder hidden sizes. §5: one layer of 500 (MNIST), 200 (Frey Face).</summary>
    public IReadOnlyList<int> EncoderHidden { get; init; } = [500];
    /// <summary>Decoder hidden sizes (input side first).</summary>
    public IReadOnlyList<int> DecoderHidden { get; init; } = [500];
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;
    /// <summary>Mlp (default) or Conv (see <see cref="Model.Architecture"/>; shapes in ConvVae).</summary>
    public Architecture Architecture { get; init; } = Architecture.Mlp;
    public Activation Activation { get; init; } = Activation.Tanh;
    /// <summary>Gaussian decoder only: mean = sigmoid(a) (the paper's Frey Face decoder) instead of mean = a.</summary>
    public bool SigmoidMean { get; init; } = true;

    /// <summary>Throws ArgumentException with the offending value if the spec is nonsense.</summary>
    public ModelSpec Validate()
    {
        if (D <= 0) throw new ArgumentException($"ModelSpec.D ({D}) must be positive");
        if (Dz <= 0) throw new ArgumentException($"ModelSpec.Dz ({Dz}) must be positive");
        if (EncoderHidden.Count == 0 || DecoderHidden.Count == 0)
            throw new ArgumentException("ModelSpec needs at least one hidden layer in the encoder and in the decoder");
        foreach (int h in EncoderHidden.Concat(DecoderHidden))
            if (h <= 0) throw new ArgumentException($"ModelSpec hidden size ({h}) must be positive");
        if (Architecture == Architecture.Conv) ConvVae.Check(this);
        return this;
    }

    /// <summary>Compact description, e.g. "784-500-20 tanh Bernoulli" (decoder sizes shown if not mirrored).</summary>
    public override string ToString()
    {
        if (Architecture == Architecture.Conv) return ConvVae.Describe(this);
        string enc = string.Join("-", EncoderHidden);
        string dec = string.Join("-", DecoderHidden);
        bool mirrored = EncoderHidden.Reverse().SequenceEqual(DecoderHidden);
        string lik = Likelihood == Likelihood.Gaussian ? (SigmoidMean ? "Gaussian(sigmoid mean)" : "Gaussian") : "Bernoulli";
        return $"{D}-{enc}-{Dz}{(mirrored ? "" : $" dec {Dz}-{dec}-{D}")} {Activation.ToString().ToLowerInvariant()} {lik}";
    }

    public bool Equals(ModelSpec? o) => o is not null && D == o.D && Dz == o.Dz && Likelihood == o.Likelihood
        && Activation == o.Activation && SigmoidMean == o.SigmoidMean && Architecture == o.Architecture
        && EncoderHidden.SequenceEqual(o.EncoderHidden) && DecoderHidden.SequenceEqual(o.DecoderHidden);

    public override int GetHashCode() => HashCode.Combine(D, Dz, Likelihood, Activation, (SigmoidMean, Architecture),
        string.Join(",", EncoderHidden), string.Join(",", DecoderHidden));
}
