// `--precision bf16` (issue 11): round-to-nearest-even to bf16, bf16 GEMM error bounds against float64 (the emulation
// everywhere; oneDNN's native bf16 matmul where the CPU has it; oneDNN's fp32 matmul, the same code path, everywhere),
// the fp32 fallback label, parsing errors, zero allocation per call, and a short bf16 training run against fp32.
using Vae.Cli;

namespace Vae.Tests.Numerics;

public class Bf16Tests
{
    const double U = 1.0 / 512;   // unit roundoff of bf16 (8-bit significand, round to nearest): 2^-9
    const double U32 = 1.0 / (1 << 24);

    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(-2.0f, 0xC000)]
    [InlineData(0f, 0x0000)]
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.MaxValue, 0x7F80)]              // rounds up past the largest bf16: infinity
    [InlineData(3.0e38f, 0x7F62)]
    public void Rounding_is_to_nearest_bf16(float x, int bits) => Assert.Equal(bits, Bf16.ToBits(x));

    [Fact]
    public void Ties_go_to_even_and_nan_stays_nan()
    {
        Assert.Equal(0x3F80, Bf16.ToBits(BitConverter.UInt32BitsToSingle(0x3F808000))); // 1 + 2^-8: tie, even below
        Assert.Equal(0x3F82, Bf16.ToBits(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie, odd below: up
        Assert.Equal(0x3F81, Bf16.ToBits(BitConverter.UInt32BitsToSingle(0x3F808001))); // just above the tie: up
        Assert.True(float.IsNaN(Bf16.Round(float.NaN)));
        Assert.True(float.IsNaN(Bf16.Round(BitConverter.UInt32BitsToSingle(0x7F800001)))); // NaN whose payload would round to inf
    }

    [Fact]
    public void The_vector_kernels_equal_the_scalar_rounding()
    {
        var rng = new Rng(7, RngStream.Init);
        var x = new float[1037];
        rng.FillUniform(x, -3f, 3f);
        x[5] = float.NaN; x[6] = float.PositiveInfinity; x[7] = float.MaxValue; x[8] = -0f;
        x[9] = BitConverter.UInt32BitsToSingle(0x3F808000); x[10] = BitConverter.UInt32BitsToSingle(0x7F800001);
        var r = new float[x.Length]; var bits = new ushort[x.Length];
        Bf16.Round(x, r); Bf16.ToBits(x, bits);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Bf16.ToBits(x[i]), bits[i]);
            Assert.Equal(BitConverter.SingleToUInt32Bits(Bf16.Round(x[i])), BitConverter.SingleToUInt32Bits(r[i]));
        }
    }

    static readonly (int M, int N, int K, bool TA, bool TB)[] Shapes =
        [(13, 37, 29, false, false), (13, 37, 29, true, true), (100, 500, 784, false, false), (100, 784, 500, false, true),
         (784, 500, 100, true, false), (96, 160, 128, true, false)];

    /// <summary>Max over C of |C - exact| / bound, with bound = (2u + u^2 + 1.01 k u32) sum_p |a_p b_p| + beta-term rounding.</summary>
    static double WorstRatio(IBlas blas, bool roundedReference, out double worstRelative)
    {
        var rng = new Rng(20131220, RngStream.Init);
        double worst = 0; worstRelative = 0;
        foreach (var (m, n, k, ta, tb) in Shapes)
        {
            int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
            float[] a = new float[(ta ? k : m) * lda], b = new float[(tb ? n : k) * ldb], c = new float[m * ldc];
            rng.FillUniform(a, -1f, 1f); rng.FillUniform(b, -1f, 1f); rng.FillUniform(c, -1f, 1f);
            var c0 = (float[])c.Clone();
            const float alpha = 0.75f, beta = 0.5f;
            blas.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0, abs = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double x = ta ? a[p * lda + i] : a[i * lda + p], y = tb ? b[j * ldb + p] : b[p * ldb + j];
                        if (roundedReference) { x = Bf16.Round((float)x); y = Bf16.Round((float)y); }
                        s += x * y; abs += Math.Abs(x * y);
                    }
                    double exact = alpha * s + beta * (double)c0[i * ldc + j], err = Math.Abs(c[i * ldc + j] - exact);
                    double input = roundedReference ? 0 : 2 * U + U * U;
                    double bound = alpha * abs * (input + 1.01 * (k + 2) * U32) + Math.Abs(beta * c0[i * ldc + j]) * 2 * U32 + 1e-30;
                    worst = Math.Max(worst, err / bound);
                    worstRelative = Math.Max(worstRelative, err / (alpha * abs + 1e-30));
                }
        }
        return worst;
    }

    [Fact]
    public void Emulated_bf16_gemm_is_the_fp32_product_of_rounded_inputs_within_the_bf16_bound_of_float64()
    {
        var blas = new Bf16EmulatedBlas(new ManagedBlas(1));
        // Against float64 on the bf16-rounded inputs: only fp32 accumulation error remains.
        Assert.True(WorstRatio(blas, roundedReference: true, out _) <= 1, "emulated bf16 GEMM vs float64 of rounded inputs");
        // Against float64 on the original inputs: within the bf16 input-rounding bound, and measurably bf16 (a GEMM
        // that did not round its inputs would stay near fp32's 1e-7 relative error).
        Assert.True(WorstRatio(blas, roundedReference: false, out double rel) <= 1, "emulated bf16 GEMM vs float64");
        Assert.True(rel > 1e-4, $"worst relative error {rel:G3}: the inputs were not rounded to bf16");
    }

    [Fact]
    public void OneDnn_fp32_matmul_passes_the_providers_verification_and_bf16_runs_natively_where_the_cpu_has_it()
    {
        Assert.True(OneDnnLibrary.Instance.Value is not null, $"oneDNN (libdnnl2) must be installed by scripts/setup.sh: {OneDnnLibrary.LoadError}");
        // fp32 through the same primitive cache, packing, alpha (output scale) and beta (sum post-op) as bf16.
        using (var f32 = new OneDnnBlas(bf16: false, threads: 2)) Assert.Null(BlasResolver.Verify(f32));
        var support = Bf16Support.Probe();
        if (Bf16Support.CpuHasBf16())
        {
            Assert.True(support.Available, support.Why);
            using var bf16 = new OneDnnBlas(bf16: true, threads: 2);
            Assert.True(WorstRatio(bf16, roundedReference: true, out _) <= 1, $"oneDNN bf16 ({bf16.Implementation}) vs float64 of rounded inputs");
        }
        else
        {
            Assert.False(support.Available);
            Assert.Equal("CPU lacks AVX512_BF16", support.Why);
            // Past the CPU check, oneDNN 2.6 itself refuses a bf16 matmul without bf16 instructions (no reference path).
            var forced = Bf16Support.Probe(cpuHasBf16: () => true);
            Assert.False(forced.Available);
            Assert.Contains("bf16", forced.Why);
        }
    }

    [Fact]
    public void Bf16_on_a_cpu_without_it_runs_fp32_and_says_so()
    {
        Func<string, string?> noEnv = _ => null;
        var fp32 = new ManagedBlas(1);
        var blas = (PrecisionBlas)PrecisionBlas.Apply(fp32, Precision.Bf16, noEnv, () => new Bf16Support(false, "CPU lacks AVX512_BF16", null));
        Assert.Equal("bf16 requested; CPU lacks AVX512_BF16; ran fp32", blas.Label);
        Assert.Equal("fp32", blas.Ran);
        Assert.EndsWith("precision: bf16 requested; CPU lacks AVX512_BF16; ran fp32", blas.Describe());
        Assert.Same(fp32, PrecisionBlas.Apply(fp32, Precision.Fp32, noEnv, () => throw new InvalidOperationException("not probed for fp32")));
        var emu = (PrecisionBlas)PrecisionBlas.Apply(fp32, Precision.Bf16, v => v == Bf16Support.Variable ? "emulate" : null, () => throw new InvalidOperationException());
        Assert.IsType<Bf16EmulatedBlas>(emu.Inner);
        Assert.Contains("emulated", emu.Describe());
        var bad = Assert.Throws<ArgumentException>(() => PrecisionBlas.Apply(fp32, Precision.Bf16, v => v == Bf16Support.Variable ? "fast" : null, () => null!));
        Assert.Contains("VAE_BF16='fast'", bad.Message);
        if (!Bf16Support.CpuHasBf16()) // the real resolver on this machine: the same words reach every manifest and log
            Assert.EndsWith("precision: bf16 requested; CPU lacks AVX512_BF16; ran fp32",
                            BlasResolver.Create(new BlasOptions("managed", 1, Precision.Bf16), noEnv).Describe());
    }

    [Fact]
    public void The_precision_option_parses_and_refuses_other_values()
    {
        Assert.Equal(Precision.Fp32, TrainCli.ParseRequest([]).Precision);
        Assert.Equal(Precision.Bf16, TrainCli.ParseRequest(["--precision", "BF16"]).Precision);
        var e = Assert.Throws<UsageException>(() => TrainCli.ParseRequest(["--precision", "fp16"]));
        Assert.Contains("--precision: 'fp16' is not one of fp32, bf16", e.Message);
        var parse = Assert.Throws<ArgumentException>(() => Precisions.Parse("half"));
        Assert.Contains("precision 'half' is not one of: fp32, bf16", parse.Message);
    }

    [Fact]
    public void Bf16_gemms_allocate_nothing_per_call_in_steady_state()
    {
        var emu = new Bf16EmulatedBlas(new ManagedBlas(1));
        using var dnn = OneDnnLibrary.Instance.Value is null ? null : new OneDnnBlas(bf16: false, threads: 1);
        var a = new float[784 * 500]; var b = new float[784 * 500]; var c = new float[784 * 500];
        IBlas[] providers = dnn is null ? [emu] : [emu, dnn];
        void Round()
        {
            foreach (IBlas blas in providers)
            {
                blas.Sgemm(false, false, 100, 500, 784, 1f, a, 784, b, 500, 0f, c, 500);
                blas.Sgemm(true, false, 784, 500, 100, 1f, a, 784, b, 500, 1f, c, 500);
                blas.Sgemm(false, true, 100, 784, 500, 1f, a, 500, b, 500, 1f, c, 784);
            }
        }
        Round(); Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) Round();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_short_bf16_training_run_ends_within_a_tenth_of_a_nat_of_fp32()
    {
        // 400 Adam steps on binary data from 4 prototypes (D = 64, 5 % flips), same seeds; only the GEMM arithmetic differs.
        const int n = 500, d = 64, m = 50, steps = 400;
        var spec = new ModelSpec { D = d, Dz = 4, EncoderHidden = [32], DecoderHidden = [32] };
        var rng = new Rng(1, RngStream.Split);
        var protos = new float[4 * d]; var x = new float[n * d];
        for (int i = 0; i < protos.Length; i++) protos[i] = rng.NextDouble() < 0.5 ? 1 : 0;
        for (int i = 0; i < n; i++)
        {
            int p = rng.NextInt(4);
            for (int j = 0; j < d; j++) x[i * d + j] = rng.NextDouble() < 0.05 ? 1 - protos[p * d + j] : protos[p * d + j];
        }
        double Train(IBlas blas, ulong seed)
        {
            var unit = new TrainingStep(spec, blas, Estimator.B, m, 1, new OptimizerOptions { LearningRate = 3e-3 }, n, new Rng(seed, RngStream.Noise));
            unit.Parameters.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(seed, RngStream.Init));
            for (int s = 0; s < steps; s++) unit.Step(x.AsSpan((s * m) % n * d, m * d));
            var eps = new float[n * spec.Dz];
            new Rng(4, RngStream.Eval).FillNormal(eps);
            return new Sgvb(spec, new ManagedBlas(), n, 1).Forward(unit.Parameters.Data, x, n, eps, 1, Estimator.B, prepareBackward: false);
        }
        double fp32 = Train(new ManagedBlas(), 3), bf16 = Train(new Bf16EmulatedBlas(new ManagedBlas()), 3);
        double otherSeed = Train(new ManagedBlas(), 5);
        Assert.True(fp32 > -30, $"fp32 run did not learn: ELBO {fp32:F3}");
        Assert.True(Math.Abs(bf16 - fp32) <= 0.1, $"bf16 ELBO {bf16:F3} vs fp32 {fp32:F3} (another fp32 seed: {otherSeed:F3})");
    }
}
