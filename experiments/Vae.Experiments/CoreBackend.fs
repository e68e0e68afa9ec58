// The ONE bridge into the C# core: an F# Config becomes the core's ModelSpec / TrainOptions once, the core's
// RunDriver trains (Algorithm 1) into the point's folder (manifest, curve, checkpoints, figures, metrics.json last;
// a killed point resumes from its checkpoint), and its TrainResult comes back as a flat RunOutput. Also the data
// it trains on: the catalog's datasets (loaded once per process) or "synthetic" prototypes for smoke runs.
// Must not: compute any model quantity itself; every number below comes from Vae.Core.
namespace Vae.Experiments

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Text
open Vae.Core.Data
open Vae.Core.IO
open Vae.Core.Model
open Vae.Core.Numerics
open Vae.Core.Tensors
open Vae.Core.Runs
open Vae.Core.Training

/// Hands every complete line written to it to sink (the sweep's synchronised printer), prefixed.
type LineWriter(prefix: string, sink: string -> unit) =
    inherit TextWriter()
    let line = StringBuilder()
    override _.Encoding = Encoding.UTF8
    override _.Write(c: char) =
        if c = '\n' then
            sink (prefix + line.ToString().TrimEnd('\r'))
            line.Clear() |> ignore
        else line.Append c |> ignore

module CoreBackend =
    /// Training split policy of a dataset: its catalog setup (merged into training for every catalog dataset: the
    /// paper's 60,000 MNIST training images); names the catalog does not know (synthetic) merge too.
    let validationOf (dataset: string) =
        Catalog.All
        |> Seq.tryFind (fun d -> d.Name = dataset)
        |> Option.map (fun d -> d.Paper.Validation)
        |> Option.defaultValue ValidationSplit.MergeIntoTrain

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
            Validation = validationOf cfg.Dataset,
            Model = spec,
            Method = TrainingMethods.Parse cfg.Method,
            Estimator = (match cfg.Estimator with
                         | A -> Estimator.A
                         | B -> Estimator.B),
            Samples = cfg.L,
            BatchSize = cfg.BatchSize,
            MaxTrainingSamples = cfg.TrainSamples,
            Optimizer = optimizer,
            Init = (match cfg.Init with
                    | "xavier" -> InitScheme.XavierUniform
                    | "torch" -> InitScheme.TorchUniform
                    | _ -> InitScheme.Normal),
            InitStd = float32 cfg.InitStd,
            Seed = uint64 cfg.Seed,
            EvalEverySamples =
                (if cfg.CurvePerDecade > 0 then max m (min 100_000L (cfg.TrainSamples / 10L) / m * m)
                 else max m (cfg.TrainSamples / curvePoints / m * m)),
            EvalPerDecade = cfg.CurvePerDecade,
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
        let info = DatasetInfo("synthetic", "synthetic prototypes", rows, cols, false, 4, [||], SplitRule(SplitKind.Given, 0, 0, seed, "synthetic"), "1 = ink",
                               PaperSetup(DataVariant.DynamicBinarized, 16, ValidationSplit.MergeIntoTrain, SigmoidMean = true))
        Dataset(info, make 400, make 0, make 100, ValidationSplit.MergeIntoTrain)

    // Loading MNIST takes seconds; parallel points of one sweep share one read-only copy.
    let private cache = ConcurrentDictionary<string, Lazy<Dataset>>()

    /// The dataset a config names, loaded once per process (data root: dataDir > VAE_DATA > data/).
    let dataset (name: string) (dataDir: string option) =
        if name = "synthetic" then synthetic 1UL
        else
            let key = name + "|" + defaultArg dataDir ""
            cache.GetOrAdd(key, fun _ -> lazy (Datasets.Load(name, Option.toObj dataDir, validationOf name))).Value

    /// The core's flat result record for a run whose numbers came from elsewhere (test stand-ins), so that every
    /// metrics.json has the one format RunDriver writes.
    let resultOf (cfg: Config) (d: int) (out: RunOutput) =
        let o = toTrainOptions cfg d None
        let bernoulli = o.Model.Likelihood = Likelihood.Bernoulli
        TrainResult(o.Dataset, DataVariants.Label(o.Variant, bernoulli), o.Model.ToString(), o.Model.Dz,
                    String.Join("-", o.Model.EncoderHidden), o.Model.Likelihood.ToString(), o.Estimator.ToString(), o.Samples,
                    o.BatchSize, o.Optimizer.Kind.ToString(), o.Optimizer.LearningRate, o.Optimizer.WeightPrior, o.Seed,
                    int out.Epochs, out.Samples, out.TrainElbo, out.TestElbo, nan, out.LogPx, out.LogPxStdErr, o.FinalK,
                    out.ActiveUnits, out.Seconds, nan, out.Blas)

    /// Trains and evaluates one config with the core's RunDriver into ctx.Dir: the one function every script's run
    /// goes through. A folder left by a killed attempt (checkpoint, no metrics.json) continues from its checkpoint.
    /// provider: "auto" (MKL -> OpenBLAS -> managed, or env VAE_BLAS), "mkl", "openblas" or "managed".
    let runWith (provider: string) (ctx: RunContext) (cfg: Config) : RunOutput =
        let cfg = Config.validate cfg
        let data = DataVariants.Prepare(dataset cfg.Dataset ctx.DataDir, DataVariants.Parse cfg.Variant, uint64 cfg.Seed)
        let options = toTrainOptions cfg data.Train.D ctx.DataDir
        let blas = BlasResolver.Create(BlasOptions(provider, Nullable ctx.BlasThreads))
        Directory.CreateDirectory ctx.Dir |> ignore
        use log = new LineWriter($"       {RunStore.fileName ctx.Dir}: ", ctx.Log)
        let r =
            // chooseStepSize: the paper's Adagrad step-size selection before training (a resumed run keeps its choice).
            try RunDriver.Train(options, data, RunFolder.Open ctx.Dir, blas, log, resume = true, chooseStepSize = cfg.SelectStepSize)
            finally
                match blas with
                | :? IDisposable as d -> d.Dispose() // the managed provider's worker threads
                | _ -> ()
        { TrainElbo = r.TrainElbo
          TestElbo = r.TestElbo
          LogPx = r.LogPx
          LogPxStdErr = r.LogPxStdErr
          ActiveUnits = r.ActiveUnits
          Epochs = float r.Samples / float data.Train.N
          Samples = r.Samples
          Seconds = r.Seconds
          Curve = RunStore.readCurve ctx.Dir
          Blas = r.Blas }

    /// Trains with the provider the resolver picks (MKL -> OpenBLAS -> managed; env VAE_BLAS overrides).
    let run (ctx: RunContext) (cfg: Config) : RunOutput = runWith "auto" ctx cfg

    /// A backend training with the given BLAS provider ("auto" picks as `run` does).
    let backendWith (provider: string) : Backend =
        { Name = (if provider = "auto" then "vae-core" else $"vae-core ({provider})")
          Describe =
            fun threads ->
                let blas = BlasResolver.Create(BlasOptions(provider, Nullable threads))
                let text = blas.Describe()
                match blas with
                | :? IDisposable as d -> d.Dispose()
                | _ -> ()
                text
          OwnsFolder = true
          Run = runWith provider }

    /// The backend sweeps use.
    let backend: Backend = backendWith "auto"
