// A 4-point sweep on synthetic data (Dz in {2, 3} x estimator A/B; no files needed), for trying launchers and for
// the Slurm suite (scripts/suites/slurm.sh): long enough per point (env VAE_TINY_SAMPLES training samples, default
// 400,000) that a running point can be stopped and resumed. Run: dotnet fsi experiments/tiny.fsx [--launcher slurm ...]
#load "_build.fsx";;
#load "_common.fsx"
open System
open Vae.Experiments

let samples =
    match Environment.GetEnvironmentVariable "VAE_TINY_SAMPLES" with
    | null | "" -> 400_000L
    | s -> match Int64.TryParse s with
           | true, v when v > 0L -> v
           | _ -> failwith $"VAE_TINY_SAMPLES '{s}': expected a whole number of training samples > 0"

let tiny = { baseline with Dataset = "synthetic"; Hidden = [ 64 ]; BatchSize = 20; Optimizer = Optimizer.Adam; LearningRate = 0.003
                           TrainSamples = samples; EvalK = 20; EvalPoints = 0 }
let runs = sweep "tiny" [ for dz in [ 2; 3 ] do for est in [ Estimator.A; Estimator.B ] -> { tiny with Dz = dz; Estimator = est } ]
if tabulates then printfn "Estimator A vs B, test ELBO in nats per datapoint (higher is better):\n%s" (versusTable runs)
