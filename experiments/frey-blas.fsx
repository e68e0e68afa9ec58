// Frey Face across BLAS providers: the same configs and seeds trained with the managed GEMM and with OpenBLAS.
// Float32 GEMMs round differently per provider, so runs part ways after a few steps; the question is whether the
// final numbers differ by more than the seed-to-seed spread (they did by 60 nats on raw grey levels; issue 13).
// Run: dotnet fsi experiments/frey-blas.fsx [--quick | --budget double | --full] [--results DIR] [--data DIR]
// Writes results/frey-blas/results.md / results.csv (one row per config and seed, both providers side by side).
#load "_build.fsx";;
#load "_common.fsx"
open Deedle
open Vae.Experiments

let providers = [ "managed"; "openblas" ]
let grid =
    [ for dz in [ 2; 10 ] do
          for seed in [ 1; 2; 3 ] -> { Config.forDataset "frey-face" baseline with Dz = dz; Estimator = Estimator.B; Seed = seed } ]

let rowsOf provider =
    let r = Sweep.run (printfn "%s") settings (CoreBackend.backendWith provider) $"frey-blas-{provider}" grid
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s (%s): %s" id provider msg
        exit 1
    r.Runs |> List.map (fun run -> run.RunId, run.Result) |> Map.ofList

let byProvider = providers |> List.map (fun p -> p, rowsOf p) |> Map.ofList
if not settings.DryRun then
    let table =
        [ for c in grid ->
              let id = Config.runId c
              let m, o = byProvider["managed"][id], byProvider["openblas"][id]
              {| Dz = c.Dz; Seed = c.Seed; ManagedTestElbo = m.TestElbo; OpenBlasTestElbo = o.TestElbo
                 Difference = o.TestElbo - m.TestElbo; ManagedLr = m.LearningRate; OpenBlasLr = o.LearningRate |} ]
        |> Frame.ofRecords
    saveFigureTable "frey-blas" settings.Budget.TrainSamples
        "Frey Face (Dz 2 and 10, estimator B, seeds 1-3), test ELBO with the managed GEMM vs OpenBLAS (1 thread each); compare the Difference column with the spread over seeds of either column."
        table
