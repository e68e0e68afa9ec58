// Part of the main job for a machine too busy for all of it: sweep-dz.fsx's Frey Face configurations with Dz in {2, 10},
// estimator A and B x seeds 1-3 (the same configs, hence the same run ids as the full sweep, which reuses them).
// Run: dotnet fsi experiments/check-frey.fsx [--budget double] [--results DIR] [--parallel N]
#load "_common.fsx"
open _common
open Vae.Experiments
let grid =
    [ for dz in [ 10; 2 ] do for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = est } ] |> seeds 3
let runs = sweep "sweep-dz" grid
printfn "budget %s (%d samples):\n%s" settings.Budget.Name settings.Budget.TrainSamples (versusTable runs)
