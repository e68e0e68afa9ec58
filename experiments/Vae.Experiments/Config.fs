// One sweep point's configuration: the F# face of the core's TrainOptions (typed with the core's own enums, mapped
// onto TrainOptions and back), its canonical text and run id, seed replication, and the budgets (quick, default, double, full).
// Must not: run anything or know about folders. The schema is the core's: no field here has a meaning of its own.
namespace Vae.Experiments

open System
open System.Globalization
open System.Security.Cryptography
open System.Text
open Vae.Core.Data
open Vae.Core.Model
open Vae.Core.Training

// The core's enums under short names, so scripts write { baseline with Estimator = Estimator.A } after
// `open Vae.Experiments`. Abbreviations only: the types (and their names in JSON) are the core's.
type Estimator = Vae.Core.Model.Estimator
type Optimizer = Vae.Core.Training.OptimizerKind
type Likelihood = Vae.Core.Model.Likelihood
type DataVariant = Vae.Core.Data.DataVariant
type Activation = Vae.Core.Numerics.Activation
type InitScheme = Vae.Core.Tensors.InitScheme
type Method = Vae.Core.Training.TrainingMethod

/// One training run, everything that can change its numbers. Execution settings that must not change the
/// numbers' meaning (parallelism, shard, folders) live in Settings, so they never enter the run id.
type Config =
    { /// Catalog name: mnist, fashion-mnist, binarized-mnist, caltech101-28, frey-face, synthetic.
      Dataset: string
      /// Learning method: AEVB (the paper's), wake-sleep or MCEM (its baselines).
      Method: Method
      /// Train on the first N training rows only (0 = all; MCEM in Fig. 3 uses 1,000).
      TrainLimit: int
      Variant: DataVariant
      Likelihood: Likelihood
      /// Hidden layer sizes of the encoder (the decoder mirrors them), e.g. [500] (paper MNIST), [200] (Frey Face).
      Hidden: int list
      Activation: Activation
      /// Latent size Dz.
      Dz: int
      /// Noise samples per datapoint L.
      L: int
      Estimator: Estimator
      Optimizer: Optimizer
      LearningRate: float
      /// The paper's step-size selection (Sec. 5) for Adagrad runs: the step is chosen from {0.01, 0.02, 0.1} by the
      /// training bound of the first 200 steps (the core's Presets.ChooseAdagradStepSize), LearningRate is then only the
      /// starting candidate; the chosen step is recorded in the run's manifest and metrics. The baseline sets it, so
      /// `{ baseline with Optimizer = Optimizer.Adam }` trains Adam at LearningRate: it applies to Adagrad only
      /// (Config.selectsStepSize), and enters the run id only then.
      SelectStepSize: bool
      /// Minibatch size M.
      BatchSize: int
      /// The paper's weight decay: a N(0, I) prior on the parameters, scaled per datapoint.
      WeightPrior: bool
      Init: InitScheme
      /// Standard deviation of the normal initialisation (paper: 0.01); used by InitScheme.Normal only.
      InitStd: float
      /// Training budget in training samples seen (the x-axis of the paper's Fig. 2).
      TrainSamples: int64
      /// Curve points: 0 = 10 evenly spaced; k > 0 = k per decade of training samples from 10^5 (or a tenth of the
      /// budget, if smaller) to the budget, log-spaced as the paper's Fig. 2 axis.
      CurvePerDecade: int
      /// Importance samples K for the final log p(x) estimate; 0 skips it.
      EvalK: int
      /// Test points (the first N) of the final evaluation: ELBO, log p(x), active units; 0 = the whole test set.
      EvalPoints: int
      Seed: int }

/// A training budget: how long each point trains and how hard it is evaluated.
type Budget =
    { Name: string
      TrainSamples: int64
      EvalK: int
      EvalPoints: int }

module Budget =
    /// Smoke runs (--quick): 30,000 training samples per point, K=20 on the first 200 test points. Numbers from it
    /// only show that everything runs; they are not results.
    let quick = { Name = "quick"; TrainSamples = 30_000L; EvalK = 20; EvalPoints = 200 }

    /// The default: 100,000 samples (1.67 MNIST epochs) after the step-size selection (3 x 200 steps). Sized so that
    /// sweep-dz's 20 configurations x 3 seeds finish in under 10 minutes on 2 quiet cores: at 120,000 samples the
    /// whole grid took 10 min 8 s there (1,115 CPU-s, `/usr/bin/time -v dotnet fsi experiments/sweep-dz.fsx`, 2-vCPU
    /// AVX2 host, nothing else running), about 0.9 s of it per 1,000 samples per point. Final evaluation: K=100 on the
    /// first 1000 test points (all of Frey Face's 200).
    let standard = { Name = "default"; TrainSamples = 100_000L; EvalK = 100; EvalPoints = 1000 }

    /// Twice the default's training samples (--budget double): the check that the default's conclusion holds.
    let doubled = { standard with Name = "double"; TrainSamples = 2L * standard.TrainSamples }

    /// The paper's budget: 10^8 training samples (the end of Fig. 2's x-axis), K=5000 on the whole test set.
    let full = { Name = "full"; TrainSamples = 100_000_000L; EvalK = 5000; EvalPoints = 0 }

    /// Every budget by name (--budget NAME).
    let all = [ quick; standard; doubled; full ]

module Config =
    /// Bump when the meaning of a field changes, so old results are not mistaken for new ones.
    [<Literal>]
    let SchemaVersion = "cfg1"

    /// Curve points per run (the trainer evaluates the test bound at a fixed interval of training samples).
    let curvePoints = 10L

    /// The paper's MNIST setting (Sec. 5, App. C): 784-500-20, tanh, M=100, L=1, estimator B, Adagrad with a
    /// global step chosen from {0.01, 0.02, 0.1} per run, weight prior N(0, I), init N(0, 0.01^2); default budget.
    let baseline =
        { Dataset = "mnist"
          Method = Method.Aevb
          TrainLimit = 0
          Variant = DataVariant.DynamicBinarized
          Likelihood = Likelihood.Bernoulli
          Hidden = [ 500 ]
          Activation = Activation.Tanh
          Dz = 20
          L = 1
          Estimator = Estimator.B
          Optimizer = Optimizer.Adagrad
          LearningRate = 0.02
          SelectStepSize = true
          BatchSize = 100
          WeightPrior = true
          Init = InitScheme.Normal
          InitStd = 0.01
          TrainSamples = Budget.standard.TrainSamples
          CurvePerDecade = 0
          EvalK = Budget.standard.EvalK
          EvalPoints = Budget.standard.EvalPoints
          Seed = 1 }

    /// Applies a budget's training length and evaluation effort.
    let withBudget (b: Budget) (c: Config) =
        { c with TrainSamples = b.TrainSamples; EvalK = b.EvalK; EvalPoints = b.EvalPoints }

    /// Every config of the grid with seeds 1..n (replacing its own seed), so a point's spread can be measured.
    /// Idempotent: applying it twice with the same n gives the same grid.
    let withSeeds (n: int) (grid: Config list) =
        if n < 1 then invalidArg "seeds" $"seeds ({n}) must be >= 1"
        [ for c in grid do for s in 1..n -> { c with Seed = s } ] |> List.distinct

    /// A catalog dataset with its paper setup, read from the core's catalog (the one place it lives): variant, the
    /// matching likelihood and hidden size (MNIST-like 500, Frey Face 200 with a Gaussian decoder on grey levels).
    /// Names the catalog does not know (e.g. "synthetic") only set the dataset.
    let forDataset (name: string) (c: Config) =
        match Catalog.All |> Seq.tryFind (fun d -> d.Name = name) with
        | Some info ->
            let p = info.Paper
            { c with
                Dataset = info.Name
                Variant = p.Variant
                Likelihood = DatasetDefaults.LikelihoodFor p.Variant
                Hidden = [ p.Hidden ] }
        | None -> { c with Dataset = name }

    /// Training split policy of a dataset: its catalog setup (merged into training for every catalog dataset: the
    /// paper's 60,000 MNIST training images); names the catalog does not know (synthetic) merge too.
    let validationOf (dataset: string) =
        Catalog.All
        |> Seq.tryFind (fun d -> d.Name = dataset)
        |> Option.map (fun d -> d.Paper.Validation)
        |> Option.defaultValue ValidationSplit.MergeIntoTrain

    /// An enum value as it appears in canonical text and run ids: the core's name in lower case (estimators keep
    /// their capital: A, B).
    let name (e: 'E when 'E :> Enum) =
        match box e with
        | :? Estimator as est -> est.ToString()
        | _ -> e.ToString().ToLowerInvariant()

    /// Shortest round-trip text of a float, independent of the machine's culture.
    let num (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// Whether a run of c chooses its step by the paper's selection (Adagrad runs with SelectStepSize).
    let selectsStepSize (c: Config) = c.SelectStepSize && c.Optimizer = Optimizer.Adagrad

    /// Every field, in a fixed order, as key=value pairs: the source of the run id.
    let fields (c: Config) : (string * string) list =
        [ "dataset", c.Dataset
          "variant", DataVariants.Label c.Variant
          "likelihood", name c.Likelihood
          "hidden", (c.Hidden |> List.map string |> String.concat "-")
          "activation", name c.Activation
          "dz", string c.Dz
          "l", string c.L
          "estimator", name c.Estimator
          "optimizer", name c.Optimizer
          "lr", num c.LearningRate
          "m", string c.BatchSize
          "weight_prior", (if c.WeightPrior then "1" else "0")
          "init", name c.Init
          "init_std", num c.InitStd
          "train_samples", string c.TrainSamples
          "eval_k", string c.EvalK
          "eval_points", string c.EvalPoints
          "seed", string c.Seed ]
        // Fields added later appear only when not at their default, so every earlier run id stays valid.
        @ (if c.Method <> Method.Aevb then [ "method", TrainingMethods.Label c.Method ] else [])
        @ (if c.TrainLimit <> 0 then [ "train_limit", string c.TrainLimit ] else [])
        @ (if selectsStepSize c then [ "lr_select", "paper" ] else [])
        @ (if c.CurvePerDecade <> 0 then [ "curve_per_decade", string c.CurvePerDecade ] else [])

    /// Canonical text: schema version then every field; equal configs give equal text on any machine.
    let canonical (c: Config) =
        SchemaVersion :: (fields c |> List.map (fun (k, v) -> k + "=" + v)) |> String.concat "|"

    /// First 10 hex digits of SHA-256 of the canonical text (never .NET's per-process randomized GetHashCode).
    let hash (c: Config) =
        let bytes = SHA256.HashData(Encoding.UTF8.GetBytes(canonical c))
        Convert.ToHexString(bytes).ToLowerInvariant().Substring(0, 10)

    /// Readable, deterministic folder name: the fields a sweep usually varies, then the hash of all fields.
    let runId (c: Config) =
        let slug =
            sprintf "%s-dz%d-L%d-%s-%s-lr%s-s%d" c.Dataset c.Dz c.L (name c.Estimator) (name c.Optimizer)
                (if selectsStepSize c then "sel" else num c.LearningRate) c.Seed
        slug + "-" + hash c

    /// Clear errors for settings no run can use, naming the field and the value found. The rules and messages are the
    /// core's (Vae.Core.Inputs: the same limits `vae train` applies); the canonical text says which point it was.
    let validate (c: Config) =
        let check (f: unit -> 'a) =
            try f () |> ignore
            with :? Vae.Core.Inputs.InputException as e ->
                raise (Vae.Core.Inputs.InputException(e.Option, e.Message + " (in " + canonical c + ")"))
        let limit key = Vae.Core.Inputs.OptionLimits.For key
        let chk (name: string) (v: float) (l: Vae.Core.Inputs.Limit) = check (fun () -> Vae.Core.Inputs.Input.Check(name, v, l))
        check (fun () -> Vae.Core.Inputs.Input.Name("Dataset", c.Dataset))
        chk "Dz" (float c.Dz) (limit "dz")
        chk "L" (float c.L) (limit "samples")
        chk "BatchSize" (float c.BatchSize) (limit "batch")
        if List.isEmpty c.Hidden then check (fun () -> raise (Vae.Core.Inputs.Input.Error("Hidden", "needs at least one hidden layer size, e.g. [ 500 ]")))
        for h in c.Hidden do chk "Hidden" (float h) (limit "hidden")
        chk "LearningRate" c.LearningRate (limit "lr")
        chk "InitStd" c.InitStd (limit "init-std")
        chk "TrainSamples" (float c.TrainSamples) (Vae.Core.Inputs.Limit(1.0, (limit "max-samples").Max))
        chk "EvalK" (float c.EvalK) (limit "final-k")
        chk "EvalPoints" (float c.EvalPoints) (limit "eval-limit")
        chk "Seed" (float c.Seed) (Vae.Core.Inputs.Limit(0.0, float Int32.MaxValue))
        chk "TrainLimit" (float c.TrainLimit) (Vae.Core.Inputs.Limit(0.0, float Int32.MaxValue))
        chk "CurvePerDecade" (float c.CurvePerDecade) (Vae.Core.Inputs.Limit(0.0, 100.0))
        c

    /// The core's options for a config on data of dimension d (the one mapping F# -> C#). The decoder mirrors
    /// the encoder's hidden sizes; the test bound is evaluated curvePoints times per run.
    let toTrainOptions (d: int) (dataDir: string option) (c: Config) =
        let m = int64 c.BatchSize
        TrainOptions(
            Dataset = c.Dataset,
            Method = c.Method,
            TrainLimit = c.TrainLimit,
            DataDir = Option.toObj dataDir,
            Variant = c.Variant,
            Validation = validationOf c.Dataset,
            Model =
                ModelSpec(
                    D = d,
                    Dz = c.Dz,
                    EncoderHidden = Array.ofList c.Hidden,
                    DecoderHidden = Array.ofList (List.rev c.Hidden),
                    Likelihood = c.Likelihood,
                    Activation = c.Activation,
                    SigmoidMean = true),
            Estimator = c.Estimator,
            Samples = c.L,
            BatchSize = c.BatchSize,
            MaxTrainingSamples = c.TrainSamples,
            Optimizer = OptimizerOptions(Kind = c.Optimizer, LearningRate = c.LearningRate, WeightPrior = (if c.WeightPrior then 1.0 else 0.0)),
            Init = c.Init,
            InitStd = float32 c.InitStd,
            Seed = uint64 c.Seed,
            EvalEverySamples =
                (if c.CurvePerDecade > 0 then max m (min 100_000L (c.TrainSamples / 10L) / m * m)
                 else max m (c.TrainSamples / curvePoints / m * m)),
            EvalPerDecade = c.CurvePerDecade,
            FinalK = c.EvalK,
            EvalLimit = c.EvalPoints)
            .Validate()

    /// The config a TrainOptions describes (the one mapping C# -> F#; the inverse of toTrainOptions for every
    /// config). Refuses options no config can express (a decoder that does not mirror the encoder, a weight prior
    /// other than none or N(0, I)), naming the field.
    let ofTrainOptions (o: TrainOptions) : Config =
        let hidden = List.ofSeq o.Model.EncoderHidden
        if List.rev hidden <> List.ofSeq o.Model.DecoderHidden then
            invalidArg "options" $"decoder hidden sizes {List.ofSeq o.Model.DecoderHidden} do not mirror the encoder's {hidden}"
        if o.Optimizer.WeightPrior <> 0.0 && o.Optimizer.WeightPrior <> 1.0 then
            invalidArg "options" $"weight prior precision {o.Optimizer.WeightPrior}: a config holds none (0) or N(0, I) (1)"
        { Dataset = o.Dataset
          Method = o.Method
          TrainLimit = o.TrainLimit
          Variant = o.Variant
          Likelihood = o.Model.Likelihood
          Hidden = hidden
          Activation = o.Model.Activation
          Dz = o.Model.Dz
          L = o.Samples
          Estimator = o.Estimator
          Optimizer = o.Optimizer.Kind
          LearningRate = o.Optimizer.LearningRate
          // A run's options hold the step it trained with; whether it was chosen by the paper's selection is the
          // manifest's StepSize record, not an option.
          SelectStepSize = false
          BatchSize = o.BatchSize
          WeightPrior = o.Optimizer.WeightPrior = 1.0
          Init = o.Init
          // The float32's shortest text, so 0.01f reads back as 0.01, not 0.009999999776.
          InitStd = Double.Parse(o.InitStd.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
          TrainSamples = o.MaxTrainingSamples
          CurvePerDecade = o.EvalPerDecade
          EvalK = o.FinalK
          EvalPoints = o.EvalLimit
          Seed = int o.Seed }
