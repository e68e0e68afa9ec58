// The vectorised layer kernels (bias + activation, activation backward, column sums) and the vector exp / log1p /
// tanh cores against scalar double formulas, on awkward lengths (SIMD body + zero-padded tail) and extreme inputs.
// scripts/suites/simd-paths.sh reruns this class with 256-bit vectors only and with no SIMD at all.
using System.Runtime.Intrinsics;

namespace Vae.Tests.Numerics;

public class KernelTests
{
    /// <summary>Lengths that hit an empty span, a tail only, one vector +/- 1, two vectors + 1, and MNIST's D.</summary>
    public static readonly int[] Lengths = [0, 1, 7, 15, 16, 17, 33, 784];
    public static IEnumerable<object[]> LengthData() => Lengths.Select(n => new object[] { n });

    /// <summary>Normal values (std 2) with extremes and special points salted in at fixed positions.</summary>
    internal static float[] Values(int n, ulong seed, float std = 2f)
    {
        var v = new float[n];
        new Rng(seed, RngStream.Eval).FillNormal(v, 0f, std);
        float[] salt = [100f, -100f, 1e-3f, -1e-3f, 1e-6f, 0f, -0f, 0.625f, -0.6249f, 30f, -30f, 44.5f, -90f, 5e-8f];
        for (int i = 0; i < n; i += 3) v[i] = salt[(i / 3) % salt.Length];
        return v;
    }

    internal static void Near(string what, int i, double expected, double actual, double tol)
    {
        if (double.IsNaN(expected)) { Assert.True(double.IsNaN(actual), $"{what}[{i}]: expected NaN, got {actual:G9}"); return; }
        Assert.True(Math.Abs(expected - actual) <= tol || expected == actual,
                    $"{what}[{i}]: expected {expected:G12}, got {actual:G12}, |error| {Math.Abs(expected - actual):E3} > {tol:E3}");
    }

    /// <summary>e^x - 1 in double, series near 0 where the subtraction would lose digits.</summary>
    static double Expm1(double x) => Math.Abs(x) < 1e-5 ? x + 0.5 * x * x + x * x * x / 6 : Math.Exp(x) - 1;

    /// <summary>log(1 + e) in double, series for small e where 1 + e would round (the BCL has no log1p).</summary>
    internal static double Log1p(double e) => Math.Abs(e) < 1e-4 ? e * (1 - e * (0.5 - e * (1.0 / 3 - e * 0.25))) : Math.Log(1 + e);

    static double Act(Activation act, double v) => act switch
    {
        Activation.Tanh => Math.Tanh(v),
        Activation.Relu => Math.Max(v, 0),
        Activation.LeakyRelu => v < 0 ? v * (double)Activations.LeakySlope : v,
        Activation.Softplus => Math.Max(v, 0) + Log1p(Math.Exp(-Math.Abs(v))),
        _ => v,
    };

    [Theory]
    [MemberData(nameof(LengthData))]
    public void Tanh_matches_double_to_a_few_ulp_from_zero_to_saturation(int n)
    {
        var x = Values(n, 1);
        var h = (float[])x.Clone();
        Kernels.ActivationForward(Activation.Tanh, h);
        for (int i = 0; i < n; i++)
            Near("tanh", i, Math.Tanh(x[i]), h[i], 3e-7 * Math.Abs(Math.Tanh(x[i])) + 1e-45);
    }

    /// <summary>Every activation the enum has (a new one is tested without editing this file); Nonlinear leaves out Identity.</summary>
    public static TheoryData<Activation> EveryActivation => new(Enum.GetValues<Activation>());
    public static TheoryData<Activation> Nonlinear => new(Enum.GetValues<Activation>().Where(a => a != Activation.Identity));

    [Theory, MemberData(nameof(EveryActivation))]
    public void Bias_and_activation_in_one_pass_match_double_on_every_row_width(Activation act)
    {
        foreach (int n in Lengths)
        {
            const int rows = 3;
            var y = Values(rows * n, 2); var b = Values(n, 3, 1f);
            var got = (float[])y.Clone();
            Kernels.BiasActivation(got, b, rows, act);
            for (int i = 0; i < rows * n; i++)
            {
                double pre = y[i] + b[i % n]; // the kernel adds in float, as the GEMM's output would hold it
                double want = Act(act, (float)pre);
                Near($"{act} n={n}", i, want, got[i], 3e-7 * Math.Abs(want) + 1e-45);
            }
        }
    }

    [Theory, MemberData(nameof(Nonlinear))]
    public void Activation_backward_multiplies_by_the_derivative_through_the_output(Activation act)
    {
        foreach (int n in Lengths)
        {
            var pre = Values(n, 4);
            var h = pre.Select(v => (float)Act(act, v)).ToArray();
            var dh = Values(n, 5, 1f);
            var got = (float[])dh.Clone();
            Kernels.ActivationBackward(act, h, got);
            for (int i = 0; i < n; i++)
            {
                double d = act switch
                {
                    Activation.Tanh => 1 - (double)h[i] * h[i],
                    Activation.Relu => h[i] > 0 ? 1 : 0,
                    Activation.LeakyRelu => h[i] < 0 ? (double)Activations.LeakySlope : 1,
                    _ => -Expm1(-(double)h[i]),
                };
                Near($"{act}' n={n}", i, dh[i] * d, got[i], 4e-7 * Math.Abs(dh[i] * d) + 1e-45);
            }
        }
    }

    [Fact]
    public void Column_sums_accumulate_every_row_into_the_bias_gradient()
    {
        foreach (int n in Lengths.Append(500))
        foreach (int rows in new[] { 1, 3, 100 })
        {
            var dy = Values(rows * n, 6, 1f); var db = Values(n, 7, 1f);
            var got = (float[])db.Clone();
            Kernels.AccumulateColumnSums(dy, rows, got);
            for (int j = 0; j < n; j++)
            {
                double s = db[j], abs = Math.Abs(db[j]);
                for (int r = 0; r < rows; r++) { s += dy[r * n + j]; abs += Math.Abs(dy[r * n + j]); }
                Near($"colsum n={n} rows={rows}", j, s, got[j], 1e-7 * (rows + 1) * abs);
            }
        }
    }

    [Fact]
    public void NaN_in_an_activation_input_comes_out_as_NaN_and_stays_in_its_lane()
    {
        foreach (var act in new[] { Activation.Tanh, Activation.Relu, Activation.Softplus, Activation.LeakyRelu })
        {
            var h = Values(33, 8); h[5] = float.NaN; h[32] = float.NaN; // one in the body, one in the tail
            Kernels.ActivationForward(act, h);
            Assert.True(float.IsNaN(h[5]) && float.IsNaN(h[32]), $"{act}: NaN was clamped away");
            Assert.True(h.Where((_, i) => i != 5 && i != 32).All(float.IsFinite), $"{act}: NaN leaked into other lanes");
        }
    }

    [Fact]
    public void Vector_exp_is_within_two_ulp_of_double_from_the_denormals_to_overflow()
    {
        var xs = new List<float>();
        for (double x = -104; x <= 89; x += 0.0137) xs.Add((float)x);
        xs.AddRange([0f, -0f, 88.72f, 88.73f, -87.33f, -103.9f, -150f, 1e-8f, -1e-8f]);
        foreach (float x in xs)
        {
            double want = Math.Exp(x);
            // relative 2.4e-7 (2 ulp) for normal results, one denormal step (1.4e-45) below them
            double tol = want > float.MaxValue ? 0 : 2.4e-7 * want + 1.5e-45;
            double got512 = SimdMath.Exp(V512.Create(x)).ToScalar(), got256 = SimdMath.Exp(V256.Create(x)).ToScalar();
            if (want > float.MaxValue) { Assert.True(float.IsPositiveInfinity((float)got512) && float.IsPositiveInfinity((float)got256), $"exp({x}) must overflow to +inf"); continue; }
            Near("exp512", 0, want, got512, tol);
            Near("exp256", 0, want, got256, tol);
        }
        Assert.True(float.IsNaN(SimdMath.Exp(V512.Create(float.NaN)).ToScalar()) && float.IsNaN(SimdMath.Exp(V256.Create(float.NaN)).ToScalar()), "exp(NaN) must be NaN");
        Assert.Equal(0f, SimdMath.Exp(V512.Create(float.NegativeInfinity)).ToScalar());
        Assert.Equal(float.PositiveInfinity, SimdMath.Exp(V256.Create(float.PositiveInfinity)).ToScalar());
    }

    [Fact]
    public void Vector_log1p_keeps_full_relative_accuracy_down_to_tiny_arguments()
    {
        var es = new List<float>();
        for (double e = 0; e <= 1; e += 1.0 / 4099) es.Add((float)e);
        for (double e = 1e-30; e < 1e-2; e *= 3.7) es.Add((float)e);
        es.AddRange([0.41421354f, 0.41421357f, 1f, float.Epsilon]);
        foreach (float e in es)
        {
            double want = Log1p(e);
            Near("log1p512", 0, want, SimdMath.Log1pUnit(V512.Create(e)).ToScalar(), 2.4e-7 * want + 1e-45);
            Near("log1p256", 0, want, SimdMath.Log1pUnit(V256.Create(e)).ToScalar(), 2.4e-7 * want + 1e-45);
        }
    }

    [Fact]
    public void Softplus_and_its_derivative_stay_finite_and_correct_at_plus_minus_100()
    {
        float[] a = [100f, -100f, 30f, -30f, 0f, 1e-4f, -1e-4f, 88f, -88f, 17f, -17f, 3f, -3f, 0.5f, -0.5f, 1f, -1f];
        var sp = (float[])a.Clone();
        Kernels.Softplus(sp);
        for (int i = 0; i < a.Length; i++)
        {
            double want = Act(Activation.Softplus, a[i]);
            Assert.True(float.IsFinite(sp[i]), $"softplus({a[i]}) = {sp[i]}");
            Near("softplus", i, want, sp[i], 2.4e-7 * want + 1e-45); // softplus(-100) = 3.7e-44 is a denormal, kept
        }
        var d = Enumerable.Repeat(1f, a.Length).ToArray();
        Kernels.ActivationBackward(Activation.Softplus, sp, d);
        for (int i = 0; i < a.Length; i++)
        {
            double sig = 1 / (1 + Math.Exp(-(double)a[i]));
            Near("softplus'", i, sig, d[i], 1e-6 * sig + 1e-43);
        }
    }
}
