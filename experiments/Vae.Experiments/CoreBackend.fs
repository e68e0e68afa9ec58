// The ONE bridge into the C# core: an F# Config becomes the core's TrainOptions (Config.toTrainOptions), the core's
// RunDriver trains (Algorithm 1) into the point's folder (manifest, curve, checkpoints, figures, metrics.json last;
// a killed point resumes from its checkpoint), and its TrainResult comes back unchanged. Also the data
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
            cache.GetOrAdd(key, fun _ -> lazy (Datasets.Load(name, Option.toObj dataDir, Config.validationOf name))).Value

    /// The core's result record for a run whose numbers came from elsewhere (test stand-ins), so that every
    /// metrics.json has the one format RunDriver writes. n: training-set size (for exact epochs).
    let resultOf (cfg: Config) (d: int) (n: int) (trainElbo: float) (testElbo: float) (logPx: float) (logPxStdErr: float)
                 (activeUnits: int) (seconds: float) (blas: string) =
        let o = Config.toTrainOptions d None cfg
        let bernoulli = o.Model.Likelihood = Likelihood.Bernoulli
        TrainResult(o.Dataset, DataVariants.Label(o.Variant, bernoulli), o.Model.ToString(), o.Model.Dz,
                    String.Join("-", o.Model.EncoderHidden), o.Model.Likelihood, o.Estimator, o.Samples,
                    o.BatchSize, o.Optimizer.Kind, o.Optimizer.LearningRate, o.Optimizer.WeightPrior, o.Seed,
                    float o.MaxTrainingSamples / float n, o.MaxTrainingSamples, trainElbo, testElbo, nan, logPx, logPxStdErr, o.FinalK,
                    activeUnits, seconds, nan, blas)

    /// Trains and evaluates one config with the core's RunDriver into ctx.Dir: the one function every script's run
    /// goes through. A folder left by a killed attempt (checkpoint, no metrics.json) continues from its checkpoint.
    /// provider: "auto" (MKL -> OpenBLAS -> managed, or env VAE_BLAS), "mkl", "openblas" or "managed".
    /// cancel (a Slurm warning signal or SIGTERM in an array task) stops training at the next step with a checkpoint
    /// of that step and raises Vae.Core.Runs.RunInterruptedException; running the point again resumes bit-exactly.
    let runCancellable (provider: string) (cancel: Threading.CancellationToken) (ctx: RunContext) (cfg: Config) : TrainResult =
        let cfg = Config.validate cfg
        let data = DataVariants.Prepare(dataset cfg.Dataset ctx.DataDir, cfg.Variant, uint64 cfg.Seed)
        let options = Config.toTrainOptions data.Train.D ctx.DataDir cfg
        let blas = BlasResolver.Create(BlasOptions(provider, Nullable ctx.BlasThreads))
        Directory.CreateDirectory ctx.Dir |> ignore
        use log = new LineWriter($"       {RunStore.fileName ctx.Dir}: ", ctx.Log)
        try RunDriver.Train(options, data, RunFolder.Open ctx.Dir, blas, log, resume = true, cancel = cancel,
                            // the paper's Adagrad step-size selection before training (a resumed run keeps its choice)
                            chooseStepSize = Config.selectsStepSize cfg)
        finally
            match blas with
            | :? IDisposable as d -> d.Dispose() // the managed provider's worker threads
            | _ -> ()

    /// runCancellable, never cancelled.
    let runWith (provider: string) (ctx: RunContext) (cfg: Config) : TrainResult =
        runCancellable provider Threading.CancellationToken.None ctx cfg

    /// Trains with the provider the resolver picks (MKL -> OpenBLAS -> managed; env VAE_BLAS overrides).
    let run (ctx: RunContext) (cfg: Config) : TrainResult = runWith "auto" ctx cfg

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

    /// The backend sweeps use, stopping (with a checkpoint) when cancel fires: what a Slurm array task runs.
    let cancellable (cancel: Threading.CancellationToken) : Backend = { backend with Run = runCancellable "auto" cancel }
