// BenchmarkDotNet micro-benchmarks of the non-GEMM kernels of a 784-500-20 step (M = 100): likelihood, tanh,
// bias + activation, column sums, optimizer updates. Owns: benchmark fixtures only. Must not: be run by the tests.
using BenchmarkDotNet.Attributes;

namespace Vae.Benchmarks;

[MemoryDiagnoser]
public class KernelBenchmarks
{
    const int M = 100, D = 784, H = 500;
    readonly float[] _x = new float[M * D];      // [M, D] binary data
    readonly float[] _logits = new float[M * D]; // [M, D]
    readonly float[] _head = new float[M * D];   // [M, D] Gaussian mean head (overwritten in place)
    readonly float[] _logVar = new float[M * D]; // [M, D]
    readonly float[] _g = new float[M * D], _g2 = new float[M * D];
    readonly double[] _logp = new double[M];     // [M]
    readonly float[] _pre = new float[M * H];    // [M, H]
    readonly float[] _h = new float[M * H];      // [M, H]
    readonly float[] _dh = new float[M * H];     // [M, H]
    readonly float[] _b = new float[H], _db = new float[H];
    float[] _theta = [], _grad = [];
    Optimizer _adam = null!, _adagrad = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Rng(1);
        new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, _x.Length).ToArray(), _x);
        rng.FillNormal(_logits, 0, 3); rng.FillNormal(_logVar, 0, 0.5f);
        rng.FillNormal(_pre, 0, 1.5f); rng.FillNormal(_dh); rng.FillNormal(_b);
        int p = ModelLayout.For(new ModelSpec()).Count;
        _theta = new float[p]; _grad = new float[p]; rng.FillNormal(_grad, 0, 0.01f);
        _adam = new Optimizer(new OptimizerOptions(), p, 60000);
        _adagrad = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Adagrad, LearningRate = 0.01 }, p, 60000);
    }

    [Benchmark] public void BernoulliWithGradient() => Likelihoods.Bernoulli(_x, M, _logits, M, _logp, _g, 0.01f);
    [Benchmark] public void BernoulliNoGradient() => Likelihoods.Bernoulli(_x, M, _logits, M, _logp, Span<float>.Empty, 0.01f);

    [Benchmark]
    public void GaussianSigmoidWithGradient()
    {
        _logits.CopyTo(_head, 0);
        Likelihoods.Gaussian(_x, M, _head, _logVar, M, true, _logp, _g, _g2, 0.01f);
    }

    [Benchmark]
    public void Tanh()
    {
        _pre.CopyTo(_h, 0);
        Kernels.ActivationForward(Activation.Tanh, _h);
    }

    [Benchmark]
    public void BiasThenTanh()
    {
        _pre.CopyTo(_h, 0);
        Kernels.AddBiasRows(_h, _b, M);
        Kernels.ActivationForward(Activation.Tanh, _h);
    }

    [Benchmark] public void TanhBackward() => Kernels.ActivationBackward(Activation.Tanh, _h, _dh);
    [Benchmark] public void ColumnSums() => Kernels.AccumulateColumnSums(_dh, M, _db);
    [Benchmark] public void AdamStep() => _adam.Step(_theta, _grad);
    [Benchmark] public void AdagradStep() => _adagrad.Step(_theta, _grad);
}
