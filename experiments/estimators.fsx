// Estimator A vs B head to head (paper Sec. 2.3): final bounds at an equal training budget over 3 seeds (mean ± sd,
// 95 % intervals, whether the difference exceeds the seed spread), and the
// spread of their gradient estimates at the same parameters (initial, and trained by each seed's B run) on the same
// minibatch (the paper says B's is lower: measured here, whatever the answer).
// Run: dotnet fsi experiments/estimators.fsx [--seeds N] [--full] [--shard i/n]
#load "_build.fsx";;
#load "_common.fsx"
open Deedle
open Vae.Experiments

let runs = sweep "estimators" ([ for est in [ Estimator.A; Estimator.B ] -> { baseline with Estimator = est } ] |> seeds 3)
printfn "A vs B over seeds (test ELBO):\n%s" (versusTable runs)

// Gradient spread: one fixed-binarized MNIST training minibatch (M=100), R draws of fresh noise each, L=1.
let c = baseline
let spec = Vae.Core.Model.ModelSpec(D = 784, Dz = c.Dz, EncoderHidden = Array.ofList c.Hidden, DecoderHidden = Array.ofList c.Hidden)
let data = CoreBackend.dataset c.Dataset settings.DataDir
let x = Vae.Core.Data.DataVariants.BinarizeFixed(data.Train, uint64 c.Seed, Vae.Core.Data.DataSplit.Train).X[0 .. c.BatchSize * spec.D - 1]
let repeats = if settings.Budget.Name = "full" then 1000 else 200
let blas = Vae.Core.Numerics.BlasResolver.Create(Vae.Core.Numerics.BlasOptions()) // nothing else runs now: every core
let measureAt at theta = GradVariance.compare at spec blas theta x c.BatchSize 1 repeats 7UL
let trainedByB = runs |> Frame.filterRowValues (fun r -> r.GetAs<Estimator> "Estimator" = Estimator.B) |> Frame.getRowKeys |> List.ofSeq
let stats =
    measureAt "init" (GradVariance.initialTheta spec (float32 c.InitStd) (uint64 c.Seed))
    @ (trainedByB |> List.collect (fun id -> measureAt id (GradVariance.thetaFromRun (RunStore.runDir settings.ResultsRoot "estimators" id))))
let frame = Frame.ofRecords stats
printfn "Gradient spread over %d noise draws (same theta and minibatch for A and B):\n%s" repeats (Tables.markdown frame)
Tables.saveCsv (resultsFile Report.GradVarianceFile) frame
report ()
