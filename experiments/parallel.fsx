// Should a sweep run points side by side with one BLAS thread each, or one at a time with every core? Trains the
// same small MNIST grid both ways into temporary folders and prints wall time and runs/hour of each setting.
// Run: dotnet fsi experiments/parallel.fsx [--data DIR]   (the default of --parallel follows this measurement)
#load "_build.fsx";;
#load "_common.fsx"
open System
open System.Diagnostics
open System.IO
open Vae.Experiments

let cores = Environment.ProcessorCount
let grid = [ for seed in [ 1; 2 ] do for est in [ Estimator.A; Estimator.B ] -> { baseline with Estimator = est; Seed = seed; TrainSamples = 30_000L; EvalK = 0 } ]
CoreBackend.dataset "mnist" settings.DataDir |> ignore // load once, outside the timings

let timeWith par threads =
    let root = Path.Combine(Path.GetTempPath(), $"vae-parallel-{Guid.NewGuid():N}")
    let s = { settings with ResultsRoot = root; Parallel = par; BlasThreads = threads; Shard = None }
    let clock = Stopwatch.StartNew()
    let r = Sweep.run ignore s core "parallel" grid
    let seconds = clock.Elapsed.TotalSeconds
    Directory.Delete(root, true)
    if r.Runs.Length <> grid.Length then failwithf "only %d of %d points finished: %A" r.Runs.Length grid.Length r.Failed
    printfn "%d point(s) at once x %d BLAS thread(s): %.1f s for %d runs = %.0f runs/hour" par threads seconds grid.Length (3600.0 * float grid.Length / seconds)

// Both orders, so a change of load on a shared machine shows up as disagreement between the two rounds.
for round in 1..2 do
    if round % 2 = 1 then timeWith cores 1; timeWith 1 cores
    else timeWith 1 cores; timeWith cores 1
