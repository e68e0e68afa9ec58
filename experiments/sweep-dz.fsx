// The paper's Fig. 2 sweep: latent size Dz x estimator A/B on MNIST (Bernoulli decoder, 500 hidden) and on
// Frey Face (Gaussian decoder, 200 hidden), 3 seeds per point by default. Prints the A-vs-B table (mean ± sd over
// seeds, 95 % intervals, whether A − B exceeds the seed spread) and refreshes results/REPORT.md.
// Run: dotnet fsi experiments/sweep-dz.fsx [--seeds N] [--full] [--shard i/n] [--parallel N] [--dry-run]
#load "_build.fsx";;
#load "_common.fsx"
open _common
open Vae.Experiments

let mnist =
    [ for dz in [ 2; 3; 5; 10; 20; 200 ] do
          for est in [ Estimator.A; Estimator.B ] -> { baseline with Dz = dz; Estimator = est } ]

let frey =
    [ for dz in [ 2; 5; 10; 20 ] do
          for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est } ]

let runs = sweep "sweep-dz" (mnist @ frey |> seeds 3)
printfn "Estimator A vs B, test ELBO in nats per datapoint (higher is better):\n%s" (versusTable runs)
if not settings.DryRun then report ()
