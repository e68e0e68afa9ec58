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
        var theta = new ParameterSet(ParameterLayout.For(spec));
        theta.Initialize(InitScheme.Normal, 0.01f, new Rng(1));
        var grad = theta.Like();
        var sgvb = new Sgvb(spec, new NoOpBlas(), M, L);
        var opt = new Optimizer(new OptimizerOptions(), theta.Data.Length, 60000);
        var x = new float[M * spec.D];
        new Rng(2).FillBernoulli(Enumerable.Repeat(0.3f, x.Length).ToArray(), x);
        var eps = new float[L * M * spec.Dz]; new Rng(3, RngStream.Noise).FillNormal(eps);
        var sw = new Stopwatch();
        double tf = 0, tb = 0, to = 0;
        for (int pass = 0; pass < 2; pass++) // pass 0 warms up (tiered JIT)
        {
            tf = tb = to = 0;
            for (int i = 0; i < reps; i++)
            {
                sw.Restart(); sgvb.Forward(theta.Data, x, M, eps, L, est); tf += sw.Elapsed.TotalMilliseconds;
                Array.Clear(grad.Data);
                sw.Restart(); sgvb.Backward(theta.Data, grad.Data); tb += sw.Elapsed.TotalMilliseconds;
                sw.Restart(); opt.Step(theta.Data, grad.Data); to += sw.Elapsed.TotalMilliseconds;
                // keep theta bounded: the no-op GEMM lets nothing else touch it, Adam only nudges it
            }
        }
        Console.WriteLine($"step {est}: forward {tf / reps:F3} ms, backward {tb / reps:F3} ms, adam {to / reps:F3} ms, " +
                          $"total {(tf + tb + to) / reps:F3} ms (non-GEMM)");
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
        int p = ParameterLayout.For(spec).Count;
        var theta = new float[p]; var grad = new float[p]; rng.FillNormal(grad, 0, 0.01f);
        foreach (var kind in new[] { OptimizerKind.Adam, OptimizerKind.Adagrad, OptimizerKind.Sgd })
        {
            var opt = new Optimizer(new OptimizerOptions { Kind = kind }, p, 60000);
            Time($"{kind} step [{p}]", reps, () => opt.Step(theta, grad));
        }
    }

    static void Time(string what, int reps, Action a)
    {
        for (int i = 0; i < Math.Max(3, reps / 10); i++) a();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) a();
        Console.WriteLine($"  {what,-42} {sw.Elapsed.TotalMilliseconds / reps:F4} ms");
    }
}
