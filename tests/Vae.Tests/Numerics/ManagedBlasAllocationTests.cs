// ManagedBlas allocates no managed memory per call in steady state (issue 6: zero allocations per training step).
// Runs in a non-parallel collection: the multi-thread check reads the process-wide allocation counter.
using Vae.Core.Numerics;

namespace Vae.Tests.Numerics;

[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;

[Collection(nameof(AllocationSensitive))]
public class ManagedBlasAllocationTests
{
    // The training step's products (784-500-20, M = 100) in the three forms backprop uses, plus an edge-only shape.
    static readonly (bool TA, bool TB, int M, int N, int K)[] Shapes =
        [(false, false, 100, 500, 784), (false, true, 100, 784, 500), (true, false, 784, 500, 100),
         (false, false, 100, 20, 500), (true, false, 500, 20, 100), (false, true, 13, 7, 5)];

    static readonly float[] A = new float[784 * 500], B = new float[784 * 500], C = new float[784 * 500];

    static void RunAll(ManagedBlas blas)
    {
        foreach (var (ta, tb, m, n, k) in Shapes)
            blas.Sgemm(ta, tb, m, n, k, 1f, A, ta ? m : k, B, tb ? k : n, 1f, C, n);
    }

    [Fact]
    public void Single_thread_sgemm_allocates_nothing_in_steady_state()
    {
        using var blas = new ManagedBlas(1);
        RunAll(blas); RunAll(blas); // first calls create this thread's pack buffers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 3; r++) RunAll(blas);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {3 * Shapes.Length} single-thread sgemm calls");
    }

    [Fact]
    public void Multi_thread_sgemm_allocates_nothing_in_steady_state()
    {
        using var blas = new ManagedBlas(2, ManagedKernel.Auto, parallelMinWork: 0);
        RunAll(blas); RunAll(blas); // first calls start the helper and create every thread's pack buffers
        // The counter is process-wide, so test-runner threads can add bytes (more so on a loaded machine); a per-call
        // allocation shows in every round, so the least over up to 10 rounds must be zero.
        long least = long.MaxValue;
        for (int round = 0; round < 10 && least > 0; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int r = 0; r < 3; r++) RunAll(blas);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(least == 0, $"at least {least} bytes allocated over {3 * Shapes.Length} two-thread sgemm calls");
    }
}
