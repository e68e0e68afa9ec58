// The main job's tables from the runs finished so far, training nothing: for a machine too busy to finish
// sweep-dz.fsx, it tabulates every finished results/sweep-dz run of the chosen budget (the configs' run ids are the
// sweep's, so these are the same runs the full sweep would reuse). Settings missing a seed or an estimator show fewer
// seeds or no A-vs-B row; the table says which runs it holds.
// Run: dotnet fsi experiments/sweep-dz-finished.fsx [--budget double] [--results DIR]
// Writes results/sweep-dz/finished[-<budget>].csv / .md (one row per run, then A vs B with seed statistics).
#load "_build.fsx";;
#load "_common.fsx"
open System.IO
open Deedle
open Vae.Experiments

let b = settings.Budget
let finished =
    RunStore.finishedDirs settings.ResultsRoot (Some "sweep-dz")
    |> List.map RunStore.read
    |> List.filter (fun r -> r.Options.MaxTrainingSamples = b.TrainSamples)
if finished.IsEmpty then
    eprintfn "no finished sweep-dz runs with the '%s' budget (%d training samples) under %s" b.Name b.TrainSamples settings.ResultsRoot
    exit 1
let runs = Tables.runs finished
let suffix = if b.Name = Budget.standard.Name then "" else "-" + b.Name
let dir = Path.Combine(settings.ResultsRoot, "sweep-dz")
Tables.saveCsv (Path.Combine(dir, $"finished{suffix}.csv")) (runs |> Frame.dropCol "Setting")
let what = $"The main job's runs finished so far ({finished.Length} of sweep-dz.fsx's 60), tabulated without training; one row per run."
let md = header b.TrainSamples what + "\n" + Tables.markdownTable finished
RunStore.writeAtomic (Path.Combine(dir, $"finished{suffix}.md")) md
printfn "%s" md
