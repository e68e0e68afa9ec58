// The hidden-layer nonlinearities the kernels implement. Lives with the kernels (not in Model) so dependencies
// point down: Model chooses an Activation, Numerics computes it.
namespace Vae.Core.Numerics;

/// <summary>Hidden-layer nonlinearity. The paper uses tanh. Identity makes the networks linear (the pPCA oracle).
/// LeakyRelu is max(x, 0.2 x), the DCGAN discriminator's (Radford et al. 2016, slope 0.2).</summary>
public enum Activation { Tanh, Relu, Softplus, Identity, LeakyRelu }

/// <summary>Constants of the activations.</summary>
public static class Activations
{
    /// <summary>Negative-side slope of <see cref="Activation.LeakyRelu"/> (DCGAN's 0.2; PyTorch's default is 0.01).</summary>
    public const float LeakySlope = 0.2f;
}
