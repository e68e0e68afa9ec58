// Estimator A vs B head to head (paper Sec. 2.3): (1) final bounds at an equal training budget over 3 seeds;
// (2) the spread of their gradient estimates at the same parameters and minibatch (the paper says B's is lower:
// measured here, whatever the answer). Run: dotnet fsi experiments/estimators.fsx [--full] [--shard i/n]
#load "_common.fsx"
open _common
open System.IO
open Deedle
open Vae.Experiments

// Gradient spread first (needs no training): one fixed-binarized MNIST training minibatch (M=100), R draws of fresh noise, L=1.
let c = baseline
let spec = Vae.Core.Model.ModelSpec(D = 784, Dz = c.Dz, EncoderHidden = Array.ofList c.Hidden, DecoderHidden = Array.ofList c.Hidden)
let data = Vae.Core.Data.Datasets.Load(c.Dataset, Option.toObj settings.DataDir)
let train = Vae.Core.Data.DataVariants.Prepare(data, Vae.Core.Data.DataVariant.FixedBinarized, uint64 c.Seed).Train
let x = train.X[0 .. c.BatchSize * spec.D - 1]
let blas = Vae.Core.Numerics.ManagedBlas()
let repeats = if settings.Budget.Name = "full" then 1000 else 200
let thetaAtInit = GradVariance.initialTheta spec (float32 c.InitStd) (uint64 c.Seed)
// Pending the trainer: also measure at the trained parameters of the runs above (same theta for A and B).
let stats = [ for est in [ Vae.Core.Model.Estimator.A; Vae.Core.Model.Estimator.B ] -> GradVariance.measure spec blas thetaAtInit x c.BatchSize 1 est repeats 7UL ]
let frame = Frame.ofRecords stats
printfn "Gradient spread at the initial parameters (%d draws):\n%s" repeats (Tables.markdown frame)
Tables.saveCsv (Path.Combine(settings.ResultsRoot, "estimators", "grad-variance.csv")) frame

let rows = sweep "estimators" [ for seed in [ 1; 2; 3 ] do for est in [ A; B ] -> { baseline with Estimator = est; Seed = seed } ]
printfn "A vs B per seed (test ELBO):\n%s" (Tables.markdown (Tables.versus rows))
if not settings.DryRun then report ()
