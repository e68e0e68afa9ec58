// Noise samples per datapoint: L in {1, 5, 10} x estimator A/B on MNIST at the same number of training samples
// (paper Sec. 5 uses L = 1 with M = 100 and says larger L was not needed).
// Run: dotnet fsi experiments/sweep-samples.fsx [--seeds N] [--full] [--shard i/n]
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

let grid =
    [ for l in [ 1; 5; 10 ] do
          for est in [ Estimator.A; Estimator.B ] -> { baseline with L = l; Estimator = est } ]

let runs = sweep "sweep-samples" (grid |> seeds 1)
printfn "Estimator A vs B by L (test ELBO):\n%s" (versusTable runs)
if not settings.DryRun then report ()
