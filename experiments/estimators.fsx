// Estimator A vs B head to head (paper Sec. 2.3): final bounds at an equal training budget over 3 seeds, and the
// spread of their gradient estimates at the same parameters (initial, and trained by each seed's B run) on the same
// minibatch (the paper says B's is lower: measured here, whatever the answer).
// Run: dotnet fsi experiments/estimators.fsx [--full] [--shard i/n]
#load "_build.fsx";;
#load "_common.fsx"
open _common
open System.IO
open Deedle
open Vae.Experiments

let rows = sweep "estimators" [ for seed in [ 1; 2; 3 ] do for est in [ A; B ] -> { baseline with Estimator = est; Seed = seed } ]
printfn "A vs B per seed (test ELBO):\n%s" (Tables.markdown (Tables.versus rows))

// Gradient spread: one fixed-binarized MNIST training minibatch (M=100), R draws of fresh noise each, L=1.
let c = baseline
let spec = Vae.Core.Model.ModelSpec(D = 784, Dz = c.Dz, EncoderHidden = Array.ofList c.Hidden, DecoderHidden = Array.ofList c.Hidden)
let data = CoreBackend.dataset c.Dataset settings.DataDir
let x = Vae.Core.Data.DataVariants.BinarizeFixed(data.Train, uint64 c.Seed, Vae.Core.Data.DataSplit.Train).X[0 .. c.BatchSize * spec.D - 1]
let repeats = if settings.Budget.Name = "full" then 1000 else 200
let blas = Vae.Core.Numerics.BlasResolver.Create(Vae.Core.Numerics.BlasOptions()) // nothing else runs now: every core
let measureAt at theta = GradVariance.compare at spec blas theta x c.BatchSize 1 repeats 7UL
let trained = rows |> List.filter (fun r -> r.Estimator = "B")
let stats =
    measureAt "init" (GradVariance.initialTheta spec (float32 c.InitStd) (uint64 c.Seed))
    @ (trained |> List.collect (fun r -> measureAt r.RunId (GradVariance.thetaFromRun (RunStore.runDir settings.ResultsRoot "estimators" r.RunId))))
let frame = Frame.ofRecords stats
printfn "Gradient spread over %d noise draws (same theta and minibatch for A and B):\n%s" repeats (Tables.markdown frame)
Tables.saveCsv (Path.Combine(settings.ResultsRoot, "estimators", "grad-variance.csv")) frame
report ()
