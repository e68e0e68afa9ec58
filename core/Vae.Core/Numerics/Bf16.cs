// bfloat16 numerics for `--precision bf16`: the Precision enum (one place), round-to-nearest-even fp32 -> bf16, and an
// emulated bf16 GEMM (inputs rounded to bf16, products and sums in fp32) that defines the numerics a bf16 GEMM with fp32
// accumulation must reproduce. Owns: those kernels and the emulated provider. Must not: load native code (OneDnn.cs)
// or decide which precision a run gets (PrecisionChoice.cs).
using System.Runtime.InteropServices;
using System.Buffers;
using System.Numerics;

namespace Vae.Core.Numerics;

/// <summary>Arithmetic of the GEMMs: fp32, or bf16 inputs with fp32 accumulation (parameters, optimizer state and
/// reductions stay fp32/fp64 either way).</summary>
public enum Precision { Fp32, Bf16 }

/// <summary>The precisions' command-line names (one place): fp32, bf16.</summary>
public static class Precisions
{
    public static readonly IReadOnlyList<string> Names = ["fp32", "bf16"];

    public static string Label(Precision p) => p == Precision.Bf16 ? "bf16" : "fp32";

    /// <summary>Parses a name; ArgumentException naming the value found and the names expected otherwise.</summary>
    public static Precision Parse(string s) => s?.Trim().ToLowerInvariant() switch
    {
        "fp32" => Precision.Fp32,
        "bf16" => Precision.Bf16,
        _ => throw new ArgumentException($"precision '{s}' is not one of: {string.Join(", ", Names)}"),
    };
}

/// <summary>fp32 -> bfloat16 rounding (round to nearest, ties to even; NaN stays NaN, overflow goes to infinity).</summary>
public static class Bf16
{
    /// <summary>The bf16 bit pattern of x (the upper 16 bits of the rounded fp32).</summary>
    public static ushort ToBits(float x)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        if ((u & 0x7FFFFFFF) > 0x7F800000) return (ushort)((u >> 16) | 0x40); // quiet NaN, sign kept
        return (ushort)((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
    }

    /// <summary>x rounded to the nearest bf16 value, as fp32 (exact: bf16 is fp32 with the low 16 bits zero).</summary>
    public static float Round(float x) => BitConverter.UInt32BitsToSingle((uint)ToBits(x) << 16);

    /// <summary>The fp32 value of a bf16 bit pattern.</summary>
    public static float FromBits(ushort b) => BitConverter.UInt32BitsToSingle((uint)b << 16);

    // Neither .NET 10's TensorPrimitives nor MathNet has an fp32 -> bf16 span conversion, hence this kernel (one pass,
    // generic over the vector width like SimdVector; the scalar ToBits above is its reference in the tests).

    /// <summary>dst[i] = Round(src[i]) (fp32 values with the low 16 bits cleared after rounding); dst may be src.</summary>
    public static void Round(ReadOnlySpan<float> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"dst holds {dst.Length} floats, {src.Length} needed");
        var s = MemoryMarshal.Cast<float, uint>(src);
        var d = MemoryMarshal.Cast<float, uint>(dst);
        int i = 0, w = Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i <= s.Length - w; i += w)
            {
                var u = new Vector<uint>(s.Slice(i));
                var rounded = (u + new Vector<uint>(0x7FFF) + ((u >> 16) & Vector<uint>.One)) & new Vector<uint>(0xFFFF0000);
                var nan = Vector.GreaterThan(u & new Vector<uint>(0x7FFFFFFF), new Vector<uint>(0x7F800000));
                Vector.ConditionalSelect(nan, (u | new Vector<uint>(0x400000)) & new Vector<uint>(0xFFFF0000), rounded).CopyTo(d.Slice(i));
            }
        for (; i < s.Length; i++) d[i] = (uint)ToBits(BitConverter.UInt32BitsToSingle(s[i])) << 16;
    }

    /// <summary>dst[i] = ToBits(src[i]): the packed bf16 operand a native bf16 GEMM reads.</summary>
    public static void ToBits(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"dst holds {dst.Length} values, {src.Length} needed");
        var s = MemoryMarshal.Cast<float, uint>(src);
        int i = 0, w = Vector<uint>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; i <= s.Length - 2 * w; i += 2 * w)
            {
                var lo = Bits(new Vector<uint>(s.Slice(i)));
                var hi = Bits(new Vector<uint>(s.Slice(i + w)));
                Vector.Narrow(lo, hi).CopyTo(dst.Slice(i));
            }
        for (; i < s.Length; i++) dst[i] = ToBits(BitConverter.UInt32BitsToSingle(s[i]));

        static Vector<uint> Bits(Vector<uint> u)
        {
            var rounded = (u + new Vector<uint>(0x7FFF) + ((u >> 16) & Vector<uint>.One)) >> 16;
            var nan = Vector.GreaterThan(u & new Vector<uint>(0x7FFFFFFF), new Vector<uint>(0x7F800000));
            return Vector.ConditionalSelect(nan, (u >> 16) | new Vector<uint>(0x40), rounded);
        }
    }
}

/// <summary>
/// bf16 GEMM by emulation: op(A) and op(B) rounded to bf16 (round to nearest even), then the wrapped fp32 provider's
/// sgemm. A product of two bf16 values (8-bit significands) is exact in fp32, so this is "bf16 inputs, fp32 accumulate"
/// exactly, up to the inner provider's summation order: the numerics a native bf16 GEMM (oneDNN's
/// avx512_core_bf16 kernels, PyTorch's autocast) must reproduce, on any CPU. Slower than fp32 (one rounding pass per
/// operand per call); scratch comes from the shared array pool, so steady-state calls allocate nothing.
/// </summary>
public sealed class Bf16EmulatedBlas(IBlas inner) : IBlas, IDisposable
{
    public IBlas Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));
    public string Name => Inner.Name;
    public int Threads => Inner.Threads;
    public string Describe() => Inner.Describe();

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        BlasChecks.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0 || k == 0) { Inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
        int aLen = Used(transA ? k : m, transA ? m : k, lda), bLen = Used(transB ? n : k, transB ? k : n, ldb);
        float[] ra = ArrayPool<float>.Shared.Rent(aLen), rb = ArrayPool<float>.Shared.Rent(bLen);
        try
        {
            Bf16.Round(a.Slice(0, aLen), ra); Bf16.Round(b.Slice(0, bLen), rb);
            Inner.Sgemm(transA, transB, m, n, k, alpha, ra.AsSpan(0, aLen), lda, rb.AsSpan(0, bLen), ldb, beta, c, ldc);
        }
        finally { ArrayPool<float>.Shared.Return(ra); ArrayPool<float>.Shared.Return(rb); }
    }

    static int Used(int rows, int cols, int ld) => (rows - 1) * ld + cols;

    public void Dispose() => (Inner as IDisposable)?.Dispose();
}
