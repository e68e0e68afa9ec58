// Test ladder rung 6 (behaviour): the training-step unit (noise -> forward -> backward -> optimizer) raises the ELBO on a
// small synthetic dataset, allocates no managed memory in steady state, and its phases equal the whole step.
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
        var unit = new TrainingStep(spec, new ManagedBlas(), est, m, 1,
                                    new OptimizerOptions { Kind = kind, LearningRate = lr, Momentum = kind == OptimizerKind.Sgd ? 0.9 : 0 }, n,
                                    new Rng(3, RngStream.Noise));
        unit.Parameters.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(2, RngStream.Init));
        var eval = new Sgvb(spec, new ManagedBlas(), n, 1);
        var evalEps = new float[n * spec.Dz];
        new Rng(4, RngStream.Eval).FillNormal(evalEps);

        double before = eval.Forward(unit.Parameters.Data, x, n, evalEps, 1, Estimator.B, prepareBackward: false);
        for (int s = 0; s < steps; s++) unit.Step(x.AsSpan((s * m) % n * d, m * d));
        Assert.Equal(steps, unit.Steps);
        double after = eval.Forward(unit.Parameters.Data, x, n, evalEps, 1, Estimator.B, prepareBackward: false);
        // From ~-22 nats (d*log 2) towards ~-9 (prototype entropy + flips); demand a clear rise, not noise.
        Assert.True(after > before + 5, $"ELBO {before:F2} -> {after:F2} after {steps} steps ({est}, {kind})");
    }

    [Fact]
    public void A_training_step_allocates_no_managed_memory_in_steady_state()
    {
        var spec = new ModelSpec { D = 784, Dz = 20, EncoderHidden = [64], DecoderHidden = [64] };
        const int m = 20, l = 2;
        var x = new float[m * spec.D]; new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        TrainingStep Unit(Estimator est)
        {
            var u = new TrainingStep(spec, new ManagedBlas(), est, m, l, new OptimizerOptions(), 1000, new Rng(3, RngStream.Noise));
            u.Parameters.Initialize(InitScheme.Normal, 0.01f, new Rng(1));
            return u;
        }
        var a = Unit(Estimator.A); var b = Unit(Estimator.B);
        for (int i = 0; i < 5; i++) { a.Step(x); b.Step(x); a.Step(x.AsSpan(0, (m / 2) * spec.D)); }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) { a.Step(x); b.Step(x); a.Step(x.AsSpan(0, (m / 2) * spec.D)); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"60 training steps allocated {allocated} managed bytes");
        Assert.True(a.Sgvb.Model.LastBatchWasBinary); // the binary batch took the sparse first-layer path
        a.Sgvb.Model.SparseBinaryInput = false; b.Sgvb.Model.SparseBinaryInput = false; // the dense path allocates nothing either
        for (int i = 0; i < 5; i++) { a.Step(x); b.Step(x); }
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++) { a.Step(x); b.Step(x); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(a.Sgvb.Model.LastBatchWasBinary);
    }

    [Fact]
    public void The_phases_of_a_step_equal_the_whole_step_bit_for_bit_and_given_noise_replaces_the_stream()
    {
        var spec = new ModelSpec { D = 24, Dz = 3, EncoderHidden = [16], DecoderHidden = [16] };
        const int m = 10, l = 2;
        var x = SyntheticData(m, spec.D, new Rng(5, RngStream.Split));
        TrainingStep Unit()
        {
            var u = new TrainingStep(spec, new ManagedBlas(), Estimator.A, m, l, new OptimizerOptions { Kind = OptimizerKind.Adagrad, LearningRate = 0.05 },
                                     100, new Rng(6, RngStream.Noise));
            u.Parameters.Initialize(InitScheme.TorchUniform, 0.01f, new Rng(7, RngStream.Init));
            return u;
        }
        var whole = Unit(); var phases = Unit(); var given = Unit();
        var noise = new Rng(6, RngStream.Noise); var eps = new float[l * m * spec.Dz];
        for (int s = 0; s < 5; s++)
        {
            double j1 = whole.Step(x);
            double j2 = phases.Forward(x); phases.Backward(); phases.Update();
            noise.FillNormal(eps);
            double j3 = given.Forward(x, eps); given.Backward(); given.Update();
            Assert.Equal(j1, j2); Assert.Equal(j1, j3);
        }
        Assert.True(whole.Parameters.Data.AsSpan().SequenceEqual(phases.Parameters.Data));
        Assert.True(whole.Parameters.Data.AsSpan().SequenceEqual(given.Parameters.Data));
        Assert.Equal(5, whole.Steps);
        Assert.Throws<InvalidOperationException>(() => whole.Update()); // no gradient since the last update
        Assert.Throws<ArgumentException>(() => whole.Step(new float[spec.D + 1]));
    }
}
