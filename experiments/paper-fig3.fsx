// The paper's Fig. 3: estimated marginal likelihood log p(x) (the Appendix D estimator: HMC posterior samples, a
// Gaussian fitted to half of them, evaluated on the other half) of AEVB, wake-sleep and Monte Carlo EM against the
// number of training points N, on small MNIST models as the paper's (Dz = 3, 100 hidden units, Bernoulli
// decoder), train (dashed: the first EvalN of the N training points, binarized once) and test (solid: the first EvalN
// test images). Every run has the same budget of training samples; MCEM only up to 10,000 points (the core refuses more).
// Budgets: --quick 10,000 samples (N in {100, 1000}, 50 eval points), default 100,000 (N in {100, 1000, 10000}, 100
// eval points), --budget double 200,000, --full 10^7 (+ N = 50,000 for AEVB and wake-sleep, 1,000 eval points).
// A killed run resumes: runs continue from their checkpoints, finished estimates are read from <run>/fig3-logpx.json.
// Run: dotnet fsi experiments/paper-fig3.fsx [--quick | --budget double | --full] [--parallel N] [--results DIR] [--data DIR]
// Writes results/paper-fig3/fig3.png and results.md / results.csv. Must not: do model maths (the core's estimator does).
#load "_build.fsx";;
#load "_common.fsx"
open System
open System.IO
open System.Text.Json
open Deedle
open Vae.Core.Data
open Vae.Core.Inference
open Vae.Core.IO
open Vae.Core.Numerics
open Vae.Core.Runs
open Vae.Core.Training
open Vae.Experiments
open Plotly.NET

let samples, sizes, evalN =
    match settings.Budget.Name with
    | "quick" -> 10_000L, [ 100; 1000 ], 50
    | "double" -> 200_000L, [ 100; 1000; 10000 ], 100
    | "full" -> 10_000_000L, [ 100; 1000; 10000; 50000 ], 1000
    | _ -> 100_000L, [ 100; 1000; 10000 ], 100
let k = AppendixDOptions().Samples // 400 posterior samples per datapoint, 4 chains, 150 burn-in (the core's defaults)
let mcemMax = 10_000

let small = { baseline with Dz = 3; Hidden = [ 100 ]; SelectStepSize = false; LearningRate = 0.02; TrainSamples = samples; EvalK = 0; EvalPoints = 0 }
let methods = [ "AEVB", Method.Aevb; "wake-sleep", Method.WakeSleep; "MCEM", Method.Mcem ]
let grid =
    [ for (name, m) in methods do
          for n in sizes do
              if m <> Method.Mcem || n <= mcemMax then yield name, n, { small with Method = m; TrainLimit = n } ]

/// log p(x) by the Appendix D estimator on the first evalN training (binarized once, seeded) and test rows of a run.
type Fig3Estimate = { Train: float; TrainStdErr: float; Test: float; TestStdErr: float; Acceptance: float; K: int; N: int }

let estimate (dir: string) : Fig3Estimate =
    let file = Path.Combine(dir, "fig3-logpx.json")
    let saved =
        if File.Exists file then
            let e = JsonSerializer.Deserialize<Fig3Estimate>(File.ReadAllText file)
            if e.K = k && e.N = evalN then Some e else None
        else None
    match saved with
    | Some e -> e
    | None ->
        let blas = BlasResolver.Create(BlasOptions("auto", Nullable settings.BlasThreads))
        let t = RunInspection.Load(dir, blas, Option.toObj settings.DataDir)
        let seed = t.Options.Seed
        let train =
            let rows = t.Data.Train.Slice(0, min evalN t.Data.Train.N)
            if t.Data.BinarizeBatches then DataVariants.BinarizeFixed(rows, seed, DataSplit.Train) else rows
        let test = t.Data.Test.Slice(0, min evalN t.Data.Test.N)
        let est = AppendixDEstimator(t.Options.Model, blas, AppendixDOptions(Samples = k))
        let run (set: ImageSet) = est.Estimate(t.Theta, ReadOnlySpan(set.X, 0, set.N * set.D), Rng(seed ^^^ 0xA99DUL, RngStream.Eval))
        let tr, te = run train, run test
        let e = { Train = tr.LogPx; TrainStdErr = tr.StdErr; Test = te.LogPx; TestStdErr = te.StdErr
                  Acceptance = (tr.Acceptance + te.Acceptance) / 2.0; K = k; N = evalN }
        if not (Double.IsFinite e.Train && Double.IsFinite e.Test) then failwith $"{dir}: the Appendix D estimate is not finite ({e})"
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize e)
        e

let runs = runPoints "paper-fig3" (grid |> List.map (fun (_, _, c) -> c))
if not settings.DryRun then
    let rows =
        [ for (name, n, cfg) in grid ->
              let r = runs |> List.find (fun r -> r.RunId = Config.runId cfg)
              let e = estimate r.Dir
              printfn "fig3: %-10s N = %6d: log p(x) train %.2f ± %.2f, test %.2f ± %.2f (HMC acceptance %.2f)" name n e.Train e.TrainStdErr e.Test e.TestStdErr e.Acceptance
              name, n, r, e ]
    let outDir = Path.Combine(settings.ResultsRoot, "paper-fig3")
    let curves =
        [ for (name, _) in methods ->
              { Method = name
                Points = [ for (m, n, _, e) in rows do if m = name then yield CurvePoint(int64 n, 0, 0L, 0.0, e.Train, e.Test) ] } ]
    let chart =
        Figures.panelsWith "number of training points N" "log p(x), Appendix D (nats)"
            (sprintf "Fig. 3: %s training samples per run; train dashed, test solid" (samples.ToString("N0"))) 1
            [ "MNIST, Dz = 3", curves ]
        |> Chart.withSize (700, 440)
    Figures.savePng (Path.Combine(outDir, "fig3.png")) 720 460 chart
    saveFigureTable "paper-fig3" samples
        ($"Fig. 3 (fig3.png): log p(x) by the Appendix D estimator (K = {k} HMC samples per point: 4 chains, 150 burn-in, Gaussian "
         + $"fitted on half, estimate on the other half) on the first {evalN} training points (binarized once) and the first {evalN} "
         + "test images, ± its standard error over points; MNIST 784-100-3 (the paper's hidden activation, Bernoulli), Adagrad 0.02, weight prior N(0, I), "
         + "M = 100, seed 1; every method trained on the first N training images for the same number of training samples.")
        (Frame.ofRecords
            [ for (name, n, r, e) in rows ->
                  {| Method = name; N = n; Samples = r.Result.Samples; Epochs = r.Result.Epochs; TrainLogPx = e.Train; TrainStdErr = e.TrainStdErr
                     TestLogPx = e.Test; TestStdErr = e.TestStdErr; Acceptance = e.Acceptance; RunId = r.RunId |} ]
         |> Frame.sliceCols [ "Method"; "N"; "Samples"; "Epochs"; "TrainLogPx"; "TrainStdErr"; "TestLogPx"; "TestStdErr"; "Acceptance"; "RunId" ])
