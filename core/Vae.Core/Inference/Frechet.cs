// The Fréchet distance between two feature sets, each summarised by a Gaussian (mean, covariance; Heusel et al. 2017's
// FID formula, here on a small MNIST classifier's features), and the label distribution of a set of class predictions.
// Owns: the statistics in double and the matrix square roots (MathNet symmetric eigen-decompositions).
// Must not: run a network or read data (Runs/SampleQuality.cs feeds it features).
using MathNet.Numerics.LinearAlgebra;

namespace Vae.Core.Inference;

/// <summary>Mean [F] and covariance [F, F] (denominator N - 1) of N feature rows, in double.</summary>
public sealed record FeatureStats(Vector<double> Mean, Matrix<double> Covariance, int N)
{
    /// <summary>Statistics of <paramref name="features"/> [n, f] (row-major float32), accumulated in double.</summary>
    public static FeatureStats Of(ReadOnlySpan<float> features, int n, int f)
    {
        if (n < 2) throw new ArgumentException($"feature statistics need at least 2 rows, got {n}");
        if (f <= 0 || features.Length < (long)n * f) throw new ArgumentException($"features hold {features.Length} floats, need n * f = {n} * {f}");
        var mean = new double[f];
        for (int r = 0; r < n; r++) { var row = features.Slice(r * f, f); for (int i = 0; i < f; i++) mean[i] += row[i]; }
        for (int i = 0; i < f; i++) mean[i] /= n;
        var c = new double[f * f]; // upper triangle of sum (x - mean)(x - mean)^T
        var d = new double[f];
        for (int r = 0; r < n; r++)
        {
            var row = features.Slice(r * f, f);
            for (int i = 0; i < f; i++) d[i] = row[i] - mean[i];
            for (int i = 0; i < f; i++)
            {
                double di = d[i];
                int o = i * f;
                for (int j = i; j < f; j++) c[o + j] += di * d[j];
            }
        }
        var cov = Matrix<double>.Build.Dense(f, f);
        for (int i = 0; i < f; i++)
            for (int j = i; j < f; j++) { double v = c[i * f + j] / (n - 1); cov[i, j] = v; cov[j, i] = v; }
        return new FeatureStats(Vector<double>.Build.DenseOfArray(mean), cov, n);
    }
}

/// <summary>Fréchet (2-Wasserstein) distance between Gaussians and the label distribution of predictions.</summary>
public static class Frechet
{
    /// <summary>
    /// d² = |μa - μb|² + tr(Σa) + tr(Σb) - 2 tr((Σa^½ Σb Σa^½)^½), the squared 2-Wasserstein distance between
    /// N(μa, Σa) and N(μb, Σb) (what FID reports). Σa^½ and the outer root come from symmetric eigen-decompositions
    /// (eigenvalues below zero by rounding are clamped to 0), so the result is real and symmetric in a, b up to rounding.
    /// </summary>
    public static double Distance(FeatureStats a, FeatureStats b)
    {
        int f = a.Mean.Count;
        if (b.Mean.Count != f) throw new ArgumentException($"feature widths differ: {f} vs {b.Mean.Count}");
        double meanTerm = (a.Mean - b.Mean).DotProduct(a.Mean - b.Mean);
        var rootA = SqrtPsd(a.Covariance);
        var inner = rootA * b.Covariance * rootA;
        inner = (inner + inner.Transpose()) * 0.5; // exactly symmetric for the symmetric solver
        double trRoot = inner.Evd(Symmetricity.Symmetric).EigenValues.Sum(l => Math.Sqrt(Math.Max(l.Real, 0)));
        double d = meanTerm + a.Covariance.Trace() + b.Covariance.Trace() - 2 * trRoot;
        if (!double.IsFinite(d)) throw new ArithmeticException($"Fréchet distance is {d} (mean term {meanTerm}, trace of the root {trRoot})");
        return d;
    }

    /// <summary>V diag(√max(λ, 0)) Vᵀ of a symmetric positive semi-definite matrix.</summary>
    public static Matrix<double> SqrtPsd(Matrix<double> s)
    {
        var evd = ((s + s.Transpose()) * 0.5).Evd(Symmetricity.Symmetric);
        var v = evd.EigenVectors;
        var root = Vector<double>.Build.Dense(s.RowCount, i => Math.Sqrt(Math.Max(evd.EigenValues[i].Real, 0)));
        return v * Matrix<double>.Build.DenseOfDiagonalVector(root) * v.Transpose();
    }
}

/// <summary>How predicted labels spread over C classes: fractions, entropy (nats) and KL to the uniform distribution
/// (= log C - entropy; 0 when every class is predicted equally often, log C when one class takes everything).</summary>
public sealed record LabelDistribution(double[] Fractions, double Entropy, double KlToUniform)
{
    /// <summary>The distribution of argmax predictions of <paramref name="probabilities"/> [n, classes].</summary>
    public static LabelDistribution OfArgmax(ReadOnlySpan<float> probabilities, int n, int classes)
    {
        if (n <= 0 || probabilities.Length < (long)n * classes) throw new ArgumentException($"probabilities hold {probabilities.Length} floats, need n * C = {n} * {classes}");
        var counts = new double[classes];
        for (int r = 0; r < n; r++)
        {
            var row = probabilities.Slice(r * classes, classes);
            int best = 0;
            for (int k = 1; k < classes; k++) if (row[k] > row[best]) best = k;
            counts[best]++;
        }
        var p = counts.Select(c => c / n).ToArray();
        double h = p.Where(x => x > 0).Sum(x => x * Math.Log(1 / x)); // +0, not -0, when one class takes everything
        return new LabelDistribution(p, h, Math.Log(classes) - h);
    }
}
