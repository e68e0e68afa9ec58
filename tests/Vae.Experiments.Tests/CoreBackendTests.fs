// The bridge into the C# core: every Config field reaches the core's options, a tiny real training run on
// synthetic data learns and is bit-for-bit reproducible with the managed provider, and running points in parallel
// changes no number. (MKL is not bit-reproducible across calling threads: see the parallel test.)
module Vae.Experiments.Tests.CoreBackendTests

open Expecto
open Deedle
open Vae.Core.Data
open Vae.Core.Model
open Vae.Core.Tensors
open Vae.Core.Training
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

let tiny =
    { Config.baseline with
        Dataset = "synthetic"; Hidden = [ 16 ]; Dz = 2; BatchSize = 20; Optimizer = Optimizer.Adam; LearningRate = 0.003; SelectStepSize = false
        TrainSamples = 4000L; EvalK = 10; EvalPoints = 50 }

let ctx dir = { Dir = dir; DataDir = None; BlasThreads = 1; Progress = ignore; Log = ignore }

[<Tests>]
let tests =
    testList "CoreBackend" [
        test "Every_config_field_reaches_the_cores_train_options" {
            let c =
                { Config.baseline with
                    Dataset = "frey-face"; Variant = DataVariant.Grey; Likelihood = Likelihood.Gaussian; Hidden = [ 200; 100 ]
                    Activation = Activation.Relu; Dz = 5; L = 3; Estimator = Estimator.A; Method = Method.WakeSleep; Optimizer = Optimizer.Sgd; LearningRate = 0.05; SelectStepSize = false
                    BatchSize = 50; WeightPrior = false; Init = InitScheme.XavierUniform; InitStd = 0.2; TrainSamples = 10_000L
                    EvalK = 7; EvalPoints = 30; Seed = 9 }
            let o = Config.toTrainOptions 560 (Some "dd") c
            Expect.equal (o.Dataset, o.DataDir, o.Variant, o.Validation) ("frey-face", "dd", DataVariant.Grey, ValidationSplit.MergeIntoTrain) "data"
            Expect.equal (o.Model.D, o.Model.Dz, List.ofSeq o.Model.EncoderHidden, List.ofSeq o.Model.DecoderHidden) (560, 5, [ 200; 100 ], [ 100; 200 ]) "sizes"
            Expect.equal (o.Model.Likelihood, o.Model.Activation, o.Model.SigmoidMean) (Vae.Core.Model.Likelihood.Gaussian, Vae.Core.Numerics.Activation.Relu, true) "model kind"
            Expect.equal (o.Estimator, o.Samples, o.BatchSize, o.MaxTrainingSamples) (Vae.Core.Model.Estimator.A, 3, 50, 10_000L) "estimator and budget"
            Expect.equal (o.Optimizer.Kind, o.Optimizer.LearningRate, o.Optimizer.WeightPrior) (OptimizerKind.Sgd, 0.05, 0.0) "optimizer"
            Expect.equal (o.Init, o.InitStd, o.Seed, o.FinalK, o.EvalLimit) (InitScheme.XavierUniform, 0.2f, 9UL, 7, 30) "init, seed, eval"
            Expect.equal o.EvalEverySamples 1000L "10 curve points"
            Expect.equal o.Method TrainingMethod.WakeSleep "method"
            let p = Config.toTrainOptions 784 None Config.baseline
            Expect.equal (p.Optimizer.Kind, p.Optimizer.LearningRate, p.Optimizer.WeightPrior, p.Init, p.InitStd)
                (OptimizerKind.Adagrad, 0.02, 1.0, InitScheme.Normal, 0.01f) "the baseline is the paper's setting"
        }

        test "A_tiny_real_run_learns_and_reports_every_number" {
            use tmp = new TempDir()
            let o = CoreBackend.run (ctx tmp.Path) tiny
            let curve = RunStore.curve tmp.Path
            let train = curve.GetColumn<float> "train_elbo" |> Series.values |> List.ofSeq
            Expect.equal curve.RowCount 10 "10 curve points"
            Expect.equal o.Samples 4000L "trained to the budget"
            Expect.floatClose Accuracy.high o.Epochs 10.0 "4000 samples of 400 = 10 epochs"
            Expect.isGreaterThan (List.last train) train.Head "the training bound rose"
            for v in [ o.TrainElbo; o.TestElbo; o.LogPx; o.LogPxStdErr ] do Expect.isTrue (System.Double.IsFinite v) "finite"
            Expect.isLessThan o.TestElbo 0.0 "a bound on log-probabilities of binary images is negative"
            Expect.stringContains o.Blas "threads=1" "BLAS description of the provider the resolver chose"
            for f in [ "manifest.json"; "curve.csv"; "metrics.json"; "checkpoint.ckpt"; "reconstructions.png"; "samples.png"; "manifold.png" ] do
                Expect.isTrue (System.IO.File.Exists(System.IO.Path.Combine(tmp.Path, f))) $"the core's run folder has {f}"
            let back = RunStore.read tmp.Path
            Expect.equal (Config.ofTrainOptions back.Options) tiny "manifest options map back onto the config"
            Expect.equal back.Result o "metrics.json reads back as the same TrainResult"
        }

        test "Epochs_are_exact_not_floored" {
            use tmp = new TempDir()
            // 4100 samples of 400 training rows (M = 20): 10.25 epochs, which an integer count would floor to 10.
            let o = CoreBackend.run (ctx tmp.Path) { tiny with TrainSamples = 4100L; EvalK = 0 }
            Expect.equal o.Samples 4100L "trained to the budget"
            Expect.floatClose Accuracy.high o.Epochs 10.25 "fractional epochs"
            Expect.floatClose Accuracy.high (RunStore.read tmp.Path).Result.Epochs 10.25 "as metrics.json stores them"
        }

        test "A_sweep_point_with_step_size_selection_trains_with_the_chosen_paper_step_and_records_the_trials" {
            use tmp = new TempDir()
            let c = { tiny with Optimizer = Optimizer.Adagrad; LearningRate = 0.02; SelectStepSize = true; TrainSamples = 2000L }
            let o = CoreBackend.run (ctx tmp.Path) c
            let json (f: string) = System.Text.Json.JsonDocument.Parse(System.IO.File.ReadAllText(System.IO.Path.Combine(tmp.Path, f))).RootElement
            let chosen = (json "metrics.json").GetProperty("LearningRate").GetDouble()
            Expect.contains [ 0.01; 0.02; 0.1 ] chosen "trained with one of the paper's candidates"
            let step = (json "manifest.json").GetProperty("StepSize")
            Expect.equal (step.GetProperty("Chosen").GetDouble()) chosen "the manifest records the chosen step"
            Expect.equal (step.GetProperty("Trials").GetArrayLength()) 3 "one trial per candidate"
            Expect.isTrue (System.Double.IsFinite o.TestElbo) "finite result"
        }

        test "The_same_config_trains_to_identical_numbers_with_the_managed_provider_on_any_thread" {
            use tmp = new TempDir()
            let a = CoreBackend.runWith "managed" (ctx (System.IO.Path.Combine(tmp.Path, "a"))) tiny
            let b = System.Threading.Tasks.Task.Run(fun () -> CoreBackend.runWith "managed" (ctx (System.IO.Path.Combine(tmp.Path, "b"))) tiny).Result
            let curve d = RunStore.curve (System.IO.Path.Combine(tmp.Path, d)) |> fun c -> c.GetColumn<float> "test_elbo" |> Series.values |> List.ofSeq
            Expect.equal (b.TrainElbo, b.TestElbo, b.LogPx, curve "b") (a.TrainElbo, a.TestElbo, a.LogPx, curve "a") "bit-identical"
        }

        test "A_parallel_core_sweep_gives_the_same_numbers_as_a_sequential_one_up_to_BLAS_rounding" {
            use a = new TempDir()
            use b = new TempDir()
            let grid = [ for dz in [ 2; 3 ] do for est in [ Estimator.A; Estimator.B ] -> { tiny with Dz = dz; Estimator = est } ]
            let seqRows = (Sweep.run quiet (settingsFor a.Path) CoreBackend.backend "t" grid).Runs
            let parRows = (Sweep.run quiet { settingsFor b.Path with Parallel = 2 } CoreBackend.backend "t" grid).Runs
            Expect.equal parRows.Length 4 "all points"
            // MKL's single-thread sgemm differs in the last bits with the calling thread (about 1e-8 relative,
            // measured here), so the auto provider is held to BLAS rounding; the managed one must match exactly.
            let byId (runs: FinishedRun list) = runs |> List.sortBy (fun r -> r.RunId)
            for (p, q) in List.zip (byId parRows) (byId seqRows) do
                Expect.equal (p.RunId, p.Result.ActiveUnits) (q.RunId, q.Result.ActiveUnits) "same points, same active units"
                for (x, y, what) in [ p.Result.TrainElbo, q.Result.TrainElbo, "train"; p.Result.TestElbo, q.Result.TestElbo, "test"; p.Result.LogPx, q.Result.LogPx, "log p(x)" ] do
                    Expect.floatClose { absolute = 1e-4; relative = 1e-6 } x y $"{p.RunId} {what}"
            use c = new TempDir()
            use d = new TempDir()
            let managed = CoreBackend.backendWith "managed"
            let key (r: FinishedRun) = r.RunId, r.Result.TrainElbo, r.Result.TestElbo, r.Result.LogPx, r.Result.ActiveUnits
            let seqM = (Sweep.run quiet (settingsFor c.Path) managed "t" grid).Runs |> List.map key |> List.sort
            let parM = (Sweep.run quiet { settingsFor d.Path with Parallel = 2 } managed "t" grid).Runs |> List.map key |> List.sort
            Expect.equal parM seqM "managed provider: identical bits in parallel and in sequence"
        }
    ]
