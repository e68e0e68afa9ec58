// Seed-to-seed statistics for the tables: mean, standard deviation and Student-t 95 % interval of one
// configuration's seeds, and the rule that says whether two configurations differ by more than that spread
// (Welch's t interval of the difference of means excludes 0). MathNet.Numerics computes every statistic.
// Must not: read files or format text beyond the short verdict.
namespace Vae.Experiments

open System
open MathNet.Numerics.Distributions
open MathNet.Numerics.Statistics

/// The seeds of one configuration: count, mean, sample standard deviation and the 95 % Student-t interval of the
/// mean (NaN where fewer than 2 finite values make it undefined). Non-finite values are not counted.
type SeedStats =
    { N: int
      Mean: float
      Sd: float
      Low: float
      High: float }

/// A - B for two configurations' seeds: difference of means, its Welch 95 % interval, degrees of freedom, the
/// two-sided p-value, and the verdict of the rule (Exceeds: the interval excludes 0).
type Difference =
    { Diff: float
      Low: float
      High: float
      Df: float
      P: float
      Exceeds: bool option }

module Stats =
    /// Confidence level of every interval.
    [<Literal>]
    let Level = 0.95

    /// The rule, as table footnotes state it.
    let rule =
        "mean ± sd over seeds, [95 % Student-t interval of the mean]; A − B: difference of the means with its Welch 95 % interval; "
        + "it exceeds the seed-to-seed spread when that interval excludes 0 (two-sided Welch t-test, p < 0.05); "
        + "with one seed on either side no test is possible. Statistics by MathNet.Numerics."

    /// Student-t quantile for a two-sided interval at Level with df degrees of freedom.
    let private tQuantile (df: float) = StudentT.InvCDF(0.0, 1.0, df, 1.0 - (1.0 - Level) / 2.0)

    /// Count, mean, sd and 95 % interval of the finite values.
    let ofValues (values: float seq) : SeedStats =
        let xs = values |> Seq.filter Double.IsFinite |> Array.ofSeq
        let n = xs.Length
        if n = 0 then { N = 0; Mean = nan; Sd = nan; Low = nan; High = nan }
        else
            let mean = Statistics.Mean xs
            if n = 1 then { N = 1; Mean = mean; Sd = nan; Low = nan; High = nan }
            else
                let sd = Statistics.StandardDeviation xs // sample sd (n - 1)
                let half = tQuantile (float (n - 1)) * sd / sqrt (float n)
                { N = n; Mean = mean; Sd = sd; Low = mean - half; High = mean + half }

    /// Welch's comparison of a and b (mean of a minus mean of b): Welch-Satterthwaite degrees of freedom, the t
    /// interval of the difference, and whether it excludes 0. Exceeds = None when either side has fewer than 2 seeds.
    let welch (a: SeedStats) (b: SeedStats) : Difference =
        let diff = a.Mean - b.Mean
        if a.N < 2 || b.N < 2 then { Diff = diff; Low = nan; High = nan; Df = nan; P = nan; Exceeds = None }
        else
            let va = a.Sd * a.Sd / float a.N
            let vb = b.Sd * b.Sd / float b.N
            let se = sqrt (va + vb)
            if se = 0.0 then
                // Both sides without spread: any non-zero difference exceeds it.
                { Diff = diff; Low = diff; High = diff; Df = infinity; P = (if diff = 0.0 then 1.0 else 0.0); Exceeds = Some(diff <> 0.0) }
            else
                let df = (va + vb) ** 2.0 / (va * va / float (a.N - 1) + vb * vb / float (b.N - 1))
                let half = tQuantile df * se
                let t = diff / se
                let p = 2.0 * (1.0 - StudentT.CDF(0.0, 1.0, df, abs t))
                { Diff = diff; Low = diff - half; High = diff + half; Df = df; P = p; Exceeds = Some(diff - half > 0.0 || diff + half < 0.0) }

    /// The verdict in words, naming the series: "A higher", "B higher", "within seed spread", "1 seed: untested".
    let verdict (nameA: string) (nameB: string) (d: Difference) =
        match d.Exceeds with
        | None when Double.IsNaN d.Diff -> "-"
        | None -> "too few seeds to test"
        | Some false -> "within seed spread"
        | Some true -> if d.Diff > 0.0 then $"{nameA} higher" else $"{nameB} higher"
