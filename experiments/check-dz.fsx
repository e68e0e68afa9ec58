// Part of the main job for a machine too busy for all of it: sweep-dz.fsx's configurations for Frey Face Dz in {2, 10}
// and MNIST Dz in {20, 200}, estimator A and B x 3 seeds, cheapest first (the same configs, hence the same run ids as
// the full sweep, which reuses them). Prints the A-vs-B table; writes results/sweep-dz/results[-<budget>].md.
// Run: dotnet fsi experiments/check-dz.fsx [--budget double] [--results DIR] [--parallel N]
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments
let grid =
    [ for dz in [ 2; 10 ] do for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est }
      for dz in [ 20; 200 ] do for est in [ Estimator.A; Estimator.B ] -> { baseline with Dz = dz; Estimator = est } ]
    |> seeds 3
let runs = sweep "sweep-dz" grid
printfn "budget %s (%d samples):\n%s" settings.Budget.Name settings.Budget.TrainSamples (versusTable runs)
