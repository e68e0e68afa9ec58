// `vae bench`'s engine: the step benchmark counts exactly the GEMM work of a step and allocates nothing per step
// (option parsing: tests/Vae.Tests/Cli). (Timings themselves are reported by the benchmark, never asserted.)
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Runs;

namespace Vae.Tests.Runs;

public class BenchTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Step_benchmark_counts_the_gemm_flops_of_forward_and_backward(bool sparse)
    {
        var spec = new ModelSpec { D = 20, Dz = 3, EncoderHidden = [8], DecoderHidden = [8] };
        var r = StepBenchmark.Run(new ManagedBlas(), spec, Estimator.B, m: 10, l: 1, steps: 200, n: 100, sparseInput: sparse);
        // Dense layers (in x out): 20x8, 8x3, 8x3, 3x8, 8x20. Forward and dW: 2*M*in*out each; dX: all but the data input.
        // Sparse (binary batch): the first layer's forward and dW run on the ones, outside the GEMM calls.
        double fwd = 2.0 * 10 * (160 + 24 + 24 + 24 + 160), dx = 2.0 * 10 * (24 + 24 + 24 + 160);
        double first = sparse ? 2 * (2.0 * 10 * 160) : 0;
        Assert.Equal((2 * fwd + dx - first) / 1e6, r.gemm_mflop_per_step, 9);
        Assert.Equal(sparse ? "sparse" : "dense", r.input);
        Assert.Equal(0, r.alloc_bytes_per_step);
        Assert.True(r.ms_per_step > 0 && r.sgemm_gflops > 0 && r.ratio > 0, $"{r}");
        Assert.Equal(r.ms_per_step * 10 / 1000.0, r.s_per_epoch, 9); // 100 rows / M = 10 steps per epoch
    }
}
