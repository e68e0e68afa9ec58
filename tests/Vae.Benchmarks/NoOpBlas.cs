// An IBlas that skips the matrix product: isolates the non-GEMM cost of a training step (timing only, never numerics).
// Owns: the stub and the time it spends. Must not: be used where results matter.
using System.Diagnostics;

namespace Vae.Benchmarks;

/// <summary>
/// Sgemm computes nothing. With beta = 0 it zeroes C, as a real product would overwrite it: otherwise in-place bias
/// adds pile up step after step and the kernels end up timing inf/NaN/denormal data. The zeroing time is kept in
/// <see cref="ClearTicks"/> so the harness can subtract it.
/// </summary>
public sealed class NoOpBlas : IBlas
{
    public string Name => "noop";
    public int Threads => 1;
    public string Describe() => "noop (sgemm zeroes C when beta = 0, else does nothing; non-GEMM timing only)";
    /// <summary>Stopwatch ticks spent zeroing C since the last reset.</summary>
    public long ClearTicks { get; set; }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (beta != 0f) return;
        long t0 = Stopwatch.GetTimestamp();
        c.Slice(0, (m - 1) * ldc + n).Clear();
        ClearTicks += Stopwatch.GetTimestamp() - t0;
    }
}
