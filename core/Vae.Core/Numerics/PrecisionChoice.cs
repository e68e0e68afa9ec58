// Which arithmetic a run's GEMMs get for a requested Precision: bf16 through oneDNN where the CPU has bf16 instructions
// and oneDNN offers a bf16 matmul for them, else fp32 with a label saying why (never silently); VAE_BF16=emulate runs
// the bf16-rounding emulation instead (slow; for accuracy checks on CPUs without bf16).
// Owns: the bf16 support probe (cpuid + oneDNN) and the labelled provider. Must not: pick the fp32 provider (BlasResolver).
using System.Runtime.Intrinsics.X86;

namespace Vae.Core.Numerics;

/// <summary>Can bf16 GEMMs run natively here, and if not, why not (the words the fallback label uses).</summary>
public sealed record Bf16Support(bool Available, string Why, string? Implementation)
{
    /// <summary>Environment variable: "emulate" runs `--precision bf16` by bf16 rounding on the fp32 provider.</summary>
    public const string Variable = "VAE_BF16";

    /// <summary>True when the CPU reports AVX512_BF16 (cpuid leaf 7.1 EAX bit 5) or AMX-BF16 (leaf 7.0 EDX bit 22).</summary>
    public static bool CpuHasBf16()
    {
        if (!X86Base.IsSupported || X86Base.CpuId(0, 0).Eax < 7) return false;
        return (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0 || (X86Base.CpuId(7, 0).Edx & (1 << 22)) != 0;
    }

    /// <summary>The probe: the CPU flag first, then whether oneDNN loads and builds a bf16 matmul (and which kernel it
    /// picked: a reference kernel is not a fast path and counts as unavailable). <paramref name="cpuHasBf16"/>: test hook.</summary>
    public static Bf16Support Probe(Func<bool>? cpuHasBf16 = null)
    {
        if (!(cpuHasBf16 ?? CpuHasBf16)()) return new(false, "CPU lacks AVX512_BF16", null);
        OneDnnBlas blas;
        try { blas = new OneDnnBlas(bf16: true, threads: 1); }
        catch (BlasUnavailableException e) { return new(false, $"oneDNN unavailable ({e.Message})", null); }
        using (blas)
        {
            string impl;
            try { impl = blas.Implementation; }
            catch (BlasUnavailableException e) { return new(false, $"oneDNN {blas.Version} has no bf16 matmul here: {e.Message}", null); }
            if (impl.StartsWith("ref", StringComparison.Ordinal))
                return new(false, $"oneDNN {blas.Version} offers only its reference bf16 matmul ({impl}) here", impl);
            return new(true, $"oneDNN {blas.Version} {impl}", impl);
        }
    }
}

/// <summary>An IBlas that carries the precision label: what was requested, what ran, and why (Describe appends it, so
/// every manifest and log states it). Sgemm goes to the provider that does the arithmetic.</summary>
public sealed class PrecisionBlas : IBlas, IDisposable
{
    PrecisionBlas(IBlas inner, Precision requested, string ran, string label) =>
        (Inner, Requested, Ran, Label) = (inner, requested, ran, label);

    /// <summary>The provider that computes: fp32 (the resolver's choice), OneDnnBlas (bf16) or Bf16EmulatedBlas.</summary>
    public IBlas Inner { get; }
    public Precision Requested { get; }
    /// <summary>"fp32", "bf16" (native, oneDNN) or "bf16-emulated".</summary>
    public string Ran { get; }
    /// <summary>e.g. "bf16 requested; CPU lacks AVX512_BF16; ran fp32".</summary>
    public string Label { get; }

    public string Name => Inner.Name;
    public int Threads => Inner.Threads;
    public string Describe() => $"{Inner.Describe()}; precision: {Label}";

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                      ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc) =>
        Inner.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Dispose() => (Inner as IDisposable)?.Dispose();

    /// <summary>The same labels over another computing provider (a copy with other threads).</summary>
    internal PrecisionBlas With(IBlas inner) => new(inner, Requested, Ran, Label);

    /// <summary>
    /// The provider for <paramref name="requested"/>: fp32 returns <paramref name="fp32"/> as it is; bf16 returns oneDNN's
    /// bf16 matmul when <paramref name="support"/> says it is available (fp32 is then disposed), the emulation when
    /// VAE_BF16=emulate, else <paramref name="fp32"/> labelled "bf16 requested; WHY; ran fp32".
    /// </summary>
    public static IBlas Apply(IBlas fp32, Precision requested, Func<string, string?> environment, Func<Bf16Support> support)
    {
        if (requested == Precision.Fp32) return fp32;
        string? mode = environment(Bf16Support.Variable)?.Trim().ToLowerInvariant();
        if (mode is { Length: > 0 } && mode != "emulate" && mode != "auto")
            throw new ArgumentException($"{Bf16Support.Variable}='{mode}' is not one of: auto, emulate");
        if (mode == "emulate")
            return new PrecisionBlas(new Bf16EmulatedBlas(fp32), requested, "bf16-emulated",
                $"bf16 requested; emulated ({Bf16Support.Variable}=emulate: inputs rounded to bf16, fp32 GEMM on {fp32.Name}; slower than fp32)");
        var s = support();
        if (!s.Available) return new PrecisionBlas(fp32, requested, "fp32", $"bf16 requested; {s.Why}; ran fp32");
        var bf16 = new OneDnnBlas(bf16: true, fp32.Threads);
        (fp32 as IDisposable)?.Dispose();
        return new PrecisionBlas(bf16, requested, "bf16", $"bf16 ({s.Why}, fp32 accumulation, fp32 master weights)");
    }
}
