// The gradient-variance measurement on a tiny model: reproducible for a seed, and its variance falls as 1/L
// (L independent noise samples per datapoint average L independent gradient draws) — a property of any
// correct estimator, so it checks the measurement itself, not the paper's claim about A vs B.
module Vae.Experiments.Tests.GradVarianceTests

open Expecto
open Vae.Core.Model
open Vae.Core.Numerics
open Vae.Experiments

type CoreEst = Vae.Core.Model.Estimator

// Awkward small sizes so shape mistakes cannot cancel: D=13, H=7, Dz=3, M=5.
let spec = ModelSpec(D = 13, Dz = 3, EncoderHidden = [| 7 |], DecoderHidden = [| 7 |]).Validate()
let theta = GradVariance.initialTheta spec 0.3f 11UL
let x =
    let r = Rng(5UL, RngStream.Split)
    Array.init (5 * 13) (fun _ -> if r.NextDouble() < 0.4 then 1.0f else 0.0f)

let blas = new ManagedBlas()
let measure est l repeats seed = GradVariance.measure "init" spec blas theta x 5 l est repeats seed

[<Tests>]
let tests =
    testList "GradVariance" [
        test "Same_seed_gives_identical_statistics" {
            Expect.equal (measure CoreEst.A 1 20 3UL) (measure CoreEst.A 1 20 3UL) "reproducible"
            Expect.notEqual (measure CoreEst.A 1 20 3UL).TotalVariance (measure CoreEst.A 1 20 4UL).TotalVariance "seed matters"
        }

        test "Gradient_variance_falls_as_one_over_L_for_both_estimators" {
            for est in [ CoreEst.A; CoreEst.B ] do
                let v1 = (measure est 1 600 1UL).TotalVariance
                let v4 = (measure est 4 600 2UL).TotalVariance
                Expect.isGreaterThan v1 0.0 "noise gives a positive variance"
                let ratio = v1 / v4
                Expect.isTrue (ratio > 3.3 && ratio < 4.8) $"{est}: Var(L=1)/Var(L=4) = {ratio:F2}, expected about 4"
        }

        test "Too_few_repeats_are_rejected" {
            Expect.throwsT<System.ArgumentException> (fun () -> measure CoreEst.B 1 1 1UL |> ignore) "R=1"
        }
    ]
