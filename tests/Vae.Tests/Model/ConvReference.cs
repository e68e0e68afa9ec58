// Float64 direct-loop references for the convolution layers (no im2col, no GEMM: an independent formulation) and a
// finite-difference gradient check driver shared by the layer and conv-VAE tests.

namespace Vae.Tests.Model;

public static class ConvReference
{
    /// <summary>y[n, oh, ow, co] = b[co] + sum x[n, oh*s-p+kh, ow*s-p+kw, ci] W[(kh*K+kw)*Cin+ci, co] (NHWC; W offset wo, b offset bo).</summary>
    public static double[] Conv(double[] th, int wo, int bo, double[] x, int m, int h, int w, int cin, int cout, int k, int s, int p)
    {
        int ho = (h + 2 * p - k) / s + 1, wdt = (w + 2 * p - k) / s + 1;
        var y = new double[m * ho * wdt * cout];
        for (int n = 0; n < m; n++)
        for (int oh = 0; oh < ho; oh++)
        for (int ow = 0; ow < wdt; ow++)
        for (int co = 0; co < cout; co++)
        {
            double a = th[bo + co];
            for (int kh = 0; kh < k; kh++)
            for (int kw = 0; kw < k; kw++)
            {
                int ih = oh * s - p + kh, iw = ow * s - p + kw;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                for (int ci = 0; ci < cin; ci++)
                    a += x[((n * h + ih) * w + iw) * cin + ci] * th[wo + ((kh * k + kw) * cin + ci) * cout + co];
            }
            y[((n * ho + oh) * wdt + ow) * cout + co] = a;
        }
        return y;
    }

    /// <summary>The transposed convolution as a scatter: every input pixel adds x W[ci, (kh*K+kw)*Cout+co] at output
    /// (ih*s-p+kh, iw*s-p+kw); Ho = (Hi-1)s - 2p + K + op.</summary>
    public static double[] ConvT(double[] th, int wo, int bo, double[] x, int m, int hi, int wi, int cin, int cout, int k, int s, int p, int op)
    {
        int ho = (hi - 1) * s - 2 * p + k + op, wdt = (wi - 1) * s - 2 * p + k + op;
        var y = new double[m * ho * wdt * cout];
        for (int i = 0; i < y.Length; i++) y[i] = th[bo + i % cout];
        for (int n = 0; n < m; n++)
        for (int ih = 0; ih < hi; ih++)
        for (int iw = 0; iw < wi; iw++)
        for (int kh = 0; kh < k; kh++)
        for (int kw = 0; kw < k; kw++)
        {
            int oh = ih * s - p + kh, ow = iw * s - p + kw;
            if (oh < 0 || oh >= ho || ow < 0 || ow >= wdt) continue;
            for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < cout; co++)
                y[((n * ho + oh) * wdt + ow) * cout + co] += x[((n * hi + ih) * wi + iw) * cin + ci] * th[wo + ci * k * k * cout + (kh * k + kw) * cout + co];
        }
        return y;
    }

    /// <summary>Batch norm over the columns of [rows, C] with the batch's biased variance (train) or given statistics.</summary>
    public static double[] BatchNorm(double[] th, int go, int bo, double[] x, int rows, int c, double eps, double[]? mean = null, double[]? var = null)
    {
        var y = new double[rows * c];
        for (int j = 0; j < c; j++)
        {
            double mu = 0, v = 0;
            if (mean is null) { for (int r = 0; r < rows; r++) mu += x[r * c + j]; mu /= rows; for (int r = 0; r < rows; r++) v += (x[r * c + j] - mu) * (x[r * c + j] - mu); v /= rows; }
            else { mu = mean[j]; v = var![j]; }
            for (int r = 0; r < rows; r++) y[r * c + j] = th[go + j] * (x[r * c + j] - mu) / Math.Sqrt(v + eps) + th[bo + j];
        }
        return y;
    }

    public static double Act(Activation act, double v) => act switch
    {
        Activation.Relu => Math.Max(v, 0),
        Activation.LeakyRelu => v < 0 ? Activations.LeakySlope * v : v,
        Activation.Tanh => Math.Tanh(v),
        Activation.Identity => v,
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    /// <summary>J = sum r_i act(y_i) in double.</summary>
    public static double Loss(double[] y, double[] r, Activation act)
    {
        double j = 0;
        for (int i = 0; i < y.Length; i++) j += r[i] * Act(act, y[i]);
        return j;
    }

    /// <summary>Float64 central differences of f at v (step h), every component.</summary>
    public static double[] CentralDifferences(double[] v, Func<double> f, double h = 1e-6)
    {
        var g = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            double keep = v[i];
            v[i] = keep + h; double jp = f();
            v[i] = keep - h; double jm = f();
            v[i] = keep; g[i] = (jp - jm) / (2 * h);
        }
        return g;
    }

    public static double[] Normal(int n, Rng rng, double std = 1)
    {
        var a = new double[n];
        for (int i = 0; i < n; i++) a[i] = std * rng.NextNormal();
        return a;
    }
}
