// The single-thread heart of ManagedBlas: cache blocking, packing of A and B panels, and the SIMD micro-kernels.
// Owns: computing one rectangular block C[i0:i1, j0:j1] with caller-provided pack buffers (no allocation here).
// Must not: start threads, allocate, or validate arguments (ManagedBlas does both before calling in).
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vae.Core.Numerics;

/// <summary>Which micro-kernel ManagedBlas runs: 8x32 on Vector512, or 6x16 on Vector256 (16 registers suffice).</summary>
internal enum ManagedKernel { Auto, Vector512, Vector256 }

/// <summary>One sgemm call's operands as raw pointers; valid only while the caller keeps them pinned.</summary>
internal unsafe struct GemmJob
{
    public bool TransA, TransB;
    public int M, N, K, Lda, Ldb, Ldc;
    public float Alpha, Beta;
    public float* A, B, C;
}

/// <summary>Per-thread pack buffers, allocated once on the pinned heap and 64-byte aligned.</summary>
internal sealed unsafe class PackBuffers
{
    public const int KcMax = 256;   // depth of one packed block: an 8 x 256 A panel (8 KiB) stays in L1
    public const int NcMax = 512;   // width of one packed B block: 256 x 512 floats = 512 KiB, half of a Zen 4 L2
    public const int MrMax = 8, NrMax = 32;

    readonly float[] _a = GC.AllocateUninitializedArray<float>(MrMax * KcMax + 16, pinned: true);   // [MR, kc] panel, p-major
    readonly float[] _b = GC.AllocateUninitializedArray<float>(KcMax * NcMax + 16, pinned: true);   // [nc/NR][kc, NR] panels
    readonly float[] _tile = GC.AllocateUninitializedArray<float>(MrMax * NrMax + 16, pinned: true); // [MR, NR] edge tile

    public float* A => Align(_a);
    public float* B => Align(_b);
    public float* Tile => Align(_tile);

    static float* Align(float[] x)
    {
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(x));
        return (float*)((p + 63) & ~(nint)63);
    }

    [ThreadStatic] static PackBuffers? t_current;

    /// <summary>This thread's buffers (created on the thread's first call, then reused forever).</summary>
    public static PackBuffers ForCurrentThread => t_current ??= new PackBuffers();
}

[SkipLocalsInit]
internal static unsafe class ManagedGemmKernels
{
    public static int Mr(ManagedKernel k) => k == ManagedKernel.Vector512 ? 8 : 6;
    public static int Nr(ManagedKernel k) => k == ManagedKernel.Vector512 ? 32 : 16;

    /// <summary>Depth of one packed block for a product of depth k: balanced (784 -> 4 x 196, not 3 x 256 + 16). Each C
    /// element is summed from +0 over one block in ascending k, then stored (first block) or added to C: BinaryRows
    /// reproduces this order exactly.</summary>
    public static int DepthStep(int k)
    {
        int blocks = (k + PackBuffers.KcMax - 1) / PackBuffers.KcMax;
        return (k + blocks - 1) / blocks;
    }

    /// <summary>C[i0:i1, j0:j1] = alpha op(A) op(B) + beta C on that block; k > 0 and alpha != 0 (caller handles the rest).</summary>
    public static void Block(in GemmJob g, int i0, int i1, int j0, int j1, ManagedKernel kernel, PackBuffers buf)
    {
        int mrFull = Mr(kernel), nrFull = Nr(kernel);
        int kcStep = DepthStep(g.K);
        float* pa = buf.A, pb = buf.B, tile = buf.Tile;
        for (int jc = j0; jc < j1; jc += PackBuffers.NcMax)
        {
            int nc = Math.Min(PackBuffers.NcMax, j1 - jc);
            for (int pc = 0; pc < g.K; pc += kcStep)
            {
                int kc = Math.Min(kcStep, g.K - pc);
                float beta = pc == 0 ? g.Beta : 1f;             // later depth blocks accumulate onto the first
                PackB(g, pc, kc, jc, nc, nrFull, pb);
                for (int ic = i0; ic < i1; ic += mrFull)
                {
                    int mr = Math.Min(mrFull, i1 - ic);
                    PackA(g, ic, mr, mrFull, pc, kc, pa);
                    for (int jr = 0; jr < nc; jr += nrFull)
                    {
                        int nr = Math.Min(nrFull, nc - jr);
                        float* c = g.C + (long)ic * g.Ldc + jc + jr;
                        float* bPanel = pb + (long)(jr / nrFull) * kc * nrFull;
                        if (kernel == ManagedKernel.Vector512) Kernel8x32(kc, pa, bPanel, c, g.Ldc, beta, mr, nr, tile);
                        else Kernel6x16(kc, pa, bPanel, c, g.Ldc, beta, mr, nr, tile);
                    }
                }
            }
        }
    }

    // ---- packing -------------------------------------------------------------------------------------------

    /// <summary>Packs alpha * op(A)[ic:ic+mr, pc:pc+kc] as dst[p * MR + i], zero rows beyond mr.</summary>
    static void PackA(in GemmJob g, int ic, int mr, int mrFull, int pc, int kc, float* dst)
    {
        float alpha = g.Alpha;
        if (g.TransA)
        {
            // op(A)(i, p) = A[pc + p, ic + i]: MR contiguous floats per p.
            float* src = g.A + (long)pc * g.Lda + ic;
            if (mr == 8 && mrFull == 8)
            {
                var va = Vector256.Create(alpha);
                for (int p = 0; p < kc; p++) (Vector256.Load(src + (long)p * g.Lda) * va).Store(dst + p * 8);
                return;
            }
            for (int p = 0; p < kc; p++)
            {
                float* s = src + (long)p * g.Lda; float* d = dst + p * mrFull;
                int i = 0;
                for (; i < mr; i++) d[i] = alpha * s[i];
                for (; i < mrFull; i++) d[i] = 0f;
            }
            return;
        }
        // op(A)(i, p) = A[ic + i, pc + p]: rows contiguous in p, so packing is a transpose.
        float* a0 = g.A + (long)ic * g.Lda + pc;
        int p0 = 0;
        if (mr == 8 && mrFull == 8 && Avx.IsSupported)
            for (; p0 + 8 <= kc; p0 += 8) Transpose8x8(a0 + p0, g.Lda, dst + p0 * 8, 8, alpha);
        for (int p = p0; p < kc; p++)
        {
            float* d = dst + p * mrFull;
            int i = 0;
            for (; i < mr; i++) d[i] = alpha * a0[(long)i * g.Lda + p];
            for (; i < mrFull; i++) d[i] = 0f;
        }
    }

    /// <summary>Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-wide panels dst[q][p * NR + j], zero columns beyond nc.</summary>
    static void PackB(in GemmJob g, int pc, int kc, int jc, int nc, int nrFull, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nrFull, dst += (long)kc * nrFull)
        {
            int nr = Math.Min(nrFull, nc - jr), j = jc + jr;
            if (!g.TransB)
            {
                // op(B)(p, j) = B[pc + p, j]: rows contiguous in j.
                float* src = g.B + (long)pc * g.Ldb + j;
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (long)p * g.Ldb; float* d = dst + p * nrFull;
                    int t = 0;
                    for (; t + 8 <= nr; t += 8) Vector256.Load(s + t).Store(d + t);
                    for (; t < nr; t++) d[t] = s[t];
                    for (; t < nrFull; t++) d[t] = 0f;
                }
                continue;
            }
            // op(B)(p, j) = B[j, pc + p]: stored rows are columns of op(B), so packing is a transpose.
            float* b0 = g.B + (long)j * g.Ldb + pc;
            int full8 = Avx.IsSupported ? nr & ~7 : 0, p0 = 0;
            if (full8 > 0)
                for (; p0 + 8 <= kc; p0 += 8)
                {
                    for (int jj = 0; jj < full8; jj += 8) Transpose8x8(b0 + (long)jj * g.Ldb + p0, g.Ldb, dst + p0 * nrFull + jj, nrFull, 1f);
                    for (int p = p0; p < p0 + 8; p++) PackBTransScalar(b0, g.Ldb, p, full8, nr, nrFull, dst);
                }
            for (int p = p0; p < kc; p++) PackBTransScalar(b0, g.Ldb, p, 0, nr, nrFull, dst);
        }
    }

    static void PackBTransScalar(float* b0, int ldb, int p, int jFrom, int nr, int nrFull, float* dst)
    {
        float* d = dst + p * nrFull;
        int jj = jFrom;
        for (; jj < nr; jj++) d[jj] = b0[(long)jj * ldb + p];
        for (; jj < nrFull; jj++) d[jj] = 0f;
    }

    /// <summary>dst[t * dstStride + r] = scale * src[r * ld + t] for an 8 x 8 block (AVX shuffles, no gathers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose8x8(float* src, int ld, float* dst, int dstStride, float scale)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2L * ld); var r3 = Avx.LoadVector256(src + 3L * ld);
        var r4 = Avx.LoadVector256(src + 4L * ld); var r5 = Avx.LoadVector256(src + 5L * ld);
        var r6 = Avx.LoadVector256(src + 6L * ld); var r7 = Avx.LoadVector256(src + 7L * ld);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        var s = Vector256.Create(scale);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20) * s);
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20) * s);
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20) * s);
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20) * s);
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31) * s);
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31) * s);
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31) * s);
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31) * s);
    }

    // ---- micro-kernels -------------------------------------------------------------------------------------
    // Each holds an MR x NR tile of C in registers over the whole depth kc, then writes it once with beta.
    // Partial tiles (mr < MR or nr < NR) compute on zero-padded panels and write through the tile buffer.

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float beta, int mr, int nr, float* tile)
    {
        if (nr <= 16) { Kernel8x16(kc, a, b, c, ldc, beta, mr, nr, tile); return; }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
                         c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++, a += 8, b += 32)
        {
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }
        bool direct = mr == 8 && nr == 32;
        float* t = direct ? c : tile; int ldt = direct ? ldc : 32; float bt = direct ? beta : 0f;
        Put(t, c00, bt); Put(t + 16, c01, bt); t += ldt; Put(t, c10, bt); Put(t + 16, c11, bt); t += ldt;
        Put(t, c20, bt); Put(t + 16, c21, bt); t += ldt; Put(t, c30, bt); Put(t + 16, c31, bt); t += ldt;
        Put(t, c40, bt); Put(t + 16, c41, bt); t += ldt; Put(t, c50, bt); Put(t + 16, c51, bt); t += ldt;
        Put(t, c60, bt); Put(t + 16, c61, bt); t += ldt; Put(t, c70, bt); Put(t + 16, c71, bt);
        if (!direct) WriteEdge(tile, 32, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel8x16(int kc, float* a, float* b, float* c, int ldc, float beta, int mr, int nr, float* tile)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int p = 0; p < kc; p++, a += 8, b += 32)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0); c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2); c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4); c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6); c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
        }
        bool direct = mr == 8 && nr == 16;
        float* t = direct ? c : tile; int ldt = direct ? ldc : 32; float bt = direct ? beta : 0f;
        Put(t, c0, bt); t += ldt; Put(t, c1, bt); t += ldt; Put(t, c2, bt); t += ldt; Put(t, c3, bt); t += ldt;
        Put(t, c4, bt); t += ldt; Put(t, c5, bt); t += ldt; Put(t, c6, bt); t += ldt; Put(t, c7, bt);
        if (!direct) WriteEdge(tile, 32, c, ldc, beta, mr, nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float beta, int mr, int nr, float* tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
                         c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += 6, b += 16)
        {
            var b0 = Vector256.Load(b); var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        bool direct = mr == 6 && nr == 16;
        float* t = direct ? c : tile; int ldt = direct ? ldc : 16; float bt = direct ? beta : 0f;
        Put(t, c00, bt); Put(t + 8, c01, bt); t += ldt; Put(t, c10, bt); Put(t + 8, c11, bt); t += ldt;
        Put(t, c20, bt); Put(t + 8, c21, bt); t += ldt; Put(t, c30, bt); Put(t + 8, c31, bt); t += ldt;
        Put(t, c40, bt); Put(t + 8, c41, bt); t += ldt; Put(t, c50, bt); Put(t + 8, c51, bt);
        if (!direct) WriteEdge(tile, 16, c, ldc, beta, mr, nr);
    }

    /// <summary>dst = acc (beta 0: NaN in dst must not survive), dst += acc (beta 1), or dst = beta dst + acc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(float* dst, Vector512<float> acc, float beta)
    {
        if (beta == 0f) acc.Store(dst);
        else if (beta == 1f) (Vector512.Load(dst) + acc).Store(dst);
        else Vector512.FusedMultiplyAdd(Vector512.Load(dst), Vector512.Create(beta), acc).Store(dst);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Put(float* dst, Vector256<float> acc, float beta)
    {
        if (beta == 0f) acc.Store(dst);
        else if (beta == 1f) (Vector256.Load(dst) + acc).Store(dst);
        else Vector256.FusedMultiplyAdd(Vector256.Load(dst), Vector256.Create(beta), acc).Store(dst);
    }

    static void WriteEdge(float* tile, int ldt, float* c, int ldc, float beta, int mr, int nr)
    {
        int nr8 = nr & ~7;
        for (int i = 0; i < mr; i++)
        {
            float* ci = c + (long)i * ldc, ti = tile + i * ldt;
            for (int j = 0; j < nr8; j += 8) Put(ci + j, Vector256.Load(ti + j), beta);
            if (beta == 0f) for (int j = nr8; j < nr; j++) ci[j] = ti[j];
            else if (beta == 1f) for (int j = nr8; j < nr; j++) ci[j] += ti[j];
            else for (int j = nr8; j < nr; j++) ci[j] = MathF.FusedMultiplyAdd(beta, ci[j], ti[j]);
        }
    }
}
