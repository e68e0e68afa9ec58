// Quick Stopwatch harness (`dotnet run -c Release --project tests/Vae.Benchmarks -- step`): the non-GEMM time of a
// 784-500-20 training step (M=100, L=1, Adam) split into forward / backward / optimizer, plus per-kernel timings.
// Owns: timing loops only. Must not: assert anything (benchmarks are not tests).
using System.Diagnostics;
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;
using Vae.Core.Training;

namespace Vae.Benchmarks;

public static class StepTimer
{
    const int M = 100, L = 1;

    public static void Run(int reps)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cpus, .NET {Environment.Version}, Vector<float>.Count = {System.Numerics.Vector<float>.Count}, " +
                          $"V512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}; reps {reps}");
        foreach (var est in new[] { Estimator.B, Estimator.A }) TimeStep(est, reps);
        TimeKernels(reps);
    }

    static void TimeStep(Estimator est, int reps)
    {
        var spec = new ModelSpec(); // 784-500-20, Bernoulli, tanh
        var blas = new NoOpBlas();
        var unit = new TrainingStep(spec, blas, est, M, L, new OptimizerOptions(), 60000, new Rng(3, RngStream.Noise));
        unit.Parameters.Initialize(InitScheme.Normal, 0.01f, new Rng(1));
        var x = new float[M * spec.D];
        new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        var eps = new float[L * M * spec.Dz]; new Rng(3, RngStream.Noise).FillNormal(eps);
        var sw = new Stopwatch();
        // Best batch of 10 (each reps/10 steps) per phase: the box is shared, so the minimum is the honest cost.
        double tf = double.MaxValue, tb = double.MaxValue, to = double.MaxValue;
        int per = Math.Max(1, reps / 10);
        // Warm up for a second: tiered JIT promotes hot methods only after ~100 ms without new tier-0 code.
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 1000;) { unit.Forward(x, eps); unit.Backward(); unit.Update(); }
        for (int batch = 0; batch < 10; batch++)
        {
            double f = 0, b = 0, o = 0;
            blas.ClearTicks = 0;
            for (int i = 0; i < per; i++)
            {
                sw.Restart(); unit.Forward(x, eps); f += sw.Elapsed.TotalMilliseconds;
                sw.Restart(); unit.Backward(); b += sw.Elapsed.TotalMilliseconds;
                sw.Restart(); unit.Update(); o += sw.Elapsed.TotalMilliseconds;
            }
            f -= blas.ClearTicks * 1000.0 / Stopwatch.Frequency; // the stub's zeroing of C stands in for the GEMM
            tf = Math.Min(tf, f / per); tb = Math.Min(tb, b / per); to = Math.Min(to, o / per);
        }
        Console.WriteLine($"step {est}: forward {tf:F3} ms, backward {tb:F3} ms, adam {to:F3} ms, total {tf + tb + to:F3} ms " +
                          "(non-GEMM; backward includes zeroing the gradient and its finite check)");
    }

    static void TimeKernels(int reps)
    {
        const int d = 784, h = 500;
        var rng = new Rng(7);
        var x = new float[M * d]; new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        var logits = new float[M * d]; rng.FillNormal(logits, 0, 3);
        var g = new float[M * d]; var logp = new double[M];
        var hid = new float[M * h]; var pre = new float[M * h]; rng.FillNormal(pre, 0, 1.5f);
        var bias = new float[h]; rng.FillNormal(bias);
        var dh = new float[M * h]; rng.FillNormal(dh);
        var db = new float[h];
        var lv = new float[M * d]; rng.FillNormal(lv, 0, 0.5f);
        var mean = new float[M * d]; var g2 = new float[M * d];
        Time("Bernoulli + grad [100,784]", reps, () => Likelihoods.Bernoulli(x, M, logits, M, logp, g, 0.01f));
        Time("Bernoulli no grad [100,784]", reps, () => Likelihoods.Bernoulli(x, M, logits, M, logp, Span<float>.Empty, 0.01f));
        Time("Gaussian sigmoid + grad [100,784]", reps, () =>
        {
            logits.CopyTo(mean, 0);
            Likelihoods.Gaussian(x, M, mean, lv, M, true, logp, g, g2, 0.01f);
        });
        Time("copy [100,784] (subtract from Gaussian)", reps, () => logits.CopyTo(mean, 0));
        Time("tanh [100,500]", reps, () => { pre.CopyTo(hid, 0); Kernels.ActivationForward(Activation.Tanh, hid); });
        Time("copy [100,500] (subtract from tanh)", reps, () => pre.CopyTo(hid, 0));
        Time("AddBiasRows [100,500]", reps, () => Kernels.AddBiasRows(hid, bias, M));
        Time("tanh backward [100,500]", reps, () => Kernels.ActivationBackward(Activation.Tanh, hid, dh));
        Time("column sums [100,500]", reps, () => { db.AsSpan().Clear(); Kernels.AccumulateColumnSums(dh, M, db); });
        var spec = new ModelSpec();
        int p = ModelLayout.For(spec).Count;
        var theta = new float[p]; var grad = new float[p]; rng.FillNormal(grad, 0, 0.01f);
        foreach (var kind in new[] { OptimizerKind.Adam, OptimizerKind.Adagrad, OptimizerKind.Sgd })
        {
            var opt = new Optimizer(new OptimizerOptions { Kind = kind }, p, 60000);
            Time($"{kind} step [{p}]", reps, () => opt.Step(theta, grad));
        }
    }

    static void Time(string what, int reps, Action a)
    {
        int per = Math.Max(1, reps / 10);
        for (var warm = Stopwatch.StartNew(); warm.ElapsedMilliseconds < 300;) a();
        double best = double.MaxValue;
        var sw = new Stopwatch();
        for (int batch = 0; batch < 10; batch++)
        {
            sw.Restart();
            for (int i = 0; i < per; i++) a();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / per);
        }
        Console.WriteLine($"  {what,-42} {best:F4} ms");
    }
}
