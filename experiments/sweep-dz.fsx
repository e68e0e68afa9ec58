// The paper's Fig. 2 sweep: latent size Dz x estimator A/B on MNIST (Bernoulli decoder, 500 hidden) and on
// Frey Face (Gaussian decoder, 200 hidden), 3 seeds each, the Adagrad step chosen per run as in the paper. Prints
// the A-vs-B table with the budget that made it and refreshes results/REPORT.md.
// Run: dotnet fsi experiments/sweep-dz.fsx [--quick | --budget double | --full] [--shard i/n] [--parallel N] [--dry-run]
#load "_common.fsx"
open _common
open Vae.Experiments

let seeds = [ 1; 2; 3 ]

let mnist =
    [ for dz in [ 2; 3; 5; 10; 20; 200 ] do
          for est in [ A; B ] do
              for seed in seeds -> { baseline with Dz = dz; Estimator = est; Seed = seed } ]

let frey =
    [ for dz in [ 2; 5; 10; 20 ] do
          for est in [ A; B ] do
              for seed in seeds -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est; Seed = seed } ]

let rows = sweep "sweep-dz" (mnist @ frey)
let b = settings.Budget
printfn "Estimator A vs B, test ELBO in nats per datapoint (higher is better); budget '%s': %s training samples per point, seeds %A, Adagrad step chosen per run from {0.01, 0.02, 0.1}; MNIST dynamically binarized (Bernoulli), Frey Face grey levels dequantized to (v + u) / 256 with a Gaussian decoder, i.e. a continuous density on [0, 1]^560 (positive values):\n%s"
    b.Name (b.TrainSamples.ToString("N0")) seeds (Tables.markdown (Tables.versus rows))
if not settings.DryRun then report ()
