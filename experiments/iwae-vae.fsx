// A published number, reproduced: the IWAE paper's (Burda et al. 2016, Table 1) one-stochastic-layer VAE,
// 784-200-200-50 with Tanh units, Bernoulli decoder, dynamically binarized MNIST: log p(x) = -86.76 with k = 5000.
// Their schedule: Adam (beta1 0.9, beta2 0.999, eps 1e-4), M = 20, for i = 0..7: 3^i epochs at lr 1e-3 * 10^(-i/7)
// (3,280 epochs). Budgets: --quick runs stage 0 (1 epoch), the default stages 0..4 (121 epochs), --budget double
// stages 0..5 (364 epochs), --full all 8 (3,280 epochs). After each stage: test ELBO on all 10,000 test images and
// log p(x) with K = 5000 on the budget's evaluation points (default the first 1,000; --full all), written to
// results/iwae-vae/curve.csv; each stage's end is checkpointed, so a killed run resumes at its last finished stage.
// Run: dotnet fsi experiments/iwae-vae.fsx [--quick | --budget double | --full] [--results DIR] [--data DIR]
// Must not: do model maths (the core's Trainer and Evaluator do).
#load "_build.fsx";;
#load "_common.fsx"
open System
open System.Diagnostics
open System.IO
open Vae.Core.Data
open Vae.Core.IO
open Vae.Core.Model
open Vae.Core.Numerics
open Vae.Core.Tensors
open Vae.Core.Training

let stages = match settings.Budget.Name with "quick" -> 1 | "double" -> 6 | "full" -> 8 | _ -> 5
let evalPoints = settings.Budget.EvalPoints
let seed = 1
let outDir = Path.Combine(settings.ResultsRoot, "iwae-vae")
Directory.CreateDirectory outDir |> ignore

let spec = ModelSpec(D = 784, Dz = 50, EncoderHidden = [| 200; 200 |], DecoderHidden = [| 200; 200 |],
                     Likelihood = Likelihood.Bernoulli, Activation = Activation.Tanh, SigmoidMean = true)
let options stage =
    TrainOptions(Dataset = "mnist", DataDir = Option.toObj settings.DataDir, Variant = DataVariant.DynamicBinarized,
                 Validation = ValidationSplit.MergeIntoTrain, Model = spec, Estimator = Estimator.B, Samples = 1, BatchSize = 20,
                 Epochs = pown 3 stage,
                 Optimizer = OptimizerOptions(Kind = OptimizerKind.Adam, LearningRate = 1e-3 * 10.0 ** (-float stage / 7.0),
                                              Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-4),
                 Init = InitScheme.XavierUniform, Seed = uint64 seed)
let data = Vae.Core.Runs.RunDriver.LoadData(options 0)
let blas = BlasResolver.Create(BlasOptions("auto", Nullable 1))
printfn "iwae-vae: %s; %s; stages 0..%d (%d epochs); log p(x) K=5000 on %s test images" (spec.ToString()) (blas.Describe())
    (stages - 1) (List.sum [ for i in 0 .. stages - 1 -> pown 3 i ]) (if evalPoints = 0 then "all" else string evalPoints)

let ckpt i = Path.Combine(outDir, $"stage{i}.ckpt")
let curvePath = Path.Combine(outDir, "curve.csv")
let header = "stage,epochs,lr,samples,train_seconds,test_elbo,log_px_k5000,log_px_stderr,eval_points,blas"
let rows = if File.Exists curvePath then File.ReadAllLines curvePath |> Array.skip 1 |> List.ofArray else []
let mutable lines = rows |> List.filter (fun r -> File.Exists(ckpt (int (r.Split(',')[0]))))
let mutable previous: CheckpointData option =
    lines |> List.tryLast |> Option.map (fun r -> Checkpoint.Load(ckpt (int (r.Split(',')[0]))))
let mutable seconds = lines |> List.tryLast |> Option.map (fun r -> float (r.Split(',')[4])) |> Option.defaultValue 0.0
for i in lines.Length .. stages - 1 do
    let o = options i
    let t = Trainer(o, blas, data)
    previous |> Option.iter t.Restore
    let sw = Stopwatch.StartNew()
    t.TrainSteps(int64 o.Epochs * int64 t.StepsPerEpoch)
    seconds <- seconds + sw.Elapsed.TotalSeconds
    let elbo = t.TestElbo()
    let ll = t.TestLogLikelihood(5000, evalPoints)
    let snap = t.Snapshot()
    Checkpoint.Save(ckpt i, snap)
    previous <- Some snap
    let epochs = List.sum [ for j in 0 .. i -> pown 3 j ]
    let line = String.Join(",", [| string i; string epochs; o.Optimizer.LearningRate.ToString("G4"); string t.SamplesSeen; seconds.ToString("F0")
                                   elbo.Elbo.ToString("F2"); ll.LogPx.ToString("F2"); ll.StdErr.ToString("F2"); string ll.N; "\"" + blas.Describe() + "\"" |])
    lines <- lines @ [ line ]
    AtomicFile.WriteAllText(curvePath, String.Join("\n", header :: lines) + "\n")
    printfn "stage %d: %d epochs, %.0f s training: test ELBO %.2f, log p(x) %.2f ± %.2f (K=5000, %d test images)" i epochs seconds elbo.Elbo ll.LogPx ll.StdErr ll.N
