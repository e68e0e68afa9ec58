// The BLAS seam: IBlas (row-major sgemm on the cblas_sgemm ABI) and the contract every provider keeps.
// Owns: the interface and argument validation shared by all providers.
// Must not: pick a provider (BlasResolver does) or hold global state; callers pass an IBlas in.
namespace Vae.Core.Numerics;

/// <summary>
/// Single-precision matrix product on row-major storage, the one numeric seam of the engine:
/// C[m, n] = alpha * op(A)[m, k] * op(B)[k, n] + beta * C[m, n], where op(X) is X or X^T.
/// </summary>
/// <remarks>
/// Shapes follow cblas_sgemm with CblasRowMajor: A is [m, k] (or [k, m] when transA) with row stride lda,
/// B is [k, n] (or [n, k] when transB) with row stride ldb, C is [m, n] with row stride ldc.
/// beta = 0 overwrites C (NaN in C does not propagate); beta = 1 accumulates (the backward passes rely on it).
/// </remarks>
public interface IBlas
{
    /// <summary>Short provider name: "mkl", "openblas" or "managed".</summary>
    string Name { get; }

    /// <summary>Number of threads the provider uses for one sgemm.</summary>
    int Threads { get; }

    /// <summary>One line for manifests and test logs: provider, version, threads, SIMD width, .NET version.</summary>
    string Describe();

    /// <summary>C = alpha * op(A) op(B) + beta * C (row-major).</summary>
    void Sgemm(bool transA, bool transB, int m, int n, int k,
               float alpha, ReadOnlySpan<float> a, int lda,
               ReadOnlySpan<float> b, int ldb,
               float beta, Span<float> c, int ldc);
}

/// <summary>Argument checks shared by all providers, so a bad call fails with the numbers, never deep inside.</summary>
public static class BlasChecks
{
    /// <summary>Throws ArgumentException naming the offending dimension if the spans cannot hold the operands.</summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k,
                                int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentException($"sgemm: negative dimension (m={m}, n={n}, k={k})");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols)) throw new ArgumentException($"sgemm: lda ({lda}) < columns of A ({aCols})");
        if (ldb < Math.Max(1, bCols)) throw new ArgumentException($"sgemm: ldb ({ldb}) < columns of B ({bCols})");
        if (ldc < Math.Max(1, n)) throw new ArgumentException($"sgemm: ldc ({ldc}) < columns of C ({n})");
        if (m == 0 || n == 0) return;
        if (k > 0 && NeedLength(aRows, aCols, lda) > aLength)
            throw new ArgumentException($"sgemm: A holds {aLength} floats, needs {NeedLength(aRows, aCols, lda)} ([{aRows}, {aCols}], lda={lda})");
        if (k > 0 && NeedLength(bRows, bCols, ldb) > bLength)
            throw new ArgumentException($"sgemm: B holds {bLength} floats, needs {NeedLength(bRows, bCols, ldb)} ([{bRows}, {bCols}], ldb={ldb})");
        if (NeedLength(m, n, ldc) > cLength)
            throw new ArgumentException($"sgemm: C holds {cLength} floats, needs {NeedLength(m, n, ldc)} ([{m}, {n}], ldc={ldc})");
    }

    static long NeedLength(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
}

/// <summary>The one Describe() format all providers share, so manifests and logs read alike.</summary>
public static class BlasDescription
{
    /// <summary>"blas=NAME (VERSION), threads=T, simd=Vector&lt;float&gt;xW Vector512=yes|no, .NET X[; NOTE]".</summary>
    public static string Format(string name, string version, int threads, string? note)
    {
        string simd = $"simd=Vector<float>x{System.Numerics.Vector<float>.Count} " +
                      $"Vector512={(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "yes" : "no")}";
        string s = $"blas={name} ({version}), threads={threads}, {simd}, .NET {Environment.Version}, " +
                   $"cpus={Environment.ProcessorCount}";
        return string.IsNullOrEmpty(note) ? s : $"{s}; {note}";
    }
}
