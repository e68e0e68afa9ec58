// The latent-layer kernels (reparameterisation, KL terms, reparameterisation backward) against double formulas on
// awkward lengths, with L = 1 and L = 3 noise samples (sample-major).
using static Vae.Tests.Numerics.KernelTests;

namespace Vae.Tests.Numerics;

public class LatentKernelTests
{
    [Theory]
    [MemberData(nameof(LengthData), MemberType = typeof(KernelTests))]
    public void Reparameterisation_and_its_backward_match_double(int n)
    {
        foreach (int l in new[] { 1, 3 })
        {
            var mu = Values(n, 1, 1f); var lv = Values(n, 2, 1f).Select(v => Math.Clamp(v, -20f, 20f)).ToArray();
            var eps = Values(l * n, 3, 1f); var dz = Values(l * n, 4, 1f);
            var sigma = new float[n]; var z = new float[l * n];
            LatentKernels.Reparameterize(mu, lv, eps, l, sigma, z);
            var dMu = new float[n]; var dLv = new float[n];
            LatentKernels.ReparameterizeBackward(dz, eps, sigma, l, dMu, dLv);
            for (int i = 0; i < n; i++)
            {
                double sg = Math.Exp(0.5 * lv[i]), gMu = 0, gMuMag = 0, gLv = 0, gLvMag = 0;
                Near($"sigma n={n}", i, sg, sigma[i], 2.4e-7 * sg);
                for (int s = 0; s < l; s++)
                {
                    int k = s * n + i;
                    double want = mu[i] + sg * eps[k];
                    Near($"z n={n} L={l}", k, want, z[k], 3e-7 * (Math.Abs(mu[i]) + Math.Abs(sg * eps[k])));
                    gMu += dz[k]; gMuMag += Math.Abs(dz[k]); gLv += 0.5 * dz[k] * eps[k] * sg; gLvMag += Math.Abs(0.5 * dz[k] * eps[k] * sg);
                }
                Near($"dMu n={n} L={l}", i, gMu, dMu[i], 1.2e-7 * l * gMuMag);
                Near($"dLogVar n={n} L={l}", i, gLv, dLv[i], 6e-7 * gLvMag + 1e-30);
            }
        }
    }

    [Theory]
    [MemberData(nameof(LengthData), MemberType = typeof(KernelTests))]
    public void KL_terms_are_computed_in_double_from_the_float_inputs(int n)
    {
        var mu = Values(n, 5, 1f); var lv = Values(n, 6, 1f).Select(v => Math.Clamp(v, -30f, 30f)).ToArray();
        var t = new double[n];
        LatentKernels.KlTerms(mu, lv, t);
        for (int i = 0; i < n; i++)
        {
            double want = 1 + (double)lv[i] - (double)mu[i] * mu[i] - Math.Exp(lv[i]);
            Near($"KL term n={n}", i, want, t[i], 1e-14 * (1 + Math.Abs(lv[i]) + mu[i] * mu[i] + Math.Exp(lv[i])));
        }
    }
}
