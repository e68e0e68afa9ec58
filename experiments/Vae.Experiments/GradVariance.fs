// Variance of the SGVB gradient estimators (paper Sec. 2.3 claims B's is lower than A's): at fixed parameters
// and a fixed minibatch, draw R independent noise tensors, take the core's gradient for each (the trainer's
// TrainingStep, stopped before the update), and summarise the spread over draws. Measurement only; no model maths here.
// Must not: train or change parameters.
namespace Vae.Experiments

open System
open Vae.Core.Inference
open Vae.Core.Model
open Vae.Core.Numerics
open Vae.Core.Tensors

/// Spread of R gradient draws of J = mean_m Elbo_m at fixed theta and minibatch.
type GradStats =
    { /// Where theta came from, e.g. "init" or a run id.
      At: string
      Estimator: Estimator
      L: int
      M: int
      Repeats: int
      Parameters: int
      /// Sum over parameters of the sample variance of dJ/dtheta_i (trace of the gradient's covariance).
      TotalVariance: float
      /// Squared norm of the mean gradient (the signal).
      MeanGradNormSq: float
      /// MeanGradNormSq / TotalVariance: higher means fewer samples needed per useful step.
      Snr: float
      /// Mean and standard deviation over draws of the bound J itself (nats per datapoint).
      ElboMean: float
      ElboStd: float }

module GradVariance =
    /// R gradient draws of estimator est with L samples on x [M, D] at theta [P]; noise from (seed, Noise stream).
    let measure (at: string) (spec: ModelSpec) (blas: IBlas) (theta: float32[]) (x: float32[]) (m: int) (l: int)
                (est: Vae.Core.Model.Estimator) (repeats: int) (seed: uint64) =
        if repeats < 2 then invalidArg "repeats" $"repeats ({repeats}) must be >= 2 to estimate a variance"
        if x.Length < m * spec.D then invalidArg "x" $"x holds {x.Length} floats, M*D = {m}*{spec.D} needed"
        // The trainer's step unit, stopped after the gradient: the optimizer is never applied, theta stays fixed.
        let unit = Vae.Core.Training.TrainingStep(spec, blas, est, m, l, Vae.Core.Training.OptimizerOptions(), m, Rng(seed, RngStream.Noise))
        let p = theta.Length
        if p <> unit.Parameters.Data.Length then invalidArg "theta" $"theta holds {p} floats, the model has {unit.Parameters.Data.Length}"
        Array.blit theta 0 unit.Parameters.Data 0 p
        let xs = ReadOnlyMemory<float32>(x, 0, m * spec.D)
        let grad = unit.Gradient.Data                         // [P]
        let mean = Array.zeroCreate<float> p                  // [P] running mean (Welford, double)
        let m2 = Array.zeroCreate<float> p                    // [P] running sum of squared deviations
        let mutable jMean = 0.0
        let mutable jM2 = 0.0
        for r in 1..repeats do
            let j = unit.Forward(xs.Span)
            unit.Backward()
            let n = float r
            for i in 0 .. p - 1 do
                let g = float grad[i]
                let d = g - mean[i]
                mean[i] <- mean[i] + d / n
                m2[i] <- m2[i] + d * (g - mean[i])
            let dj = j - jMean
            jMean <- jMean + dj / n
            jM2 <- jM2 + dj * (j - jMean)
        let total = Array.sum m2 / float (repeats - 1)
        let signal = mean |> Array.sumBy (fun v -> v * v)
        { At = at
          Estimator = est
          L = l
          M = m
          Repeats = repeats
          Parameters = p
          TotalVariance = total
          MeanGradNormSq = signal
          Snr = (if total > 0.0 then signal / total else nan)
          ElboMean = jMean
          ElboStd = sqrt (jM2 / float (repeats - 1)) }

    /// Estimators A and B at the same theta, minibatch and noise seed.
    let compare (at: string) (spec: ModelSpec) (blas: IBlas) (theta: float32[]) (x: float32[]) (m: int) (l: int) (repeats: int) (seed: uint64) =
        [ for est in [ Vae.Core.Model.Estimator.A; Vae.Core.Model.Estimator.B ] -> measure at spec blas theta x m l est repeats seed ]

    /// The trained parameters [P] in a finished run folder's checkpoint (the core's RunDriver writes checkpoint.ckpt).
    let thetaFromRun (dir: string) =
        let path = IO.Path.Combine(dir, Vae.Core.Runs.RunDriver.CheckpointFile)
        if not (IO.File.Exists path) then invalidArg "dir" $"{dir} holds no {Vae.Core.Runs.RunDriver.CheckpointFile} to read trained parameters from"
        Vae.Core.IO.Checkpoint.Load(path).GetFloats "theta"

    /// Parameters initialised as the paper does (N(0, std^2), seeded Init stream) for a spec.
    let initialTheta (spec: ModelSpec) (std: float32) (seed: uint64) =
        let ps = Vae.Core.Tensors.ParameterSet(Vae.Core.Model.ModelLayout.For spec)
        ps.Initialize(InitScheme.Normal, std, Rng(seed, RngStream.Init))
        ps.Data
