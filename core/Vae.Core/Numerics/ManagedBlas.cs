// Managed sgemm: the fallback provider that needs no native library, and the reference the native ones are verified against.
// Owns: a correct, allocation-free, SIMD sgemm (row-major, all transposes).
// Must not: load native code or choose providers.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Vae.Core.Numerics;

/// <summary>Managed single-precision GEMM (Vector&lt;float&gt;), used when no native BLAS is available.</summary>
public sealed class ManagedBlas : IBlas
{
    /// <summary>Creates the provider with a thread count (1 = single-threaded).</summary>
    public ManagedBlas(int threads = 1) { Threads = Math.Max(1, threads); }

    public string Name => "managed";
    public int Threads { get; }

    public string Describe() =>
        $"managed (Vector<float> x{Vector<float>.Count}), threads={Threads}, .NET {Environment.Version}";

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        {
            Span<float> ci = c.Slice(i * ldc, n);
            if (beta == 0f) ci.Clear();
            else if (beta != 1f) for (int j = 0; j < n; j++) ci[j] *= beta;
            if (k == 0 || alpha == 0f) continue;
            if (!transB)
            {
                // C[i, :] += alpha * A[i, p] * B[p, :]: contiguous rows of B, vectorised over j.
                for (int p = 0; p < k; p++)
                {
                    float aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    if (aip == 0f) continue;
                    Axpy(aip, b.Slice(p * ldb, n), ci);
                }
            }
            else
            {
                // C[i, j] += alpha * dot(A[i, :], B[j, :]): B^T rows are contiguous.
                for (int j = 0; j < n; j++)
                {
                    float s;
                    if (!transA) s = Dot(a.Slice(i * lda, k), b.Slice(j * ldb, k));
                    else { s = 0f; for (int p = 0; p < k; p++) s += a[p * lda + i] * b[j * ldb + p]; }
                    ci[j] += alpha * s;
                }
            }
        }
    }

    static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        int j = 0, w = Vector<float>.Count;
        var va = new Vector<float>(alpha);
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        for (int v = 0; v < xv.Length; v++) yv[v] += va * xv[v];
        j = xv.Length * w;
        for (; j < x.Length; j++) y[j] += alpha * x[j];
    }

    static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var yv = MemoryMarshal.Cast<float, Vector<float>>(y);
        var acc = Vector<float>.Zero;
        for (int v = 0; v < xv.Length; v++) acc += xv[v] * yv[v];
        float s = Vector.Sum(acc);
        for (int j = xv.Length * Vector<float>.Count; j < x.Length; j++) s += x[j] * y[j];
        return s;
    }
}
