// Run ids: deterministic across processes and machines (golden SHA-256 of the canonical text), distinct for
// every distinct configuration, and config validation errors that name the field.
module Vae.Experiments.Tests.ConfigTests

open Expecto
open Vae.Experiments

// Every field set explicitly, so a change of the baseline's defaults cannot move this golden value.
let explicitConfig =
    { Dataset = "frey-face"; Variant = "grey"; Likelihood = Gaussian; Hidden = [ 200; 100 ]; Activation = "relu"
      Dz = 5; L = 3; Estimator = A; Method = "aevb"; Optimizer = Adam; LearningRate = 0.001; SelectStepSize = false; BatchSize = 50; WeightPrior = false
      Init = "xavier"; InitStd = 0.05; TrainSamples = 12345L; CurvePerDecade = 0; EvalK = 10; EvalPoints = 0; Seed = 7 }

[<Tests>]
let tests =
    testList "Config" [
        test "Canonical_text_lists_every_field_in_a_fixed_order" {
            Expect.equal (Config.canonical explicitConfig)
                "cfg1|dataset=frey-face|variant=grey|likelihood=gaussian|hidden=200-100|activation=relu|dz=5|l=3|estimator=A|method=aevb|optimizer=adam|lr=0.001|lr_select=none|m=50|weight_prior=0|init=xavier|init_std=0.05|train_samples=12345|curve_per_decade=0|eval_k=10|eval_points=0|seed=7"
                "canonical text"
        }

        test "Run_id_is_the_sha256_of_the_canonical_text_so_it_is_stable_across_processes" {
            // Golden from: printf '%s' '<the canonical text above>' | sha256sum  -> 9f86a3e077...
            Expect.equal (Config.runId explicitConfig) "frey-face-dz5-L3-A-adam-lr0.001-s7-9f86a3e077" "run id"
        }

        test "Equal_configs_built_separately_get_the_same_run_id" {
            let a = { Config.baseline with Dz = 5; Estimator = A }
            let b = { { Config.baseline with Estimator = A } with Dz = 5 }
            Expect.equal (Config.runId a) (Config.runId b) "same config, same id"
        }

        test "Changing_any_single_field_changes_the_run_id" {
            let c = explicitConfig
            let variants =
                [ "dataset", { c with Dataset = "mnist" }; "variant", { c with Variant = "fixed" }
                  "likelihood", { c with Likelihood = Bernoulli }; "hidden", { c with Hidden = [ 200 ] }
                  "activation", { c with Activation = "tanh" }; "dz", { c with Dz = 6 }; "l", { c with L = 1 }
                  "estimator", { c with Estimator = B }; "method", { c with Method = "wake-sleep" }; "optimizer", { c with Optimizer = Sgd }
                  "lr", { c with LearningRate = 0.0011 }; "lr_select", { c with SelectStepSize = true }; "m", { c with BatchSize = 51 }
                  "weight_prior", { c with WeightPrior = true }; "init", { c with Init = "normal" }
                  "init_std", { c with InitStd = 0.01 }
                  "train_samples", { c with TrainSamples = 12346L }; "curve_per_decade", { c with CurvePerDecade = 4 }; "eval_k", { c with EvalK = 11 }
                  "eval_points", { c with EvalPoints = 1 }; "seed", { c with Seed = 8 } ]
            Expect.equal variants.Length (Config.fields c).Length "one variation per field"
            for (name, v) in variants do
                Expect.notEqual (Config.runId v) (Config.runId c) $"changing {name} must change the id"
        }

        test "Every_point_of_a_large_grid_gets_a_distinct_run_id" {
            let grid =
                [ for ds in [ "mnist"; "frey-face"; "caltech101-28"; "fashion-mnist" ] do
                      for dz in [ 2; 3; 5; 10; 20; 200 ] do
                          for l in [ 1; 5; 10 ] do
                              for est in [ A; B ] do
                                  for opt, lr in [ Sgd, 0.01; Adagrad, 0.01; Adagrad, 0.02; Adagrad, 0.1; Adam, 0.001 ] do
                                      for seed in [ 1; 2 ] ->
                                          { Config.forDataset ds Config.baseline with
                                              Dz = dz; L = l; Estimator = est; Optimizer = opt; LearningRate = lr; Seed = seed } ]
            let ids = grid |> List.map Config.runId |> List.distinct
            Expect.equal ids.Length grid.Length "no two configurations share an id"
        }

        test "Run_id_does_not_depend_on_the_culture_of_the_machine" {
            let saved = System.Globalization.CultureInfo.CurrentCulture
            try
                // A culture with a decimal comma (built by hand: this build runs in invariant-globalization mode).
                let comma = System.Globalization.CultureInfo.InvariantCulture.Clone() :?> System.Globalization.CultureInfo
                comma.NumberFormat.NumberDecimalSeparator <- ","
                comma.NumberFormat.NegativeSign <- "~"
                System.Globalization.CultureInfo.CurrentCulture <- comma
                Expect.equal ((0.5).ToString()) "0,5" "the hand-made culture is in effect"
                Expect.equal (Config.runId explicitConfig) "frey-face-dz5-L3-A-adam-lr0.001-s7-9f86a3e077" "decimal comma must not leak in"
            finally
                System.Globalization.CultureInfo.CurrentCulture <- saved
        }

        test "Invalid_configs_are_rejected_naming_the_field_and_value" {
            Expect.throwsT<System.ArgumentException> (fun () -> Config.validate { Config.baseline with Dz = 0 } |> ignore) "Dz=0"
            let msg =
                try Config.validate { Config.baseline with L = 0 } |> ignore; "" with e -> e.Message
            Expect.stringContains msg "L (0) must be >= 1" "message names L and the value"
            let msg2 =
                try Config.validate { Config.baseline with LearningRate = -0.1 } |> ignore; "" with e -> e.Message
            Expect.stringContains msg2 "learning rate (-0.1)" "message names the learning rate"
            let msg3 =
                try Config.validate { Config.baseline with Optimizer = Adam } |> ignore; "" with e -> e.Message
            Expect.stringContains msg3 "needs optimizer adagrad, found adam" "selection is Adagrad's"
        }

        test "The_baseline_selects_the_paper_step_size_and_its_run_id_says_so" {
            Expect.isTrue Config.baseline.SelectStepSize "sweeps choose the Adagrad step as the paper did"
            Expect.stringContains (Config.runId Config.baseline) "-adagrad-lrsel-" "readable id"
            Expect.notEqual (Config.runId Config.baseline) (Config.runId { Config.baseline with SelectStepSize = false }) "fixed vs chosen"
        }

        test "Frey_face_preset_uses_the_papers_gaussian_decoder_with_200_hidden_units" {
            let c = Config.forDataset "frey-face" Config.baseline
            Expect.equal (c.Likelihood, c.Hidden, c.Variant) (Gaussian, [ 200 ], "dequantized") "paper App. C, dequantized grey levels"
        }
    ]
