// Seed statistics against known values and the significance rule of the A-vs-B tables.
// Golden values: Python's statistics module with an independent regularized-incomplete-beta Student t (continued
// fraction, Numerical Recipes 6.4) and bisection for quantiles; the Welch case is Wikipedia's "Welch's t-test" example 1
// (t = -2.46, df = 24.99, p = 0.021 as printed there).
module Vae.Experiments.Tests.StatsTests

open Expecto
open Vae.Experiments

let private close = { absolute = 1e-9; relative = 1e-9 }

[<Tests>]
let tests =
    testList "Stats" [
        test "Mean_sd_and_95_percent_t_interval_of_1_to_5" {
            let s = Stats.ofValues [ 1.0; 2.0; 3.0; 4.0; 5.0 ]
            Expect.equal s.N 5 "n"
            Expect.floatClose close s.Mean 3.0 "mean"
            Expect.floatClose close s.Sd 1.5811388300841898 "sample sd (n - 1)"
            // t(0.975, 4) = 2.7764451051977908
            Expect.floatClose close s.Low 1.0367568385224448 "low"
            Expect.floatClose close s.High 4.963243161477555 "high"
        }

        test "One_seed_has_a_mean_and_no_spread_and_non_finite_values_are_not_counted" {
            let s = Stats.ofValues [ -100.0; nan; infinity ]
            Expect.equal (s.N, s.Mean) (1, -100.0) "one finite value"
            Expect.isTrue (System.Double.IsNaN s.Sd && System.Double.IsNaN s.Low) "no sd, no interval"
            Expect.equal (Stats.ofValues []).N 0 "empty"
        }

        test "Welch_difference_matches_the_published_example" {
            let a = Stats.ofValues [ 27.5; 21.0; 19.0; 23.6; 17.0; 17.9; 16.9; 20.1; 21.9; 22.6; 23.1; 19.6; 19.0; 21.7; 21.4 ]
            let b = Stats.ofValues [ 27.1; 22.0; 20.8; 23.4; 23.4; 23.5; 25.8; 22.0; 24.8; 20.2; 21.9; 22.1; 22.9; 20.5; 24.4 ]
            let d = Stats.welch a b
            Expect.floatClose close d.Diff -2.166666666666668 "difference of means"
            Expect.floatClose close d.Df 24.98852929023142 "Welch-Satterthwaite df"
            Expect.floatClose { absolute = 1e-7; relative = 1e-7 } d.P 0.02137800146286684 "two-sided p"
            Expect.floatClose { absolute = 1e-7; relative = 1e-7 } d.Low -3.9840962671409264 "interval low"
            Expect.floatClose { absolute = 1e-7; relative = 1e-7 } d.High -0.34923706619240935 "interval high"
            Expect.equal d.Exceeds (Some true) "interval excludes 0: the difference exceeds the spread"
            Expect.equal (Stats.verdict "A" "B" d) "B higher" "b's mean is higher"
        }

        test "The_rule_says_within_spread_when_the_interval_contains_0_and_untested_with_one_seed" {
            let a = Stats.ofValues [ -100.0; -101.0; -99.0 ]
            let b = Stats.ofValues [ -100.5; -99.5; -101.5 ]
            let d = Stats.welch a b
            Expect.isTrue (d.Low < 0.0 && d.High > 0.0) "interval contains 0"
            Expect.equal (Stats.verdict "A" "B" d) "within seed spread" "not significant"
            let far = Stats.welch (Stats.ofValues [ -90.0; -90.1; -89.9 ]) b
            Expect.equal (Stats.verdict "A" "B" far) "A higher" "10 nats apart with 0.1-1 nat spread"
            let one = Stats.welch (Stats.ofValues [ -90.0 ]) b
            Expect.equal (one.Exceeds, Stats.verdict "A" "B" one) (None, "too few seeds to test") "one seed: no test"
            Expect.floatClose close one.Diff 10.5 "the difference is still shown"
            let same = Stats.welch (Stats.ofValues [ 1.0; 1.0 ]) (Stats.ofValues [ 1.0; 1.0 ])
            Expect.equal same.Exceeds (Some false) "no spread, no difference"
        }
    ]
