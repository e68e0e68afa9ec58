// The paper's Fig. 2 sweep: latent size Dz x estimator A/B on MNIST (Bernoulli decoder, 500 hidden) and on
// Frey Face (Gaussian decoder, 200 hidden), 3 seeds per point by default, the Adagrad step chosen per run as in the
// paper. Prints the A-vs-B table (mean ± sd over seeds, 95 % intervals, whether A − B exceeds the seed spread) with
// the budget that made it and refreshes results/REPORT.md.
// Run: dotnet fsi experiments/sweep-dz.fsx [--quick | --budget double | --full] [--seeds N] [--shard i/n] [--parallel N] [--dry-run]
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

let mnist =
    [ for dz in [ 2; 3; 5; 10; 20; 200 ] do
          for est in [ Estimator.A; Estimator.B ] -> { baseline with Dz = dz; Estimator = est } ]

let frey =
    [ for dz in [ 2; 5; 10; 20 ] do
          for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est } ]

let runs = sweep "sweep-dz" (mnist @ frey |> seeds 3)
let b = settings.Budget
printfn "Estimator A vs B, test ELBO in nats per datapoint (higher is better); budget '%s': %s training samples per run, Adagrad step chosen per run from {0.01, 0.02, 0.1}; MNIST dynamically binarized (Bernoulli), Frey Face grey levels dequantized to (v + u) / 256 with a Gaussian decoder, i.e. a continuous density on [0, 1]^560 (positive values):\n%s"
    b.Name (b.TrainSamples.ToString("N0")) (versusTable runs)
if not settings.DryRun then report ()
