// The ONE bridge into the C# core: an F# Config becomes the core's ModelSpec / TrainOptions once, the core's
// Trainer trains (Algorithm 1) and evaluates, and its numbers come back as a flat RunOutput. Also the data it
// trains on: the catalog's datasets (loaded once per process) or "synthetic" prototypes for smoke runs.
// Must not: compute any model quantity itself; every number below comes from Vae.Core.
namespace Vae.Experiments

open System
open System.Collections.Concurrent
open System.Diagnostics
open Vae.Core.Data
open Vae.Core.Model
open Vae.Core.Numerics
open Vae.Core.Training

module CoreBackend =
    /// Training split policy of every sweep: the paper trains on all 60,000 MNIST training images.
    let validation = ValidationSplit.MergeIntoTrain

    /// Curve points per run (the trainer evaluates the test bound at a fixed interval of training samples).
    let curvePoints = 10L

    let private activation (name: string) =
        match name.ToLowerInvariant() with
        | "tanh" -> Activation.Tanh
        | "relu" -> Activation.Relu
        | "softplus" -> Activation.Softplus
        | other -> invalidArg "Activation" $"unknown activation '{other}': expected tanh, relu or softplus"

    /// The core's options for a config on data of dimension d. Decoder hidden sizes mirror the encoder's.
    let toTrainOptions (cfg: Config) (d: int) (dataDir: string option) =
        let spec =
            ModelSpec(
                D = d,
                Dz = cfg.Dz,
                EncoderHidden = Array.ofList cfg.Hidden,
                DecoderHidden = Array.ofList (List.rev cfg.Hidden),
                Likelihood = (match cfg.Likelihood with
                              | Bernoulli -> Likelihood.Bernoulli
                              | Gaussian -> Likelihood.Gaussian),
                Activation = activation cfg.Activation,
                SigmoidMean = true)
        let optimizer =
            OptimizerOptions(
                Kind = (match cfg.Optimizer with
                        | Sgd -> OptimizerKind.Sgd
                        | Adagrad -> OptimizerKind.Adagrad
                        | Adam -> OptimizerKind.Adam),
                LearningRate = cfg.LearningRate,
                WeightPrior = (if cfg.WeightPrior then 1.0 else 0.0))
        let m = int64 cfg.BatchSize
        TrainOptions(
            Dataset = cfg.Dataset,
            DataDir = Option.toObj dataDir,
            Variant = DataVariants.Parse cfg.Variant,
            Validation = validation,
            Model = spec,
            Estimator = (match cfg.Estimator with
                         | A -> Estimator.A
                         | B -> Estimator.B),
            Samples = cfg.L,
            BatchSize = cfg.BatchSize,
            MaxTrainingSamples = cfg.TrainSamples,
            Optimizer = optimizer,
            Init = (if cfg.Init = "xavier" then InitScheme.XavierUniform else InitScheme.Normal),
            InitStd = float32 cfg.InitStd,
            Seed = uint64 cfg.Seed,
            EvalEverySamples = max m (cfg.TrainSamples / curvePoints / m * m),
            FinalK = cfg.EvalK,
            EvalLimit = cfg.EvalPoints)
            .Validate()

    /// Grey-level "images" of 4 blurred prototypes (4x6 pixels; 400 train, 100 test), seeded: data for smoke runs
    /// that need no files. Generated data only; the model that learns it is the core's.
    let synthetic (seed: uint64) =
        let rows, cols = 4, 6
        let d = rows * cols
        let rng = Rng(seed, RngStream.Split)
        let protos = Array.zeroCreate<float32> (4 * d)
        rng.FillUniform(Span<float32>(protos))
        let make count =
            let x = Array.zeroCreate<float32> (count * d)
            let labels = Array.zeroCreate<int> count
            for i in 0 .. count - 1 do
                let k = rng.NextInt 4
                labels[i] <- k
                for j in 0 .. d - 1 do
                    x[i * d + j] <- Math.Clamp(protos[k * d + j] + 0.1f * float32 (rng.NextNormal()), 0.0f, 1.0f)
            ImageSet(x, count, rows, cols, labels)
        let info = DatasetInfo("synthetic", "synthetic prototypes", rows, cols, false, 4, [||], SplitRule(SplitKind.Given, 0, 0, seed, "synthetic"), "1 = ink")
        Dataset(info, make 400, make 0, make 100, validation)

    // Loading MNIST takes seconds; parallel points of one sweep share one read-only copy.
    let private cache = ConcurrentDictionary<string, Lazy<Dataset>>()

    /// The dataset a config names, loaded once per process (data root: dataDir > VAE_DATA > data/).
    let dataset (name: string) (dataDir: string option) =
        if name = "synthetic" then synthetic 1UL
        else
            let key = name + "|" + defaultArg dataDir ""
            cache.GetOrAdd(key, fun _ -> lazy (Datasets.Load(name, Option.toObj dataDir, validation))).Value

    let private toCurve (p: Vae.Core.Training.CurvePoint) : Vae.Experiments.CurvePoint =
        { Epoch = p.Epoch; Samples = p.Samples; TrainElbo = p.TrainElbo; TestElbo = p.TestElbo; Seconds = p.Seconds }

    /// Trains and evaluates one config with the core: the one function every script's run goes through.
    let run (ctx: RunContext) (cfg: Config) : RunOutput =
        let clock = Stopwatch.StartNew()
        let cfg = Config.validate cfg
        let data = DataVariants.Prepare(dataset cfg.Dataset ctx.DataDir, DataVariants.Parse cfg.Variant, uint64 cfg.Seed)
        let options = toTrainOptions cfg data.Train.D ctx.DataDir
        let blas = ManagedBlas ctx.BlasThreads
        let trainer = Trainer(options, blas, data)
        let curve = ResizeArray<Vae.Experiments.CurvePoint>()
        trainer.Run(onCurve = (fun p -> let c = toCurve p in curve.Add c; ctx.Progress c))
        let logPx =
            if cfg.EvalK > 0 then
                let r = trainer.TestLogLikelihood(cfg.EvalK, cfg.EvalPoints)
                r.LogPx, r.StdErr
            else nan, nan
        { TrainElbo = trainer.TrainElbo().Elbo
          TestElbo = trainer.TestElbo().Elbo
          LogPx = fst logPx
          LogPxStdErr = snd logPx
          ActiveUnits = trainer.Diagnose().ActiveUnits
          Epochs = float trainer.SamplesSeen / float data.Train.N
          Samples = trainer.SamplesSeen
          Seconds = clock.Elapsed.TotalSeconds
          Curve = List.ofSeq curve
          Blas = blas.Describe() }

    /// The backend sweeps use.
    let backend: Backend =
        { Name = "vae-core"
          Describe = fun threads -> (ManagedBlas threads).Describe()
          Run = run }
