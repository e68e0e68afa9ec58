// The standard normal quantile Phi^-1 and the inverse-CDF latent grid of the paper's Fig. 4 manifolds.
// Owns: Wichura's algorithm AS 241 (PPND16, double precision) and the grid layout.
// Must not: decode anything (RunFigures does) or draw random numbers.
namespace Vae.Core.Runs;

/// <summary>Quantile function of N(0, 1) and the unit-square grid mapped through it.</summary>
public static class NormalQuantile
{
    /// <summary>
    /// Phi^-1(p) for p in (0, 1), by Wichura (1988), Algorithm AS 241 PPND16: rational approximations in three
    /// regions, relative accuracy about 1e-16 (the same algorithm as R's qnorm and Python's NormalDist.inv_cdf).
    /// Returns -Infinity at 0 and +Infinity at 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">p outside [0, 1] or NaN.</exception>
    public static double Inverse(double p)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"probability ({p}) must be in [0, 1]");
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;
        double q = p - 0.5, r, val;
        if (Math.Abs(q) <= 0.425)
        {
            r = 0.180625 - q * q;
            return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                        + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                        + 133.14166789178437745) * r + 3.387132872796366608)
                     / (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r
                        + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                        + 42.313330701600911252) * r + 1.0);
        }
        r = Math.Sqrt(-Math.Log(q < 0 ? p : 1 - p));
        if (r <= 5)
        {
            r -= 1.6;
            val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                   + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                   + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                   + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                   + 2.05319162663775882187) * r + 1.0);
        }
        else
        {
            r -= 5;
            val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                   + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                   + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                   + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                   + 0.59983220655588793769) * r + 1.0);
        }
        return q < 0 ? -val : val;
    }

    /// <summary>
    /// The paper's Fig. 4 grid: n x n evenly spaced points (i + 0.5) / n of the open unit square, each mapped through
    /// Phi^-1 so that equal areas carry equal prior mass. Returns z [n * n, 2] in display order: grid row r (top to
    /// bottom) has z2 = Phi^-1(1 - (r + 0.5) / n) (up is positive), column c has z1 = Phi^-1((c + 0.5) / n).
    /// The half-cell offset keeps the points off the square's edges, where Phi^-1 is infinite.
    /// </summary>
    public static float[] InverseCdfGrid(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"grid size ({n}) must be positive");
        var z = new float[n * n * 2]; // [n*n, 2]
        for (int r = 0; r < n; r++)
        for (int c = 0; c < n; c++)
        {
            z[(r * n + c) * 2] = (float)Inverse((c + 0.5) / n);
            z[(r * n + c) * 2 + 1] = (float)Inverse(1 - (r + 0.5) / n);
        }
        return z;
    }
}
