// One sweep point's configuration: the F# record scripts build grids from ({ baseline with Dz = 5 }),
// its canonical text and the run id derived from it, and the two budgets (quick default, the paper's full).
// Must not: run anything or know about folders; conversion to the C# option records lives in the core bridge.
namespace Vae.Experiments

open System
open System.Globalization
open System.Security.Cryptography
open System.Text

/// SGVB estimator (paper Sec. 2.3): A = eq. 6 (Monte Carlo KL), B = eq. 7 (closed-form KL).
type Estimator =
    | A
    | B

/// Parameter update rule over the flat parameter buffer.
type Optimizer =
    | Sgd
    | Adagrad
    | Adam

/// Decoder likelihood p(x|z): Bernoulli from logits (binary or binarized data) or Gaussian (Frey Face).
type Likelihood =
    | Bernoulli
    | Gaussian

/// One training run, everything that can change its numbers. Execution settings that must not change the
/// numbers' meaning (parallelism, shard, folders) live in Settings, so they never enter the run id.
type Config =
    { /// Catalog name: mnist, fashion-mnist, binarized-mnist, caltech101-28, frey-face, synthetic.
      Dataset: string
      /// Data variant, as the core labels it: dynamic-binarized | fixed-binarized | static-binarized | grey.
      Variant: string
      Likelihood: Likelihood
      /// Hidden layer sizes of encoder and decoder, e.g. [500] (paper MNIST) or [200] (paper Frey Face).
      Hidden: int list
      /// Hidden activation: tanh (paper), relu, softplus.
      Activation: string
      /// Latent size Dz.
      Dz: int
      /// Noise samples per datapoint L.
      L: int
      Estimator: Estimator
      /// Training method, as the core labels it: aevb (the paper's), wake-sleep or mcem (TrainingMethods.Label).
      Method: string
      Optimizer: Optimizer
      LearningRate: float
      /// The paper's step-size selection (Sec. 5): the Adagrad step is chosen from {0.01, 0.02, 0.1} by the training
      /// bound after the first 200 steps (the core's Presets.ChooseAdagradStepSize), LearningRate is then only the
      /// starting candidate; the chosen step is recorded in the run's manifest and metrics. Adagrad only.
      SelectStepSize: bool
      /// Minibatch size M.
      BatchSize: int
      /// The paper's weight decay: a N(0, I) prior on the parameters, scaled per datapoint.
      WeightPrior: bool
      /// Initialisation: normal (paper: N(0, InitStd^2)), xavier (Glorot uniform, the seed's) or torch (PyTorch's
      /// nn.Linear uniform, the core's default); InitStd is used by normal only.
      Init: string
      /// Standard deviation of the normal initialisation (paper: 0.01).
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

    /// The default: 120,000 samples (2 MNIST epochs) after the step-size selection (3 x 200 steps). Sized so that
    /// sweep-dz's 20 configurations x 3 seeds need about 1,460 CPU-seconds by the per-step CPU time measured on the
    /// shared 2-vCPU AVX2 host (MNIST ~17 ms, Frey Face ~5 ms per step with one MKL thread, under load): ~12 minutes on
    /// 2 busy cores, less on quiet ones (README). Final evaluation: K=100 on the first 1000 test points (all of Frey
    /// Face's 200).
    let standard = { Name = "default"; TrainSamples = 120_000L; EvalK = 100; EvalPoints = 1000 }

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

    /// The paper's MNIST setting (Sec. 5, App. C): 784-500-20, tanh, M=100, L=1, estimator B, Adagrad with a
    /// global step chosen from {0.01, 0.02, 0.1} per run, weight prior N(0, I), init N(0, 0.01^2); default budget.
    let baseline =
        { Dataset = "mnist"
          Variant = "dynamic-binarized"
          Likelihood = Bernoulli
          Hidden = [ 500 ]
          Activation = "tanh"
          Dz = 20
          L = 1
          Estimator = B
          Method = "aevb"
          Optimizer = Adagrad
          LearningRate = 0.02
          SelectStepSize = true
          BatchSize = 100
          WeightPrior = true
          Init = "normal"
          InitStd = 0.01
          TrainSamples = Budget.standard.TrainSamples
          CurvePerDecade = 0
          EvalK = Budget.standard.EvalK
          EvalPoints = Budget.standard.EvalPoints
          Seed = 1 }

    /// Applies a budget's training length and evaluation effort.
    let withBudget (b: Budget) (c: Config) =
        { c with TrainSamples = b.TrainSamples; EvalK = b.EvalK; EvalPoints = b.EvalPoints }

    /// A catalog dataset with its paper setup, read from the core's catalog (the one place it lives): variant, the
    /// matching likelihood and hidden size (MNIST-like 500, Frey Face 200 with a Gaussian decoder on grey levels).
    /// Names the catalog does not know (e.g. "synthetic") only set the dataset.
    let forDataset (name: string) (c: Config) =
        match Vae.Core.Data.Catalog.All |> Seq.tryFind (fun d -> d.Name = name) with
        | Some info ->
            let p = info.Paper
            { c with
                Dataset = info.Name
                Variant = Vae.Core.Data.DataVariants.Label p.Variant
                Likelihood =
                    (match Vae.Core.Training.DatasetDefaults.LikelihoodFor p.Variant with
                     | Vae.Core.Model.Likelihood.Gaussian -> Gaussian
                     | _ -> Bernoulli)
                Hidden = [ p.Hidden ] }
        | None -> { c with Dataset = name }

    let estimatorName = function A -> "A" | B -> "B"
    let optimizerName = function Sgd -> "sgd" | Adagrad -> "adagrad" | Adam -> "adam"
    let likelihoodName = function Bernoulli -> "bernoulli" | Gaussian -> "gaussian"

    /// Shortest round-trip text of a float, independent of the machine's culture.
    let num (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    /// Every field, in a fixed order, as key=value pairs: the source of the run id and of the manifest.
    let fields (c: Config) : (string * string) list =
        [ "dataset", c.Dataset
          "variant", c.Variant
          "likelihood", likelihoodName c.Likelihood
          "hidden", (c.Hidden |> List.map string |> String.concat "-")
          "activation", c.Activation
          "dz", string c.Dz
          "l", string c.L
          "estimator", estimatorName c.Estimator
          "method", c.Method
          "optimizer", optimizerName c.Optimizer
          "lr", num c.LearningRate
          "lr_select", (if c.SelectStepSize then "paper" else "none")
          "m", string c.BatchSize
          "weight_prior", (if c.WeightPrior then "1" else "0")
          "init", c.Init
          "init_std", num c.InitStd
          "train_samples", string c.TrainSamples
          "curve_per_decade", string c.CurvePerDecade
          "eval_k", string c.EvalK
          "eval_points", string c.EvalPoints
          "seed", string c.Seed ]

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
            sprintf "%s-dz%d-L%d-%s-%s-lr%s-s%d" c.Dataset c.Dz c.L (estimatorName c.Estimator) (optimizerName c.Optimizer)
                (if c.SelectStepSize then "sel" else num c.LearningRate) c.Seed
        // AEVB runs keep their short names; other methods say theirs.
        (if c.Method = "aevb" then slug else slug + "-" + c.Method) + "-" + hash c

    /// Clear errors for settings no run can use, naming the field and the value found.
    let validate (c: Config) =
        let fail (msg: string) = invalidArg "config" (msg + " in " + canonical c)
        if String.IsNullOrWhiteSpace c.Dataset then fail "dataset is empty"
        if c.Dz < 1 then fail $"Dz ({c.Dz}) must be >= 1"
        if c.L < 1 then fail $"L ({c.L}) must be >= 1"
        (try Vae.Core.Training.TrainingMethods.Parse c.Method |> ignore with e -> fail $"method: {e.Message}")
        if c.BatchSize < 1 then fail $"batch size M ({c.BatchSize}) must be >= 1"
        if List.isEmpty c.Hidden || c.Hidden |> List.exists (fun h -> h < 1) then
            fail $"hidden sizes {c.Hidden} must be a non-empty list of positive sizes"
        if not (c.LearningRate > 0.0) then fail $"learning rate ({num c.LearningRate}) must be > 0"
        if c.SelectStepSize && c.Optimizer <> Adagrad then
            fail $"SelectStepSize (the paper's Adagrad step-size selection) needs optimizer adagrad, found {optimizerName c.Optimizer}; set SelectStepSize = false"
        if not (List.contains c.Init [ "normal"; "xavier"; "torch" ]) then fail $"init '{c.Init}' must be normal, xavier or torch"
        if not (c.InitStd > 0.0) then fail $"init std ({num c.InitStd}) must be > 0"
        if c.CurvePerDecade < 0 || c.CurvePerDecade > 100 then fail $"curve points per decade ({c.CurvePerDecade}) must be in 0..100"
        if c.TrainSamples < 1L then fail $"train samples ({c.TrainSamples}) must be >= 1"
        if c.EvalK < 0 || c.EvalPoints < 0 then fail $"EvalK ({c.EvalK}) and EvalPoints ({c.EvalPoints}) must be >= 0"
        c
