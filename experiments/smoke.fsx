// Smoke test of the script layer, run by the test command (scripts/suites/smoke.sh): the same _common.fsx, core
// trainer, sweep, tables and report a real experiment uses, on a tiny grid over synthetic data (no files needed),
// checking its own results; exits 1 on failure. Run: dotnet fsi experiments/smoke.fsx --results <temp dir>
#load "_common.fsx"
open _common
open System.IO
open Vae.Experiments

let tiny = { baseline with Dataset = "synthetic"; Hidden = [ 16 ]; BatchSize = 20; Optimizer = Adam; LearningRate = 0.003; SelectStepSize = false
                           TrainSamples = 40_000L; EvalK = 20; EvalPoints = 0 }
let grid = [ for dz in [ 2; 3; 5 ] do for est in [ A; B ] -> { tiny with Dz = dz; Estimator = est } ]
let rows = sweep "smoke" grid

let check name ok = printfn "SMOKE-CHECK %s %s" (if ok then "ok" else "FAIL") name; ok
let ids = rows |> List.map (fun r -> r.RunId)
let curves = rows |> List.map (fun r -> RunStore.readCurve (RunStore.runDir settings.ResultsRoot "smoke" r.RunId))
let results =
    [ check "one row per grid point" (rows.Length = grid.Length)
      check "no duplicated rows" (List.distinct ids = ids)
      check "ids are the configs' ids" (List.sort ids = List.sort (grid |> List.map Config.runId))
      check "every run has 10 curve points" (curves |> List.forall (fun c -> c.Length = 10))
      check "the training bound rose in every run" (curves |> List.forall (fun c -> (List.last c).TrainElbo > c.Head.TrainElbo))
      check "final numbers are finite" (rows |> List.forall (fun r -> System.Double.IsFinite r.TestElbo && System.Double.IsFinite r.LogPx))
      check "A-vs-B table pairs every Dz" ((Tables.versus rows).RowCount = 3) ]
report ()
let html = File.ReadAllText(Path.Combine(settings.ResultsRoot, Report.HtmlFile))
let ok = results @ [ check "report written with the smoke curves" (html.Contains "smoke: synthetic/dynamic-binarized") ] |> List.forall id
if not ok then exit 1
