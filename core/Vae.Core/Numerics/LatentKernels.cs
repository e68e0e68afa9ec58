// Flat vectorised kernels of the diagonal-Gaussian latent layer: sigma = exp(LogVar / 2), z = mu + sigma * eps, the
// closed-form KL terms (in double), and the reparameterisation backward. Owns: loops over [M, Dz] blocks.
// Must not: draw noise, sum per datapoint into estimators (Sgvb does) or know about layers.
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Vae.Core.Numerics;

/// <summary>Allocation-free kernels on the latent layer's flat [M, Dz] (or [L, M, Dz], sample-major) buffers.</summary>
public static class LatentKernels
{
    /// <summary>sigma = exp(logVar / 2) and z[l] = mu + sigma * eps[l] for l &lt; L. mu, logVar, sigma: [M*Dz]; eps, z: [L, M*Dz].</summary>
    public static void Reparameterize(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, ReadOnlySpan<float> eps, int l,
                                      Span<float> sigma, Span<float> z)
    {
        int n = mu.Length;
        CheckShapes("reparameterize", l, ("mu", n), ("logVar", logVar.Length), ("sigma", sigma.Length), ("eps", eps.Length), ("z", z.Length));
        ExpHalf(logVar, sigma);
        for (int s = 0; s < l; s++) TensorPrimitives.MultiplyAdd(sigma, eps.Slice(s * n, n), mu, z.Slice(s * n, n));
    }

    /// <summary>log p(z) = sum_j log N(z_j; 0, 1) and log q(z|x) = sum_j log N(z_j; mu_j, sigma_j^2) of one sample, in double,
    /// with z = mu + sigma * eps (so (z - mu) / sigma = eps). z, eps, logVar: one row [Dz] each.</summary>
    public static (double LogPz, double LogQz) LogDensities(ReadOnlySpan<float> z, ReadOnlySpan<float> eps, ReadOnlySpan<float> logVar)
    {
        const double HalfLog2Pi = 0.91893853320467274178;
        double pz = 0, qz = 0;
        for (int j = 0; j < z.Length; j++)
        {
            double zj = z[j], ej = eps[j];
            pz -= HalfLog2Pi + 0.5 * zj * zj;
            qz -= HalfLog2Pi + 0.5 * (logVar[j] + ej * ej);
        }
        return (pz, qz);
    }

    /// <summary>terms[i] = 1 + logVar[i] - mu[i]^2 - exp(logVar[i]) in double; KL = -0.5 * (sum of a row's terms).</summary>
    public static void KlTerms(ReadOnlySpan<float> mu, ReadOnlySpan<float> logVar, Span<double> terms)
    {
        int n = mu.Length;
        if (logVar.Length != n || terms.Length < n)
            throw new ArgumentException($"KL terms: mu ({n}), logVar ({logVar.Length}) and terms ({terms.Length}) must agree");
        ref float m0 = ref MemoryMarshal.GetReference(mu); ref float l0 = ref MemoryMarshal.GetReference(logVar);
        ref double t0 = ref MemoryMarshal.GetReference(terms);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                var (mLo, mHi) = Vector512.Widen(Vector512.LoadUnsafe(ref m0, (nuint)i));
                var (lLo, lHi) = Vector512.Widen(Vector512.LoadUnsafe(ref l0, (nuint)i));
                (Vector512<double>.One + lLo - mLo * mLo - Vector512.Exp(lLo)).StoreUnsafe(ref t0, (nuint)i);
                (Vector512<double>.One + lHi - mHi * mHi - Vector512.Exp(lHi)).StoreUnsafe(ref t0, (nuint)(i + 8));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var (mLo, mHi) = Vector256.Widen(Vector256.LoadUnsafe(ref m0, (nuint)i));
                var (lLo, lHi) = Vector256.Widen(Vector256.LoadUnsafe(ref l0, (nuint)i));
                (Vector256<double>.One + lLo - mLo * mLo - Vector256.Exp(lLo)).StoreUnsafe(ref t0, (nuint)i);
                (Vector256<double>.One + lHi - mHi * mHi - Vector256.Exp(lHi)).StoreUnsafe(ref t0, (nuint)(i + 4));
            }
        }
        for (; i < n; i++)
        {
            double m = Unsafe.Add(ref m0, i), lv = Unsafe.Add(ref l0, i);
            Unsafe.Add(ref t0, i) = 1 + lv - m * m - Math.Exp(lv);
        }
    }

    /// <summary>
    /// Backward of z = mu + sigma * eps for L samples: dMu = sum_l dz[l]; dLogVar = (sigma / 2) * sum_l dz[l] * eps[l]
    /// (both overwritten). dz, eps: [L, M*Dz]; sigma, dMu, dLogVar: [M*Dz].
    /// </summary>
    public static void ReparameterizeBackward(ReadOnlySpan<float> dz, ReadOnlySpan<float> eps, ReadOnlySpan<float> sigma, int l,
                                              Span<float> dMu, Span<float> dLogVar)
    {
        int n = sigma.Length;
        CheckShapes("reparameterize backward", l, ("sigma", n), ("dMu", dMu.Length), ("dLogVar", dLogVar.Length), ("dz", dz.Length), ("eps", eps.Length));
        dz.Slice(0, n).CopyTo(dMu);
        TensorPrimitives.Multiply(dz.Slice(0, n), eps.Slice(0, n), dLogVar);
        for (int s = 1; s < l; s++)
        {
            TensorPrimitives.Add(dMu, dz.Slice(s * n, n), dMu);
            TensorPrimitives.MultiplyAdd(dz.Slice(s * n, n), eps.Slice(s * n, n), dLogVar, dLogVar);
        }
        TensorPrimitives.Multiply(dLogVar, sigma, dLogVar);
        TensorPrimitives.Multiply(dLogVar, 0.5f, dLogVar);
    }

    /// <summary>Both reparameterisation kernels' shapes: three [n] spans (n from the first) and two [L, n] spans.</summary>
    static void CheckShapes(string what, int l, (string Name, int Length) a, (string Name, int Length) b, (string Name, int Length) c,
                            (string Name, int Length) p, (string Name, int Length) q)
    {
        int n = a.Length;
        if (b.Length != n || c.Length != n || p.Length < (long)l * n || q.Length < (long)l * n)
            throw new ArgumentException($"{what}: {a.Name} ({n}), {b.Name} ({b.Length}), {c.Name} ({c.Length}) must agree; " +
                                        $"{p.Name} ({p.Length}) and {q.Name} ({q.Length}) must hold L * {n} = {l} * {n}");
    }

    /// <summary>sigma = exp(logVar / 2), vectorised (MathF.Exp costs ~3 ns an element).</summary>
    public static void ExpHalf(ReadOnlySpan<float> logVar, Span<float> sigma)
    {
        int n = logVar.Length, i = 0;
        if (sigma.Length < n) throw new ArgumentException($"sigma holds {sigma.Length} floats, {n} needed");
        ref float l0 = ref MemoryMarshal.GetReference(logVar); ref float s0 = ref MemoryMarshal.GetReference(sigma);
        if (Vector512.IsHardwareAccelerated) ExpHalf<V512>(ref l0, ref s0, n);
        else if (Vector256.IsHardwareAccelerated) ExpHalf<V256>(ref l0, ref s0, n);
        else
            for (; i < n; i++) Unsafe.Add(ref s0, i) = MathF.Exp(0.5f * Unsafe.Add(ref l0, i));
    }

    static void ExpHalf<V>(ref float l0, ref float s0, int n) where V : struct, ISimd<V>
    {
        int i = 0;
        for (; i <= n - V.Count; i += V.Count) SimdMath.Exp(V.Load(ref l0, (nuint)i) * 0.5f).Store(ref s0, (nuint)i);
        if (i < n) SimdMath.Exp(V.LoadPartial(ref Unsafe.Add(ref l0, i), n - i) * 0.5f).StorePartial(ref Unsafe.Add(ref s0, i), n - i);
    }
}
