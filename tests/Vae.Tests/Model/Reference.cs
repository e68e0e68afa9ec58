// A slow float64 reference of the whole model and both estimators: one datapoint, one sample at a time, plain loops,
// its own hand-derived backward. Owns nothing the engine uses; it is the independent yardstick (test ladder rungs 2-3).
using Vae.Core.Model;
using Vae.Core.Tensors;
using Vae.Core.Numerics;

namespace Vae.Tests.Model;

/// <summary>Per-datapoint terms of the reference forward pass.</summary>
public sealed record RefTerms(double[] Elbo, double[] LogPxz, double[] Kl, double[] LogPz, double[] LogQz, double[] LogW);

/// <summary>Float64 reference VAE following the engine contract (W [in, out], eps [L, M, Dz] sample-major).</summary>
public sealed class Reference
{
    const double Log2Pi = 1.8378770664093454836;
    readonly ModelSpec _spec;
    readonly ParameterLayout _layout;

    public Reference(ModelSpec spec) { _spec = spec; _layout = ModelLayout.For(spec); }

    public ParameterLayout Layout => _layout;

    /// <summary>J = (1/M) sum_m Elbo_m; if grad is non-null it receives dJ/dtheta (overwritten).</summary>
    public double Evaluate(double[] theta, double[] x, int m, double[] eps, int l, Estimator est, double[]? grad, out RefTerms terms)
    {
        int d = _spec.D, dz = _spec.Dz;
        var t = new RefTerms(new double[m], new double[m], new double[m], new double[m], new double[m], new double[l * m]);
        if (grad != null) Array.Clear(grad);
        double j = 0;
        for (int i = 0; i < m; i++)
        {
            var xi = x.AsSpan(i * d, d).ToArray();
            var enc = ForwardMlp(theta, "enc", _spec.EncoderHidden.Count, xi);
            var h = enc[^1];
            var mu = DenseF(theta, "enc.mu", h); var lv = DenseF(theta, "enc.logvar", h);
            double kl = 0;
            for (int k = 0; k < dz; k++) kl += -0.5 * (1 + lv[k] - mu[k] * mu[k] - Math.Exp(lv[k]));
            t.Kl[i] = kl;
            var dMu = new double[dz]; var dLv = new double[dz];
            for (int s = 0; s < l; s++)
            {
                var e = eps.AsSpan((s * m + i) * dz, dz).ToArray();
                var z = new double[dz];
                for (int k = 0; k < dz; k++) z[k] = mu[k] + Math.Exp(0.5 * lv[k]) * e[k];
                var dec = ForwardMlp(theta, "dec", _spec.DecoderHidden.Count, z);
                var hd = dec[^1];
                double lpx = LogLikelihood(theta, xi, hd, out var dHeadA, out var dHeadB);
                double lpz = 0, lqz = 0;
                for (int k = 0; k < dz; k++) { lpz += -0.5 * (Log2Pi + z[k] * z[k]); lqz += -0.5 * (Log2Pi + lv[k] + e[k] * e[k]); }
                t.LogW[s * m + i] = lpx + lpz - lqz;
                t.LogPxz[i] += lpx / l; t.LogPz[i] += lpz / l; t.LogQz[i] += lqz / l;
                if (grad == null) continue;
                double c = 1.0 / (m * l);
                for (int q = 0; q < dHeadA.Length; q++) dHeadA[q] *= c;
                for (int q = 0; q < dHeadB.Length; q++) dHeadB[q] *= c;
                var dHd = new double[hd.Length];
                if (_spec.Likelihood == Likelihood.Bernoulli) DenseB(theta, "dec.logits", hd, dHeadA, grad, dHd);
                else { DenseB(theta, "dec.mean", hd, dHeadA, grad, dHd); DenseB(theta, "dec.logvar", hd, dHeadB, grad, dHd); }
                var dz_ = BackwardMlp(theta, "dec", z, dec, dHd, grad);
                if (est == Estimator.A) for (int k = 0; k < dz; k++) dz_[k] -= c * z[k];
                for (int k = 0; k < dz; k++)
                {
                    dMu[k] += dz_[k];
                    dLv[k] += dz_[k] * e[k] * 0.5 * Math.Exp(0.5 * lv[k]);
                    if (est == Estimator.A) dLv[k] += 0.5 * c; // from -log q
                }
            }
            t.Elbo[i] = est == Estimator.B ? t.LogPxz[i] - kl : t.LogPxz[i] + t.LogPz[i] - t.LogQz[i];
            j += t.Elbo[i] / m;
            if (grad == null) continue;
            if (est == Estimator.B)
                for (int k = 0; k < dz; k++) { dMu[k] -= mu[k] / m; dLv[k] += 0.5 * (1 - Math.Exp(lv[k])) / m; }
            var dH = new double[h.Length];
            DenseB(theta, "enc.mu", h, dMu, grad, dH);
            DenseB(theta, "enc.logvar", h, dLv, grad, dH);
            BackwardMlp(theta, "enc", xi, enc, dH, grad);
        }
        terms = t;
        return j;
    }

    /// <summary>log p(x|z) from the decoder's last hidden layer hd, and d/d(head) of it (unscaled; dHeadB empty for Bernoulli).</summary>
    double LogLikelihood(double[] theta, double[] xi, double[] hd, out double[] dHeadA, out double[] dHeadB)
    {
        int d = _spec.D;
        double lpx = 0; dHeadA = new double[d]; dHeadB = [];
        if (_spec.Likelihood == Likelihood.Bernoulli)
        {
            var a = DenseF(theta, "dec.logits", hd);
            for (int q = 0; q < d; q++)
            {
                double sp = Math.Max(a[q], 0) + Math.Log(1 + Math.Exp(-Math.Abs(a[q])));
                lpx += xi[q] * a[q] - sp;
                dHeadA[q] = xi[q] - 1 / (1 + Math.Exp(-a[q]));
            }
        }
        else
        {
            var a = DenseF(theta, "dec.mean", hd); var sv = DenseF(theta, "dec.logvar", hd);
            dHeadB = new double[d];
            for (int q = 0; q < d; q++)
            {
                double mean = _spec.SigmoidMean ? 1 / (1 + Math.Exp(-a[q])) : a[q];
                double r = xi[q] - mean, prec = Math.Exp(-sv[q]);
                lpx += -0.5 * (Log2Pi + sv[q] + r * r * prec);
                dHeadA[q] = r * prec * (_spec.SigmoidMean ? mean * (1 - mean) : 1);
                dHeadB[q] = 0.5 * (r * r * prec - 1);
            }
        }
        return lpx;
    }

    /// <summary>
    /// Wake-sleep's sleep objective (1/M) sum_m log q(z_m | x_m) for given x [M, D] and z [M, Dz]; grad (if non-null)
    /// receives its gradient w.r.t. theta (overwritten; only encoder entries are non-zero).
    /// </summary>
    public double LogQ(double[] theta, double[] x, double[] z, int m, double[]? grad)
    {
        int d = _spec.D, dz = _spec.Dz;
        if (grad != null) Array.Clear(grad);
        double j = 0;
        for (int i = 0; i < m; i++)
        {
            var xi = x.AsSpan(i * d, d).ToArray();
            var enc = ForwardMlp(theta, "enc", _spec.EncoderHidden.Count, xi);
            var h = enc[^1];
            var mu = DenseF(theta, "enc.mu", h); var lv = DenseF(theta, "enc.logvar", h);
            var dMu = new double[dz]; var dLv = new double[dz];
            for (int k = 0; k < dz; k++)
            {
                double r = z[i * dz + k] - mu[k], prec = Math.Exp(-lv[k]);
                j += -0.5 * (Log2Pi + lv[k] + r * r * prec) / m;
                dMu[k] = r * prec / m; dLv[k] = 0.5 * (r * r * prec - 1) / m;
            }
            if (grad == null) continue;
            var dH = new double[h.Length];
            DenseB(theta, "enc.mu", h, dMu, grad, dH);
            DenseB(theta, "enc.logvar", h, dLv, grad, dH);
            BackwardMlp(theta, "enc", xi, enc, dH, grad);
        }
        return j;
    }

    /// <summary>
    /// log p(x_{r mod M}, z_r) = log p(x|z) + log N(z; 0, I) per row of z [rows, Dz]; gradZ (if non-null) [rows, Dz]
    /// receives d/dz of it (the HMC target's gradient).
    /// </summary>
    public double[] LogJoint(double[] theta, double[] x, int m, double[] z, int rows, double[]? gradZ)
    {
        int d = _spec.D, dz = _spec.Dz;
        var lp = new double[rows];
        var scratch = new double[theta.Length]; // parameter gradients are not wanted here
        for (int r = 0; r < rows; r++)
        {
            var xi = x.AsSpan((r % m) * d, d).ToArray();
            var zr = z.AsSpan(r * dz, dz).ToArray();
            var dec = ForwardMlp(theta, "dec", _spec.DecoderHidden.Count, zr);
            var hd = dec[^1];
            double lpx = LogLikelihood(theta, xi, hd, out var dHeadA, out var dHeadB);
            double lpz = 0;
            for (int k = 0; k < dz; k++) lpz += -0.5 * (Log2Pi + zr[k] * zr[k]);
            lp[r] = lpx + lpz;
            if (gradZ == null) continue;
            var dHd = new double[hd.Length];
            if (_spec.Likelihood == Likelihood.Bernoulli) DenseB(theta, "dec.logits", hd, dHeadA, scratch, dHd);
            else { DenseB(theta, "dec.mean", hd, dHeadA, scratch, dHd); DenseB(theta, "dec.logvar", hd, dHeadB, scratch, dHd); }
            var g = BackwardMlp(theta, "dec", zr, dec, dHd, scratch);
            for (int k = 0; k < dz; k++) gradZ[r * dz + k] = g[k] - zr[k];
        }
        return lp;
    }

    List<double[]> ForwardMlp(double[] theta, string prefix, int layers, double[] input)
    {
        var outs = new List<double[]>(); var cur = input;
        for (int i = 0; i < layers; i++)
        {
            var y = DenseF(theta, $"{prefix}.{i}", cur);
            for (int q = 0; q < y.Length; q++) y[q] = Act(y[q]);
            outs.Add(y); cur = y;
        }
        return outs;
    }

    /// <summary>Returns dJ/dinput; dOut is dJ/d(last activations).</summary>
    double[] BackwardMlp(double[] theta, string prefix, double[] input, List<double[]> outs, double[] dOut, double[] grad)
    {
        var dcur = dOut;
        for (int i = outs.Count - 1; i >= 0; i--)
        {
            var pre = DenseF(theta, $"{prefix}.{i}", i == 0 ? input : outs[i - 1]); // recompute pre-activation
            var dpre = new double[dcur.Length];
            for (int q = 0; q < dcur.Length; q++) dpre[q] = dcur[q] * ActDeriv(pre[q]);
            var inp = i == 0 ? input : outs[i - 1];
            var dinp = new double[inp.Length];
            DenseB(theta, $"{prefix}.{i}", inp, dpre, grad, dinp);
            dcur = dinp;
        }
        return dcur;
    }

    double[] DenseF(double[] theta, string name, double[] x)
    {
        var w = _layout[name + ".W"]; var b = _layout[name + ".b"];
        var y = new double[w.Cols];
        for (int o = 0; o < w.Cols; o++)
        {
            double s = theta[b.Offset + o];
            for (int i = 0; i < w.Rows; i++) s += x[i] * theta[w.Offset + i * w.Cols + o];
            y[o] = s;
        }
        return y;
    }

    void DenseB(double[] theta, string name, double[] x, double[] dy, double[] grad, double[] dx)
    {
        var w = _layout[name + ".W"]; var b = _layout[name + ".b"];
        for (int o = 0; o < w.Cols; o++)
        {
            grad[b.Offset + o] += dy[o];
            for (int i = 0; i < w.Rows; i++)
            {
                grad[w.Offset + i * w.Cols + o] += x[i] * dy[o];
                dx[i] += dy[o] * theta[w.Offset + i * w.Cols + o];
            }
        }
    }

    double Act(double v) => _spec.Activation switch
    {
        Activation.Tanh => Math.Tanh(v),
        Activation.Relu => Math.Max(v, 0),
        Activation.Identity => v,
        _ => Math.Max(v, 0) + Math.Log(1 + Math.Exp(-Math.Abs(v))),
    };

    double ActDeriv(double pre) => _spec.Activation switch
    {
        Activation.Tanh => 1 - Math.Tanh(pre) * Math.Tanh(pre),
        Activation.Relu => pre > 0 ? 1 : 0,
        Activation.Identity => 1,
        _ => 1 / (1 + Math.Exp(-pre)),
    };
}
