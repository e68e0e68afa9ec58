// Smoke test of the script layer, run by the test command (scripts/suites/smoke.sh): the same _common.fsx,
// sweep, tables and report a real experiment uses, on a tiny grid, checking its own results; exits 1 on failure.
// Until the C# trainer lands it uses a stand-in backend (made-up numbers, clearly named) instead of `core`.
// Run: dotnet fsi experiments/smoke.fsx --results <temp dir> [--parallel N]
#load "_common.fsx"
open _common
open System.IO
open Vae.Experiments

let standIn: Backend =
    { Name = "stand-in (not a model)"
      Describe = fun t -> $"none ({t} thread(s))"
      Run =
        fun ctx c ->
            System.Threading.Thread.Sleep 400 // long enough for smoke.sh to kill a sweep mid-way
            let v = -100.0 - float c.Dz - (if c.Estimator = A then 1.0 else 0.0)
            let curve = [ for e in 1..3 -> { Epoch = e; Samples = int64 e * 100L; TrainElbo = v - 10.0 / float e; TestElbo = v - 12.0 / float e; Seconds = 0.1 } ]
            curve |> List.iter ctx.Progress
            { TrainElbo = v + 1.0; TestElbo = v; LogPx = v + 3.0; LogPxStdErr = 0.1; ActiveUnits = c.Dz; Epochs = 3.0; Samples = 300L
              Seconds = 0.4; Curve = curve; Blas = "none" } }

let grid = [ for dz in [ 2; 3; 5 ] do for est in [ A; B ] -> { baseline with Dz = dz; Estimator = est; TrainSamples = 300L } ]
let rows = sweepWith standIn "smoke" grid
let check name ok = printfn "SMOKE-CHECK %s %s" (if ok then "ok" else "FAIL") name; ok
let ids = rows |> List.map (fun r -> r.RunId)
let results =
    [ check "one row per grid point" (rows.Length = grid.Length)
      check "no duplicated rows" (List.distinct ids = ids)
      check "ids are the configs' ids" (List.sort ids = List.sort (grid |> List.map Config.runId))
      check "A-vs-B table pairs every Dz" ((Tables.versus rows).RowCount = 3) ]
report ()
let html = File.ReadAllText(Path.Combine(settings.ResultsRoot, Report.HtmlFile))
let ok = results @ [ check "report written with the smoke curves" (html.Contains "smoke: mnist/dynamic-binarized") ] |> List.forall id
if not ok then exit 1
