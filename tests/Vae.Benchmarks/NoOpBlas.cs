// An IBlas whose Sgemm does nothing: isolates the non-GEMM cost of a training step (timing only, never numerics).
// Owns: nothing but the stub. Must not: be used where results matter.
using Vae.Core.Numerics;

namespace Vae.Benchmarks;

/// <summary>Sgemm is a no-op, so a timed step measures only the elementwise kernels, reductions and the optimizer.</summary>
public sealed class NoOpBlas : IBlas
{
    public string Name => "noop";
    public int Threads => 1;
    public string Describe() => "noop (sgemm does nothing; non-GEMM timing only)";

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) { }
}
