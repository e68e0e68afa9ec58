// Every sgemm provider against the float64 reference: awkward shapes, all transposes, alpha/beta grid, padded strides.
// Owns: correctness of ManagedBlas (each kernel, single and multi-thread) and of the native providers in process.
// Must not: test provider selection (BlasResolverTests) or MKL's process safety (MklProcessTests).

namespace Vae.Tests.Numerics;

public class BlasProviderTests
{
    // Odd sizes, exact tiles, tall, wide, k = 1 and zero-size m/n/k.
    static readonly (int M, int N, int K)[] SmallShapes =
        [(1, 1, 1), (13, 7, 5), (8, 32, 16), (37, 129, 65), (300, 3, 17), (3, 300, 17), (20, 30, 1), (0, 5, 7), (5, 0, 7), (5, 7, 0)];
    static readonly float[] Scalars = [0f, 0.5f, 1f];

    public static TheoryData<bool, bool> Transposes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    static void CheckAll(IBlas blas, bool ta, bool tb)
    {
        ulong seed = 1;
        foreach (var (m, n, k) in SmallShapes)
            foreach (float alpha in Scalars)
                foreach (float beta in Scalars)
                    BlasReference.Check(blas, ta, tb, m, n, k, alpha, beta, seed++);
        // Crosses two depth blocks (k > 256), the 512-column block, and ends in partial row and column panels.
        BlasReference.Check(blas, ta, tb, 45, 530, 300, 0.5f, 1f, seed++);
        BlasReference.Check(blas, ta, tb, 45, 530, 300, 1f, 0f, seed);
    }

    [Theory, MemberData(nameof(Transposes))]
    public void Managed_single_thread_matches_float64_reference(bool ta, bool tb)
    {
        using var blas = new ManagedBlas(1);
        CheckAll(blas, ta, tb);
    }

    [Theory, MemberData(nameof(Transposes))]
    public void Managed_three_threads_split_every_shape_and_match_float64_reference(bool ta, bool tb)
    {
        using var blas = new ManagedBlas(3, ManagedKernel.Auto, parallelMinWork: 0);
        CheckAll(blas, ta, tb);
    }

    [Theory, MemberData(nameof(Transposes))]
    public void Managed_vector256_kernel_matches_float64_reference(bool ta, bool tb)
    {
        using var one = new ManagedBlas(1, ManagedKernel.Vector256, ManagedBlas.DefaultParallelMinWork);
        using var two = new ManagedBlas(2, ManagedKernel.Vector256, parallelMinWork: 0);
        Assert.Contains("6x16", one.Describe());
        CheckAll(one, ta, tb);
        CheckAll(two, ta, tb);
    }

    [Fact]
    public void Managed_results_are_bitwise_identical_for_any_thread_count()
    {
        // Threads split C into blocks; each element is still summed in the same order, so results must not change.
        using var t1 = new ManagedBlas(1);
        using var t2 = new ManagedBlas(2, ManagedKernel.Auto, parallelMinWork: 0);
        using var t3 = new ManagedBlas(3, ManagedKernel.Auto, parallelMinWork: 0);
        var rng = new Rng(5, RngStream.Init);
        foreach (var (ta, tb, m, n, k) in new[] { (false, false, 100, 500, 784), (false, true, 100, 784, 500), (true, false, 784, 500, 100), (true, true, 57, 91, 300) })
        {
            float[] a = BlasReference.Random(rng, m * k), b = BlasReference.Random(rng, k * n);
            var c1 = new float[m * n]; var c2 = new float[m * n]; var c3 = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            t1.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c1, n);
            t2.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c2, n);
            t3.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c3, n);
            Assert.True(c1.AsSpan().SequenceEqual(c2), $"2 threads differ from 1 (transA={ta}, transB={tb}, {m}x{n}x{k})");
            Assert.True(c1.AsSpan().SequenceEqual(c3), $"3 threads differ from 1 (transA={ta}, transB={tb}, {m}x{n}x{k})");
        }
    }

    [Fact]
    public void Managed_is_correct_when_called_concurrently_from_several_threads()
    {
        using var shared = new ManagedBlas(2, ManagedKernel.Auto, parallelMinWork: 0);
        using var reference = new ManagedBlas(1);
        const int m = 40, n = 70, k = 90;
        var rng = new Rng(9, RngStream.Init);
        float[] a = BlasReference.Random(rng, m * k), b = BlasReference.Random(rng, k * n), want = new float[m * n];
        reference.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, want, n);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, t =>
        {
            var c = new float[m * n];
            for (int r = 0; r < 25; r++)
            {
                c.AsSpan().Fill(float.NaN);
                shared.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
                if (!c.AsSpan().SequenceEqual(want)) failures.Add($"caller {t} round {r}");
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void Bad_arguments_fail_with_the_numbers()
    {
        using var blas = new ManagedBlas(1);
        var x = new float[20];
        var e = Assert.Throws<ArgumentException>(() => blas.Sgemm(false, false, 2, 5, 2, 1f, x, 2, x, 5, 0f, x, 4));
        Assert.Contains("ldc (4) < columns of C (5)", e.Message);
        e = Assert.Throws<ArgumentException>(() => blas.Sgemm(false, false, 4, 2, 6, 1f, x, 6, x, 2, 0f, x, 2));
        Assert.Contains("A holds 20 floats, needs 24", e.Message);
        e = Assert.Throws<ArgumentException>(() => blas.Sgemm(false, false, -1, 2, 2, 1f, x, 2, x, 2, 0f, x, 2));
        Assert.Contains("negative dimension (m=-1", e.Message);
    }

    [NativeBlasTheory("openblas"), MemberData(nameof(Transposes))]
    public void OpenBlas_matches_float64_reference_on_one_and_two_threads(bool ta, bool tb)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var blas = NativeBlas.Load("openblas", threads);
            Assert.Equal(threads, blas.Threads);
            CheckAll(blas, ta, tb);
        }
    }

    [NativeBlasTheory("mkl"), MemberData(nameof(Transposes))]
    public void Mkl_matches_float64_reference_on_one_and_two_threads(bool ta, bool tb)
    {
        MklChildProbe.AssertSafe();
        foreach (int threads in new[] { 1, 2 })
        {
            var blas = NativeBlas.Load("mkl", threads);
            CheckAll(blas, ta, tb);
        }
    }
}
