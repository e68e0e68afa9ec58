// Optimizer x learning rate on MNIST with estimator B: SGD, the paper's Adagrad with its global step sizes
// {0.01, 0.02, 0.1} (paper Sec. 5), and Adam around its usual 1e-3.
// Run: dotnet fsi experiments/sweep-lr.fsx [--seeds N] [--full] [--shard i/n]
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

let grid =
    [ for opt, lrs in [ Optimizer.Sgd, [ 0.001; 0.01; 0.1 ]; Optimizer.Adagrad, [ 0.01; 0.02; 0.1 ]; Optimizer.Adam, [ 0.0003; 0.001; 0.003 ] ] do
          for lr in lrs -> { baseline with Optimizer = opt; LearningRate = lr; SelectStepSize = false } ]

sweep "sweep-lr" (grid |> seeds 1) |> ignore
if not settings.DryRun then report ()
