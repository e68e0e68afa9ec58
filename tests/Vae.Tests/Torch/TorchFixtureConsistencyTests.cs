// Checks each PyTorch fixture against itself: the stored intermediates, terms, ELBO, J, output-layer gradients
// and Adam trajectory must obey the contract's closed forms (in double, from the stored tensors only). Must not
// run the engine: this proves the golden file is sound before the engine is compared with it.
namespace Vae.Tests.Fixtures;

public class TorchFixtureConsistencyTests
{
    const double Tol = 1e-10; // fixtures are float64 and stored round-trip; only summation order differs
    static readonly double Log2Pi = Math.Log(2 * Math.PI);

    public static TheoryData<string> Cases() => TorchFixtureLayoutTests.Cases();

    public static TheoryData<string> AdamCases()
    {
        var d = new TheoryData<string>();
        foreach (var c in TorchFixture.CaseNames()) if (TorchFixture.Load(c).Adam is not null) d.Add(c);
        return d;
    }

    static void Close(double want, double got, string what) =>
        Assert.True(Math.Abs(want - got) <= Tol * (1 + Math.Abs(want)), $"{what}: expected {want:R}, fixture has {got:R}");

    static double Sigmoid(double a) => 1 / (1 + Math.Exp(-a));
    static double Softplus(double a) => Math.Max(a, 0) + Math.Log(1 + Math.Exp(-Math.Abs(a)));

    [Theory, MemberData(nameof(Cases))]
    public void Z_is_mu_plus_sigma_times_eps_with_sample_major_rows(string caseName)
    {
        var f = TorchFixture.Load(caseName); var s = f.Spec;
        double[] mu = f.Tensor("mu"), lv = f.Tensor("logvar"), eps = f.Tensor("eps"), z = f.Tensor("z");
        for (int l = 0; l < s.L; l++)
            for (int m = 0; m < s.M; m++)
                for (int j = 0; j < s.Dz; j++)
                {
                    int r = (l * s.M + m) * s.Dz + j, q = m * s.Dz + j;
                    Close(mu[q] + Math.Exp(lv[q] / 2) * eps[r], z[r], $"z[{l * s.M + m}, {j}]");
                }
    }

    /// <summary>log p(x|z) per row r = l*M+m from the stored head(s), [L*M].</summary>
    static double[] LogPxzRows(TorchFixture f)
    {
        var s = f.Spec; double[] x = f.Tensor("x"); var rows = new double[s.L * s.M];
        bool bern = s.Likelihood == "Bernoulli";
        double[] a = bern ? f.Tensor("head") : f.Tensor("head.mean");
        double[] sv = bern ? a : f.Tensor("head.logvar");
        for (int r = 0; r < rows.Length; r++)
        {
            int m = r % s.M; double acc = 0;
            for (int d = 0; d < s.D; d++)
            {
                double xd = x[m * s.D + d], h = a[r * s.D + d];
                acc += bern ? xd * h - Softplus(h)
                    : -0.5 * (Log2Pi + sv[r * s.D + d] + (xd - h) * (xd - h) * Math.Exp(-sv[r * s.D + d]));
            }
            rows[r] = acc;
        }
        return rows;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Closed_form_terms_agree_with_the_stored_intermediates(string caseName)
    {
        var f = TorchFixture.Load(caseName); var s = f.Spec;
        double[] mu = f.Tensor("mu"), lv = f.Tensor("logvar"), eps = f.Tensor("eps"), z = f.Tensor("z");
        double[] px = LogPxzRows(f);
        for (int m = 0; m < s.M; m++)
        {
            double kl = 0;
            for (int j = 0; j < s.Dz; j++)
            {
                int q = m * s.Dz + j;
                kl += -0.5 * (1 + lv[q] - mu[q] * mu[q] - Math.Exp(lv[q]));
            }
            double pz = 0, qz = 0, pxz = 0;
            for (int l = 0; l < s.L; l++)
            {
                int r = l * s.M + m;
                for (int j = 0; j < s.Dz; j++)
                {
                    double zz = z[r * s.Dz + j], e = eps[r * s.Dz + j];
                    pz += -0.5 * (Log2Pi + zz * zz);
                    qz += -0.5 * (Log2Pi + lv[m * s.Dz + j] + e * e);
                }
                pxz += px[r];
            }
            Close(kl, f.Tensor("terms.Kl")[m], $"Kl[{m}]");
            Close(pz / s.L, f.Tensor("terms.LogPz")[m], $"LogPz[{m}]");
            Close(qz / s.L, f.Tensor("terms.LogQz")[m], $"LogQz[{m}]");
            Close(pxz / s.L, f.Tensor("terms.LogPxz")[m], $"LogPxz[{m}]");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Log_weights_average_to_LogPxz_plus_LogPz_minus_LogQz(string caseName)
    {
        var f = TorchFixture.Load(caseName); var s = f.Spec; double[] w = f.Tensor("logw");
        for (int m = 0; m < s.M; m++)
        {
            double mean = 0; for (int l = 0; l < s.L; l++) mean += w[l * s.M + m];
            Close(f.Tensor("terms.LogPxz")[m] + f.Tensor("terms.LogPz")[m] - f.Tensor("terms.LogQz")[m], mean / s.L,
                $"mean_l logw[., {m}]");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Elbo_follows_the_estimator_and_J_is_its_mean(string caseName)
    {
        var f = TorchFixture.Load(caseName); var s = f.Spec; double[] w = f.Tensor("logw"), elbo = f.Tensor("terms.Elbo");
        double sum = 0;
        for (int m = 0; m < s.M; m++)
        {
            double want;
            if (s.Estimator == "A") { want = 0; for (int l = 0; l < s.L; l++) want += w[l * s.M + m]; want /= s.L; }
            else want = -f.Tensor("terms.Kl")[m] + f.Tensor("terms.LogPxz")[m];
            Close(want, elbo[m], $"Elbo[{m}] (estimator {s.Estimator})");
            sum += elbo[m];
        }
        Close(sum / s.M, f.J, "J");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Output_layer_gradients_equal_the_likelihood_derivative_through_the_last_hidden_layer(string caseName)
    {
        // Only log p(x|z) reaches the decoder's output layer, under both estimators: dJ/dhead[r] = dlogp/dhead / (L*M).
        var f = TorchFixture.Load(caseName); var s = f.Spec; int lm = s.L * s.M;
        double[] x = f.Tensor("x"), h = f.Tensor($"dec.{s.DecoderHidden.Length - 1}.out");
        int hn = s.DecoderHidden[^1];
        var heads = new List<(string param, double[] dHead)>();
        if (s.Likelihood == "Bernoulli")
        {
            double[] a = f.Tensor("head"), g = new double[lm * s.D];
            for (int r = 0; r < lm; r++) for (int d = 0; d < s.D; d++)
                g[r * s.D + d] = x[r % s.M * s.D + d] - Sigmoid(a[r * s.D + d]);
            heads.Add(("dec.logits", g));
        }
        else
        {
            double[] mean = f.Tensor("head.mean"), sv = f.Tensor("head.logvar");
            double[] gm = new double[lm * s.D], gs = new double[lm * s.D];
            for (int r = 0; r < lm; r++) for (int d = 0; d < s.D; d++)
            {
                int i = r * s.D + d; double diff = x[r % s.M * s.D + d] - mean[i], prec = Math.Exp(-sv[i]);
                gm[i] = diff * prec * (s.SigmoidMean ? mean[i] * (1 - mean[i]) : 1);
                gs[i] = -0.5 + 0.5 * diff * diff * prec;
            }
            heads.Add(("dec.mean", gm)); heads.Add(("dec.logvar", gs));
        }
        foreach (var (param, g) in heads)
        {
            double[] gb = f.Grad(param + ".b"), gw = f.Grad(param + ".W");
            for (int d = 0; d < s.D; d++)
            {
                double b = 0; for (int r = 0; r < lm; r++) b += g[r * s.D + d];
                Close(b / lm, gb[d], $"{param}.b grad[{d}]");
                for (int k = 0; k < hn; k++)
                {
                    double wsum = 0; for (int r = 0; r < lm; r++) wsum += h[r * hn + k] * g[r * s.D + d];
                    Close(wsum / lm, gw[k * s.D + d], $"{param}.W grad[{k}, {d}]");
                }
            }
        }
    }

    [Theory, MemberData(nameof(AdamCases))]
    public void Adam_trajectory_ascends_the_bound_with_steps_of_about_lr_along_the_gradient_sign(string caseName)
    {
        var f = TorchFixture.Load(caseName); var a = f.Adam!;
        Assert.Equal((1e-3, 0.9, 0.999, 1e-8, 10), (a.Lr, a.Beta1, a.Beta2, a.Eps, a.Steps));
        Close(f.J, a.JBeforeStep[0], "J before the first Adam step");
        for (int t = 1; t < a.Steps; t++)
            Assert.True(a.JBeforeStep[t] > a.JBeforeStep[t - 1], $"J fell at step {t}: {a.JBeforeStep[t - 1]} -> {a.JBeforeStep[t]}");
        // Adam's step is about lr per coordinate; with x and eps fixed the gradient sign barely changes in 10 steps.
        for (int i = 0; i < f.Params.Count; i++)
        {
            var (name, _, before) = f.Params[i]; double[] after = a.ParamsAfter[i].data, g = f.Grads[i].data;
            for (int k = 0; k < before.Length; k++)
            {
                double delta = after[k] - before[k];
                Assert.True(Math.Abs(delta) <= 1.1 * a.Steps * a.Lr, $"{name}[{k}] moved {delta}");
                if (Math.Abs(g[k]) > 1e-3)
                    Assert.True(Math.Sign(delta) == Math.Sign(g[k]), $"{name}[{k}] moved {delta} against dJ = {g[k]}");
            }
        }
    }
}
