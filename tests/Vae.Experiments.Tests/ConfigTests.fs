// Run ids: deterministic across processes and machines (golden SHA-256 of the canonical text), distinct for
// every distinct configuration, and config validation errors that name the field.
module Vae.Experiments.Tests.ConfigTests

open Expecto
open Vae.Experiments

// Every field set explicitly, so a change of the baseline's defaults cannot move this golden value.
let explicitConfig =
    { Dataset = "frey-face"; Method = Method.Aevb; TrainLimit = 0; Variant = DataVariant.Grey; Likelihood = Likelihood.Gaussian; Hidden = [ 200; 100 ]
      Activation = Activation.Relu; Dz = 5; L = 3; Estimator = Estimator.A; Optimizer = Optimizer.Adam; LearningRate = 0.001; SelectStepSize = false
      BatchSize = 50; WeightPrior = false; Init = InitScheme.XavierUniform; InitStd = 0.05; TrainSamples = 12345L; CurvePerDecade = 0; EvalK = 10
      EvalPoints = 0; Seed = 7 }

[<Tests>]
let tests =
    testList "Config" [
        test "Canonical_text_lists_every_field_in_a_fixed_order" {
            Expect.equal (Config.canonical explicitConfig)
                "cfg1|dataset=frey-face|variant=grey|likelihood=gaussian|hidden=200-100|activation=relu|dz=5|l=3|estimator=A|optimizer=adam|lr=0.001|m=50|weight_prior=0|init=xavieruniform|init_std=0.05|train_samples=12345|eval_k=10|eval_points=0|seed=7"
                "canonical text"
        }

        test "Run_id_is_the_sha256_of_the_canonical_text_so_it_is_stable_across_processes" {
            // Golden from: printf '%s' '<the canonical text above>' | sha256sum  -> 402c87f8e9...
            Expect.equal (Config.runId explicitConfig) "frey-face-dz5-L3-A-adam-lr0.001-s7-402c87f8e9" "run id"
        }

        test "Equal_configs_built_separately_get_the_same_run_id" {
            let a = { Config.baseline with Dz = 5; Estimator = Estimator.A }
            let b = { { Config.baseline with Estimator = Estimator.A } with Dz = 5 }
            Expect.equal (Config.runId a) (Config.runId b) "same config, same id"
        }

        test "Changing_any_single_field_changes_the_run_id" {
            let c = explicitConfig
            let variants =
                [ "dataset", { c with Dataset = "mnist" }; "variant", { c with Variant = DataVariant.FixedBinarized }
                  "likelihood", { c with Likelihood = Likelihood.Bernoulli }; "hidden", { c with Hidden = [ 200 ] }
                  "activation", { c with Activation = Activation.Tanh }; "dz", { c with Dz = 6 }; "l", { c with L = 1 }
                  "estimator", { c with Estimator = Estimator.B }; "optimizer", { c with Optimizer = Optimizer.Sgd }
                  "lr", { c with LearningRate = 0.0011 }; "m", { c with BatchSize = 51 }
                  "weight_prior", { c with WeightPrior = true }; "init", { c with Init = InitScheme.Normal }
                  "init_std", { c with InitStd = 0.01 }
                  "train_samples", { c with TrainSamples = 12346L }; "curve_per_decade", { c with CurvePerDecade = 4 }; "eval_k", { c with EvalK = 11 }
                  "eval_points", { c with EvalPoints = 1 }; "seed", { c with Seed = 8 } ]
            let variants =
                variants @ [ "method", { c with Method = Method.WakeSleep }; "train_limit", { c with TrainLimit = 1000 } ]
            // method, train_limit, lr_select and curve_per_decade are listed only away from their defaults (AEVB, 0,
            // no selection, 10 even points), keeping earlier run ids.
            Expect.equal variants.Length ((Config.fields c).Length + 3) "one variation per field"
            // lr_select: the paper's selection, which applies to Adagrad runs only (c is an Adam config).
            let g = { c with Optimizer = Optimizer.Adagrad }
            Expect.notEqual (Config.runId { g with SelectStepSize = true }) (Config.runId g) "changing lr_select must change the id"
            for (name, v) in variants do
                Expect.notEqual (Config.runId v) (Config.runId c) $"changing {name} must change the id"
        }

        test "Every_point_of_a_large_grid_gets_a_distinct_run_id" {
            let grid =
                [ for ds in [ "mnist"; "frey-face"; "caltech101-28"; "fashion-mnist" ] do
                      for dz in [ 2; 3; 5; 10; 20; 200 ] do
                          for l in [ 1; 5; 10 ] do
                              for est in [ Estimator.A; Estimator.B ] do
                                  for opt, lr in [ Optimizer.Sgd, 0.01; Optimizer.Adagrad, 0.01; Optimizer.Adagrad, 0.02; Optimizer.Adagrad, 0.1; Optimizer.Adam, 0.001 ] do
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
                Expect.equal (Config.runId explicitConfig) "frey-face-dz5-L3-A-adam-lr0.001-s7-402c87f8e9" "decimal comma must not leak in"
            finally
                System.Globalization.CultureInfo.CurrentCulture <- saved
        }

        test "Invalid_configs_are_rejected_naming_the_field_and_value" {
            Expect.throwsT<Vae.Core.Inputs.InputException> (fun () -> Config.validate { Config.baseline with Dz = 0 } |> ignore) "Dz=0"
            let msg =
                try Config.validate { Config.baseline with L = 0 } |> ignore; "" with e -> e.Message
            Expect.stringStarts msg "L: 0 is out of range" "message names L and the value"
            let msg2 =
                try Config.validate { Config.baseline with LearningRate = -0.1 } |> ignore; "" with e -> e.Message
            Expect.stringStarts msg2 "LearningRate: -0.1 is out of range" "message names the learning rate"
            let adam = { Config.baseline with Optimizer = Optimizer.Adam; LearningRate = 0.001 }
            Expect.isFalse (Config.selectsStepSize (Config.validate adam)) "the selection is Adagrad's: Adam trains at its LearningRate"
            Expect.equal (Config.runId adam) (Config.runId { adam with SelectStepSize = false }) "and its run id does not mention it"
        }

        test "The_baseline_selects_the_paper_step_size_and_its_run_id_says_so" {
            Expect.isTrue Config.baseline.SelectStepSize "sweeps choose the Adagrad step as the paper did"
            Expect.stringContains (Config.runId Config.baseline) "-adagrad-lrsel-" "readable id"
            Expect.notEqual (Config.runId Config.baseline) (Config.runId { Config.baseline with SelectStepSize = false }) "fixed vs chosen"
        }

        test "Bad_config_fields_are_refused_by_the_cores_validation_layer_naming_the_field" {
            let cases =
                [ { Config.baseline with Dataset = ".." }, "Dataset: '..'"
                  { Config.baseline with Dataset = "../mnist" }, "Dataset: '../mnist' contains a path separator"
                  { Config.baseline with Dataset = "" }, "Dataset: the name is empty"
                  { Config.baseline with Dz = 100000 }, "Dz: 100000 is out of range"
                  { Config.baseline with BatchSize = -1 }, "BatchSize: -1 is out of range"
                  { Config.baseline with Hidden = [] }, "Hidden: needs at least one"
                  { Config.baseline with Hidden = [ 500; 0 ] }, "Hidden: 0 is out of range"
                  { Config.baseline with LearningRate = 1e-50 }, "LearningRate: 1E-50 underflows float32"
                  { Config.baseline with LearningRate = nan }, "LearningRate: NaN is not a finite number"
                  { Config.baseline with LearningRate = infinity }, "LearningRate: Infinity is not a finite number"
                  { Config.baseline with LearningRate = 1e39 }, "LearningRate: 1E+39 overflows float32"
                  { Config.baseline with InitStd = 0.0 }, "InitStd: 0 is out of range"
                  { Config.baseline with TrainSamples = 0L }, "TrainSamples: 0 is out of range"
                  { Config.baseline with EvalK = -1 }, "EvalK: -1 is out of range"
                  { Config.baseline with EvalPoints = -5 }, "EvalPoints: -5 is out of range"
                  { Config.baseline with Seed = -1 }, "Seed: -1 is out of range" ]
            let mutable clear = 0
            for (c, expected) in cases do
                let e = Expect.throwsC (fun () -> Config.validate c |> ignore) id
                Expect.isTrue (e :? Vae.Core.Inputs.InputException) $"{expected}: an InputException, found {e.GetType().Name}"
                Expect.stringStarts e.Message expected "names the field as typed in F#"
                Expect.isFalse (e.Message.Contains "(Parameter") "no internal parameter name"
                clear <- clear + 1
            printfn "reliability figures (F# configs): %d inputs tried, %d clear errors, 0 crashes, 0 silent wrong results" cases.Length clear
        }

        test "Frey_face_preset_uses_the_papers_gaussian_decoder_with_200_hidden_units" {
            let c = Config.forDataset "frey-face" Config.baseline
            Expect.equal (c.Likelihood, c.Hidden, c.Variant) (Likelihood.Gaussian, [ 200 ], DataVariant.Dequantized) "paper App. C, grey levels dequantized"
        }

        test "Seeds_replicate_every_point_with_seeds_1_to_n_and_applying_twice_changes_nothing" {
            let grid = [ { Config.baseline with Estimator = Estimator.A; Seed = 7 }; Config.baseline ]
            let g3 = Config.withSeeds 3 grid
            Expect.equal (g3 |> List.map (fun c -> c.Estimator, c.Seed)) [ for e in [ Estimator.A; Estimator.B ] do for s in 1..3 -> e, s ] "2 points x seeds 1..3"
            Expect.equal (Config.withSeeds 3 g3) g3 "idempotent"
            Expect.throwsT<System.ArgumentException> (fun () -> Config.withSeeds 0 grid |> ignore) "seeds >= 1"
        }

        test "Config_maps_onto_the_cores_TrainOptions_and_back_unchanged" {
            // The schema round trip: every field of a config survives Config -> TrainOptions -> JSON (the manifest's
            // format, enums by name) -> TrainOptions -> Config.
            let configs =
                [ explicitConfig; Config.baseline; Config.forDataset "frey-face" Config.baseline
                  { explicitConfig with Init = InitScheme.TorchUniform; InitStd = 0.01; WeightPrior = true; Hidden = [ 7 ]; Activation = Activation.Softplus }
                  { explicitConfig with Method = Method.WakeSleep; TrainLimit = 1000 }; { explicitConfig with CurvePerDecade = 4 } ]
            for c in configs do
                let o = Config.toTrainOptions 560 None c
                let json = System.Text.Json.JsonSerializer.Serialize(o, Vae.Core.IO.RunFolder.JsonOptions)
                Expect.stringContains json (sprintf "\"Estimator\": \"%O\"" c.Estimator) "enums are written by name"
                let back = System.Text.Json.JsonSerializer.Deserialize<Vae.Core.Training.TrainOptions>(json, Vae.Core.IO.RunFolder.JsonOptions)
                match back with
                | null -> failwith "no options read back"
                // The options hold the step a run trains with; the paper's selection (SelectStepSize) is the run's
                // manifest record (StepSize), not an option, so it reads back as false.
                | back -> Expect.equal (Config.ofTrainOptions back) { c with SelectStepSize = false } $"round trip of {Config.canonical c}"
        }

        test "Options_a_config_cannot_express_are_refused_naming_the_field" {
            let o = Config.toTrainOptions 784 None Config.baseline
            let odd = Vae.Core.Training.TrainOptions(Model = Vae.Core.Model.ModelSpec(EncoderHidden = [| 500 |], DecoderHidden = [| 300 |]))
            let msg = try Config.ofTrainOptions odd |> ignore; "" with e -> e.Message
            Expect.stringContains msg "do not mirror the encoder" "decoder sizes named"
            Expect.equal (Config.ofTrainOptions o).Hidden [ 500 ] "the baseline maps back"
        }
    ]
