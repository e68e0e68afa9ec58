// Test ladder rung 6 (behaviour): a bare training loop (noise -> forward -> backward -> optimizer) raises the ELBO on a
// small synthetic dataset, and one step allocates no managed memory in steady state.
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;

namespace Vae.Tests.Model;

public class TrainingStepTests
{
    /// <summary>Binary data from 4 prototypes with 5% flipped pixels: easy structure a VAE must pick up.</summary>
    static float[] SyntheticData(int n, int d, Rng rng)
    {
        var protos = new float[4 * d];
        for (int i = 0; i < protos.Length; i++) protos[i] = rng.NextDouble() < 0.5 ? 1 : 0;
        var x = new float[n * d];
        for (int i = 0; i < n; i++)
        {
            int k = rng.NextInt(4);
            for (int j = 0; j < d; j++) { float v = protos[k * d + j]; x[i * d + j] = rng.NextDouble() < 0.05 ? 1 - v : v; }
        }
        return x;
    }

    [Theory]
    [InlineData(Estimator.A, OptimizerKind.Adam, 3e-3)]
    [InlineData(Estimator.B, OptimizerKind.Adam, 3e-3)]
    [InlineData(Estimator.B, OptimizerKind.Adagrad, 0.05)]
    [InlineData(Estimator.B, OptimizerKind.Sgd, 0.01)]
    public void A_few_hundred_steps_raise_the_ELBO_on_synthetic_data(Estimator est, OptimizerKind kind, double lr)
    {
        const int n = 500, d = 32, m = 50, steps = 300;
        var spec = new ModelSpec { D = d, Dz = 2, EncoderHidden = [16], DecoderHidden = [16] };
        var x = SyntheticData(n, d, new Rng(1, RngStream.Split));
        var theta = new ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(2, RngStream.Init));
        var grad = theta.Like();
        var sgvb = new Sgvb(spec, new ManagedBlas(), n, 1);
        var opt = new Optimizer(new OptimizerOptions { Kind = kind, LearningRate = lr, Momentum = kind == OptimizerKind.Sgd ? 0.9 : 0 }, theta.Data.Length, n);
        var noise = new Rng(3, RngStream.Noise);
        var eps = new float[n * spec.Dz]; var evalEps = new float[n * spec.Dz];
        new Rng(4, RngStream.Eval).FillNormal(evalEps);

        double before = sgvb.Forward(theta.Data, x, n, evalEps, 1, Estimator.B, prepareBackward: false);
        for (int s = 0; s < steps; s++)
        {
            int start = (s * m) % n;
            noise.FillNormal(eps.AsSpan(0, m * spec.Dz));
            sgvb.Forward(theta.Data, x.AsSpan(start * d, m * d), m, eps, 1, est);
            Array.Clear(grad.Data);
            sgvb.Backward(theta.Data, grad.Data);
            opt.Step(theta.Data, grad.Data);
        }
        double after = sgvb.Forward(theta.Data, x, n, evalEps, 1, Estimator.B, prepareBackward: false);
        // From ~-22 nats (d*log 2) towards ~-9 (prototype entropy + flips); demand a clear rise, not noise.
        Assert.True(after > before + 5, $"ELBO {before:F2} -> {after:F2} after {steps} steps ({est}, {kind})");
    }

    [Fact]
    public void A_training_step_allocates_no_managed_memory_in_steady_state()
    {
        var spec = new ModelSpec { D = 784, Dz = 20, EncoderHidden = [64], DecoderHidden = [64] };
        const int m = 20, l = 2;
        var theta = new ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.Normal, 0.01f, new Rng(1));
        var grad = theta.Like();
        var sgvb = new Sgvb(spec, new ManagedBlas(), m, l);
        var opt = new Optimizer(new OptimizerOptions(), theta.Data.Length, 1000);
        var x = new float[m * spec.D]; new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        var eps = new float[l * m * spec.Dz]; var noise = new Rng(3, RngStream.Noise);
        void Step(Estimator est)
        {
            noise.FillNormal(eps);
            sgvb.Forward(theta.Data, x, m, eps, l, est);
            Array.Clear(grad.Data);
            sgvb.Backward(theta.Data, grad.Data);
            opt.Step(theta.Data, grad.Data);
        }
        for (int i = 0; i < 5; i++) { Step(Estimator.A); Step(Estimator.B); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) { Step(Estimator.A); Step(Estimator.B); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"40 training steps allocated {allocated} managed bytes");
        Assert.True(sgvb.Model.LastBatchWasBinary); // the binary batch took the sparse first-layer path
        sgvb.Model.SparseBinaryInput = false; // and the dense path allocates nothing either
        for (int i = 0; i < 5; i++) { Step(Estimator.A); Step(Estimator.B); }
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) { Step(Estimator.A); Step(Estimator.B); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(sgvb.Model.LastBatchWasBinary);
    }
}
