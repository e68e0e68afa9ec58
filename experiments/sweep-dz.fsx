// The paper's Fig. 2 sweep: latent size Dz x estimator A/B on MNIST (Bernoulli decoder, 500 hidden) and on
// Frey Face (Gaussian decoder, 200 hidden). Prints the A-vs-B table and refreshes results/REPORT.md.
// Run: dotnet fsi experiments/sweep-dz.fsx [--full] [--shard i/n] [--parallel N] [--dry-run]
#load "_build.fsx";;
#load "_common.fsx"
open _common
open Vae.Experiments

let mnist =
    [ for dz in [ 2; 3; 5; 10; 20; 200 ] do
          for est in [ A; B ] -> { baseline with Dz = dz; Estimator = est } ]

let frey =
    [ for dz in [ 2; 5; 10; 20 ] do
          for est in [ A; B ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est } ]

let rows = sweep "sweep-dz" (mnist @ frey)
printfn "Estimator A vs B, test ELBO in nats per datapoint (higher is better):\n%s" (Tables.markdown (Tables.versus rows))
if not settings.DryRun then report ()
