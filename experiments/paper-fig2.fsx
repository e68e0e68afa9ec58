// The paper's Fig. 2: the variational lower bound vs training samples evaluated (log axis, evaluation points
// log-spaced from 10^5 to the budget, 4 per decade), train (dashed: mean minibatch bound since the previous point)
// and test (solid: the whole test set) curves, one panel per Dz: MNIST Dz in {3, 5, 10, 20, 200}, Frey Face Dz in
// {2, 5, 10, 20}. Methods: AEVB (estimator B at the paper's settings, Adagrad step chosen per run) and wake-sleep
// (the core's --method wake-sleep: the same encoder, decoder, optimizer, step-size selection and budget). Budgets: --quick 30,000 samples per run, default 500,000
// (the x-axis spans 10^5..5 x 10^5; 10^6 was estimated at ~14.5 min on 2 quiet cores from the main job's per-step cost, too close to
// the 15-minute target), --budget double 10^6, --full 10^8 (the paper's axis). A killed run resumes (run ids, checkpoints).
// Run: dotnet fsi experiments/paper-fig2.fsx [--quick | --budget double | --full] [--parallel N] [--results DIR]
// Writes results/paper-fig2/fig2.png, curves.csv, results.md / results.csv.
#load "_build.fsx";;
#load "_common.fsx"
open System.IO
open Deedle
open Vae.Experiments

let samples =
    match settings.Budget.Name with
    | "quick" -> 30_000L
    | "double" -> 1_000_000L
    | "full" -> 100_000_000L
    | _ -> 500_000L

let aevb dataset dz = { Config.forDataset dataset baseline with Dz = dz; Estimator = Estimator.B; Seed = 1; TrainSamples = samples; CurvePerDecade = 4 }
let wakeSleep dataset dz = { aevb dataset dz with Method = Method.WakeSleep }
let panels =
    [ for dz in [ 3; 5; 10; 20; 200 ] -> $"MNIST, Dz = {dz}", [ "AEVB", aevb "mnist" dz; "wake-sleep", wakeSleep "mnist" dz ]
      for dz in [ 2; 5; 10; 20 ] -> $"Frey Face, Dz = {dz}", [ "AEVB", aevb "frey-face" dz; "wake-sleep", wakeSleep "frey-face" dz ] ]
let what = "AEVB vs wake-sleep, seed 1"

let rows = runPoints "paper-fig2" (panels |> List.collect (snd >> List.map snd))
if not settings.DryRun then
    let curve (cfg: Config) = RunStore.curvePoints (runDirOf "paper-fig2" cfg)
    let outDir = Path.Combine(settings.ResultsRoot, "paper-fig2")
    let chart =
        panels
        |> List.map (fun (title, methods) -> title, [ for (m, cfg) in methods -> { Method = m; Points = curve cfg } ])
        |> Figures.panels (sprintf "Fig. 2: lower bound vs training samples (%s per run; %s)" (samples.ToString("N0")) what) 5
    Figures.savePng (Path.Combine(outDir, "fig2.png")) 1800 680 chart
    // Every curve point of every panel, long format: the numbers behind the figure.
    let long =
        [ for (title, methods) in panels do
              for (m, cfg) in methods do
                  for p in curve cfg ->
                      {| Panel = title; Method = m; Dataset = cfg.Dataset; Dz = cfg.Dz; Samples = p.Samples
                         TrainBound = p.TrainElbo; TestBound = p.TestElbo |} ]
    Tables.saveCsv (Path.Combine(outDir, "curves.csv")) (Frame.ofRecords long)
    saveFigureTable "paper-fig2" samples
        $"Fig. 2 (fig2.png, curves in curves.csv): final bounds of each panel's runs, seed 1; {what}."
        (Frame.ofRecords
            [ for (title, methods) in panels do
                  for (m, cfg) in methods do
                      match rows |> List.tryFind (fun r -> r.RunId = Config.runId cfg) with
                      | Some r ->
                          let x = r.Result
                          yield {| Panel = title; Method = m; Samples = x.Samples; ChosenLr = x.LearningRate; TrainElbo = x.TrainElbo
                                   TestElbo = x.TestElbo; LogPx = x.LogPx; RunId = r.RunId |}
                      | None -> () ]
         |> Frame.sliceCols [ "Panel"; "Method"; "Samples"; "ChosenLr"; "TrainElbo"; "TestElbo"; "LogPx"; "RunId" ])
