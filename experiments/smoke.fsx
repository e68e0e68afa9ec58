// Smoke test of the script layer, run by the test command (scripts/suites/smoke.sh): the same _common.fsx, core
// trainer, sweep, tables and report a real experiment uses, on a tiny grid over synthetic data (no files needed),
// one seed per point unless --seeds N, checking its own results; exits 1 on failure.
// Run: dotnet fsi experiments/smoke.fsx --results <temp dir> [--seeds N]
#load "_build.fsx";;
#load "_common.fsx"
open System.IO
open Deedle
open Vae.Experiments

let tiny = { baseline with Dataset = "synthetic"; Hidden = [ 16 ]; BatchSize = 20; Optimizer = Optimizer.Adam; LearningRate = 0.003; SelectStepSize = false
                           TrainSamples = 40_000L; EvalK = 20; EvalPoints = 0 }
let nSeeds = defaultArg settings.Seeds 1
let grid = [ for dz in [ 2; 3; 5 ] do for est in [ Estimator.A; Estimator.B ] -> { tiny with Dz = dz; Estimator = est } ] |> seeds 1
let runs = sweep "smoke" grid

let check name ok = printfn "SMOKE-CHECK %s %s" (if ok then "ok" else "FAIL") name; ok
let ids = runs.RowKeys |> List.ofSeq
let finished = RunStore.finishedDirs settings.ResultsRoot (Some "smoke") |> List.map RunStore.read
let curves = Tables.curves finished
let curveOf id = Tables.curveOf id "samples" "train_elbo" curves
let results =
    [ check $"one run per grid point (3 Dz x 2 estimators x {nSeeds} seed(s))" (runs.RowCount = grid.Length && grid.Length = 6 * nSeeds)
      check "ids are the configs' ids" (List.sort ids = List.sort (grid |> List.map Config.runId))
      check "every run has 10 curve points" (ids |> List.forall (fun id -> (curveOf id).Length = 10))
      check "the training bound rose in every run" (ids |> List.forall (fun id -> let c = curveOf id in snd (List.last c) > snd c.Head))
      check "final numbers are finite" (runs.GetColumn<float> "TestElbo" |> Series.values |> Seq.append (runs.GetColumn<float> "LogPx" |> Series.values) |> Seq.forall System.Double.IsFinite
                                        && (runs.GetColumn<float> "LogPx").ValueCount = grid.Length)
      check $"A-vs-B table pairs every Dz over {nSeeds} seed(s)" (let v = Tables.versus runs in v.RowCount = 3 && (v.GetColumn<int> "seeds" |> Series.values |> Seq.forall ((=) nSeeds))) ]
report ()
let html = File.ReadAllText(resultsFile Report.HtmlFile)
let ok = results @ [ check "report written with the smoke curves" (html.Contains "synthetic/dynamic-binarized, Dz=2") ] |> List.forall id
if not ok then exit 1
