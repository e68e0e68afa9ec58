// MLP VAE vs convolutional VAE vs DCGAN on MNIST at one training budget, several seeds: test ELBO where defined, Fréchet
// distance on the framework's MNIST classifier's features, the classifier's label distribution of samples, seconds per
// epoch; samples side by side. Writes results/compare-models/{results.csv, summary.csv, README.md, samples-*.png}.
// Run: dotnet fsi experiments/compare-models.fsx [--full] [--seeds N] [--results DIR] [--data DIR] (the settings every script takes)
// Must not: hold model maths (the core trains, samples and scores; this script only chooses runs and tabulates).
#load "_build.fsx";;
#load "_common.fsx"
open System
open System.IO
open Deedle
open MathNet.Numerics.Statistics
open Vae.Core
open Vae.Core.Runs
open Vae.Core.Training

/// The budget: training images seen per model (the same for all three), seeds, samples scored per run. The default is the
/// settings' quick budget (≤ 15 min on this project's 2-core machine when it is not shared); --full is 10 epochs per model.
type Budget = { Name: string; Samples: int64; Seeds: int; FidSamples: int }
let budget =
    if settings.Budget.Name = "full" then { Name = "full"; Samples = 600_000L; Seeds = 3; FidSamples = 10_000 }
    else { Name = "quick"; Samples = 6_400L; Seeds = 3; FidSamples = 2_000 }
let seeds = defaultArg settings.Seeds budget.Seeds
let dataDir = settings.DataDir |> Option.toObj
let outDir = Path.Combine(settings.ResultsRoot, "compare-models")
let runsRoot = Path.Combine(outDir, "runs-" + budget.Name)
let blas = Numerics.BlasResolver.Create(Numerics.BlasOptions(Threads = Nullable(Environment.ProcessorCount)))
let args = fsi.CommandLineArgs |> Array.skip 1 |> List.ofArray
printfn "compare-models: budget %s (%d training images per model), seeds 1..%d, %d samples scored; %s" budget.Name budget.Samples seeds budget.FidSamples (blas.Describe())

let classifier =
    let o = ClassifierOptions(DataDir = dataDir)
    SampleQuality.EnsureClassifier(SampleQuality.DefaultClassifierDir(settings.ResultsRoot, o.Seed), o, blas, Console.Out)

type Row = { Model: string; Seed: int; TestElbo: float; Frechet: float; DataFloor: float; LabelEntropy: float; LabelKl: float
             SecondsPerEpoch: float; Run: string }

let finished dir = File.Exists(Path.Combine(dir, "metrics.json"))
let readJson<'T> (file: string) = Text.Json.JsonSerializer.Deserialize<'T>(File.ReadAllText file, IO.RunFolder.JsonOptions)

/// The two VAEs: the paper's MLP (784-500-20) and the TF CVAE tutorial's convolutional one (32, 64 filters), both with
/// Dz = 20, Bernoulli decoder on dynamically binarized MNIST, estimator B, Adam 1e-3, M = 100.
let vaeOptions (model: string) (seed: int) =
    let spec =
        if model = "conv-vae" then
            Model.ModelSpec(Dz = 20, EncoderHidden = [| 32; 64 |], DecoderHidden = [| 64; 32 |], Activation = Numerics.Activation.Relu,
                            Architecture = Model.Architecture.Conv)
        else Model.ModelSpec(Dz = 20, EncoderHidden = [| 500 |], DecoderHidden = [| 500 |])
    // One curve point, at the end: the test ELBO on all 10,000 images is the table's number, and more points would only
    // spend the budget's time evaluating.
    TrainOptions(Dataset = "mnist", DataDir = dataDir, Model = spec, MaxTrainingSamples = budget.Samples, EvalEverySamples = budget.Samples,
                 FinalK = 0, Seed = uint64 seed, Optimizer = OptimizerOptions(LearningRate = 1e-3))

/// Trains (or reuses, when its metrics.json exists) one model's run for one seed; returns (run dir, test ELBO, s/epoch).
let train (model: string) (seed: int) : string * float * float =
    let id = $"s{seed}"
    let dir = Path.Combine(runsRoot, model, id)
    let log = new StringWriter()
    match model with
    | "dcgan" ->
        let o = GanOptions(DataDir = dataDir, MaxTrainingSamples = budget.Samples, Seed = uint64 seed)
        if not (finished dir) then GanRun.Train(o, runsRoot, model, id, blas, Console.Out, resume = true) |> ignore
        let m = readJson<GanMetrics> (Path.Combine(dir, "metrics.json"))
        dir, nan, m.SecondsPerEpoch
    | _ ->
        let o = vaeOptions model seed
        if not (finished dir) then RunDriver.Train(o, runsRoot, model, id, blas, log, resume = true) |> ignore
        let m = readJson<TrainResult> (Path.Combine(dir, "metrics.json"))
        let steps = Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")))["StepSecondsPerEpoch"]
        dir, m.TestElbo, (if isNull steps then m.SecondsPerEpoch else steps.GetValue<float>())

let models = [ "mlp-vae"; "conv-vae"; "dcgan" ]
let rows =
    [ for model in models do
        for seed in 1 .. seeds do
            printfn "== %s seed %d" model seed
            let dir, elbo, spe = train model seed
            let q = SampleQuality.Evaluate(dir, classifier, budget.FidSamples, blas, Nullable(), dataDir)
            printfn "   Fréchet %.3f (floor %.3f), label entropy %.4f, %.1f s/epoch" q.Frechet q.DataFrechet q.LabelEntropy spe
            { Model = model; Seed = seed; TestElbo = elbo; Frechet = q.Frechet; DataFloor = q.DataFrechet; LabelEntropy = q.LabelEntropy
              LabelKl = q.LabelKlToUniform; SecondsPerEpoch = spe; Run = Path.GetRelativePath(outDir, dir) } ]

// ---- tables: every run, then per model mean ± sd (min .. max) over seeds ----
Directory.CreateDirectory outDir |> ignore
let frame = Frame.ofRecords rows
frame.SaveCsv(Path.Combine(outDir, $"results-{budget.Name}.csv"), includeRowKeys = false)
let stat (xs: float list) =
    let xs = xs |> List.filter (fun v -> not (Double.IsNaN v))
    if xs.IsEmpty then "n/a", nan, nan, nan, nan
    else
        let m = Statistics.Mean xs
        let sd = if xs.Length > 1 then Statistics.StandardDeviation xs else 0.0
        $"{m:F2} ± {sd:F2} ({List.min xs:F2} .. {List.max xs:F2})", m, sd, List.min xs, List.max xs
let metrics : (string * (Row -> float)) list =
    [ "test ELBO (nats)", (fun r -> r.TestElbo); "Fréchet distance", (fun r -> r.Frechet); "data floor", (fun r -> r.DataFloor)
      "label entropy (nats)", (fun r -> r.LabelEntropy); "KL to uniform (nats)", (fun r -> r.LabelKl); "s / epoch", (fun r -> r.SecondsPerEpoch) ]
let byModel = models |> List.map (fun m -> m, rows |> List.filter (fun r -> r.Model = m))
let summary =
    [ for m, rs in byModel ->
        m, [ for name, f in metrics -> name, stat (rs |> List.map f) ] ]
let summaryCsv =
    [ "model,metric,mean,sd,min,max,seeds" ] @
    [ for m, cols in summary do
        for name, (_, mean, sd, lo, hi) in cols -> $"{m},{name},{mean:R},{sd:R},{lo:R},{hi:R},{seeds}" ]
File.WriteAllLines(Path.Combine(outDir, $"summary-{budget.Name}.csv"), summaryCsv)

// Does the Fréchet gap between two models exceed the seed spread? (their min..max ranges do not overlap)
let frechetRange m = rows |> List.filter (fun r -> r.Model = m) |> List.map (fun r -> r.Frechet) |> fun xs -> List.min xs, List.max xs
let verdicts =
    [ for a, b in [ "mlp-vae", "conv-vae"; "mlp-vae", "dcgan"; "conv-vae", "dcgan" ] do
        if seeds < 2 then yield $"- Fréchet {a} vs {b}: one seed, no spread to compare the difference with"
        elif List.contains a models && List.contains b models then
          let (alo, ahi), (blo, bhi) = frechetRange a, frechetRange b
          let sep = ahi < blo || bhi < alo
          yield $"- Fréchet {a} vs {b}: " + (if sep then "the ranges over seeds do not overlap (the difference exceeds the seed spread)"
                                              else "the ranges over seeds overlap (not separated at this budget and seed count)") ]

// Samples side by side: 64 images of seed 1's run of each model (`vae sample --run DIR --n 64`).
let sampleFiles =
    [ for m in models ->
        let dir = Path.Combine(runsRoot, m, "s1")
        let png = RunInspection.Sample(dir, 64, blas).Split('\n').[0].Trim()
        let name = $"samples-{budget.Name}-{m}.png"
        File.Copy(png, Path.Combine(outDir, name), true)
        name ]

let mlpSpec, convSpec = (vaeOptions "mlp-vae" 1).Model, (vaeOptions "conv-vae" 1).Model
let command = "dotnet fsi experiments/compare-models.fsx" + (if args.IsEmpty then "" else " " + String.Join(" ", args))
let header = "| model | " + String.Join(" | ", metrics |> List.map fst) + " |"
let md =
    [ $"# MLP VAE vs convolutional VAE vs DCGAN on MNIST ({budget.Name} budget)"
      ""
      $"Command: `{command}`; commit {IO.GitCommit.Current()}; {DateTime.UtcNow:u}; {blas.Describe()}."
      $"Budget: {budget.Samples:N0} training images per run (the same for every model), seeds 1..{seeds}; Fréchet distance on"
      $"{budget.FidSamples:N0} samples vs the 10,000 test images, on the penultimate features of the framework's MNIST classifier"
      $"({classifier.Options.Model}, seed {classifier.Options.Seed}, test accuracy {classifier.TestAccuracy:P2}); data floor = the same"
      $"distance for {budget.FidSamples:N0} real training images. Test ELBO: nats per datapoint on the dynamically binarized test set"
      "(single sample, higher is better; not defined for the DCGAN). Entries: mean ± sd (min .. max) over seeds. s / epoch: seconds"
      "of training steps per 60,000 images as each run records it (the VAEs' StepSecondsPerEpoch: batches, forward, backward and"
      "optimizer, without held-out evaluation; the DCGAN's whole loop, which evaluates nothing); the machine's load moves it:"
      "compare within one table only; `scripts/bench/conv-pytorch.sh` compares the convolutional VAE's step with PyTorch's."
      ""
      $"Models: MLP VAE {mlpSpec}; convolutional VAE {convSpec}; both estimator B,"
      $"Adam 1e-3, M = 100, dynamically binarized pixels; {GanOptions().Model} (Radford et al. 2016's shape at half width), Adam 2e-4,"
      "beta1 0.5, M = 64, grey pixels."
      ""
      header
      "| --- |" + String.replicate metrics.Length " ---: |"
      yield! [ for m, cols in summary -> $"| {m} | " + String.Join(" | ", cols |> List.map (fun (_, (s, _, _, _, _)) -> s)) + " |" ]
      ""
      yield! verdicts
      ""
      "## Samples (seed 1, 64 each)"
      ""
      "| " + String.Join(" | ", models) + " |"
      "|" + String.replicate models.Length " --- |"
      "| " + String.Join(" | ", sampleFiles |> List.map (fun f -> $"![]({f})")) + " |"
      ""
      $"Every run: `results-{budget.Name}.csv`; per model: `summary-{budget.Name}.csv`; run folders under `runs-{budget.Name}/` (not committed)." ]
File.WriteAllLines(Path.Combine(outDir, $"README-{budget.Name}.md"), md)
md |> List.iter (printfn "%s")
