// The hidden-layer nonlinearities the kernels implement. Lives with the kernels (not in Model) so dependencies
// point down: Model chooses an Activation, Numerics computes it.
namespace Vae.Core.Numerics;

/// <summary>Hidden-layer nonlinearity. The paper uses tanh. Identity makes the networks linear (the pPCA oracle).</summary>
public enum Activation { Tanh, Relu, Softplus, Identity }
