// Test doubles for the sweep machinery: a stand-in backend that returns made-up, config-dependent numbers
// instantly (it is NOT a model), temp folders, and synthetic finished run folders for the report tests.
// Must not: be referenced by the scripts; real runs go through the core bridge in experiments/_common.fsx.
module Vae.Experiments.Tests.Fakes

open System
open System.IO
open System.Threading
open Vae.Experiments

/// A fresh folder under the system temp folder, deleted when disposed.
type TempDir() =
    let path = Path.Combine(Path.GetTempPath(), "vae-exp-tests-" + Guid.NewGuid().ToString("N"))
    do Directory.CreateDirectory path |> ignore
    member _.Path = path
    interface IDisposable with
        member _.Dispose() = try Directory.Delete(path, true) with _ -> ()

/// Made-up numbers: rise with training and with Dz, lower for A, so tables and charts have distinct values.
/// The seed moves the final bound by a little (0.1 nats per seed), so seed statistics have a spread.
let fakeFinal (c: Config) =
    let est = if c.Estimator = Estimator.A then -3.0 else 0.0
    -150.0 + 10.0 * log (float c.Dz) + est - 2.0 * float c.L + 0.1 * float c.Seed

/// The made-up curve: 4 points, test bound approaching the final one.
let fakeCurve (c: Config) =
    let final = fakeFinal c
    [ for e in 1..4 ->
          let s = int64 e * c.TrainSamples / 4L
          Vae.Core.Training.CurvePoint(s, e, int64 e * 10L, 0.01 * float e, final - 40.0 / float e + 1.0, final - 40.0 / float e) ]

/// The made-up result in the core's record; a training set of TrainSamples / 4 rows makes 4 epochs.
let fakeResult (c: Config) =
    let final = fakeFinal c
    CoreBackend.resultOf c 784 (int (c.TrainSamples / 4L)) (final + 1.0) final (final + 5.0) 0.1 (min c.Dz 7) 0.04 "fake"

/// A backend that counts its calls and can be told to fail on chosen run ids (a "killed" point).
type CountingBackend(?failOn: Set<string>) =
    let failOn = defaultArg failOn Set.empty
    let mutable calls = 0
    let ran = Collections.Concurrent.ConcurrentBag<string>()
    member _.Calls = calls
    member _.Ran = ran |> Seq.sort |> List.ofSeq
    member _.Backend =
        { Name = "fake"
          Describe = fun t -> $"fake blas, {t} thread(s)"
          OwnsFolder = false
          Run =
            fun ctx c ->
                Interlocked.Increment(&calls) |> ignore
                let id = Config.runId c
                ran.Add id
                // Half a run's files exist when it dies: the curve, but never metrics.json.
                File.WriteAllText(Path.Combine(ctx.Dir, "partial.txt"), "training...")
                if failOn.Contains id then failwith $"simulated crash in {id}"
                RunStore.writeCurve ctx.Dir (fakeCurve c)
                fakeResult c }

/// Settings for tests: a results root, quiet, sequential unless asked.
let settingsFor (root: string) =
    { ResultsRoot = root; DataDir = None; Shard = None; Parallel = 1; BlasThreads = 1; Budget = Budget.quick; Seeds = None; DryRun = false }

/// A grid of 12 points: Dz x estimator, as in sweep-dz.
let dzGrid =
    [ for dz in [ 2; 3; 5; 10; 20; 200 ] do
          for est in [ Estimator.A; Estimator.B ] -> { Config.baseline with Dz = dz; Estimator = est; TrainSamples = 1000L } ]

let quiet (_: string) = ()

/// Writes a valid 1x1 white greyscale PNG for the image-grid tests.
let tinyPng (path: string) =
    // Provenance: IHDR(1x1, 8-bit grey) + IDAT(zlib of [filter 0, 0xff]) + IEND, built with Python's zlib/struct.
    let bytes =
        Convert.FromBase64String "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAsTj2FAAAAABJRU5ErkJggg=="
    File.WriteAllBytes(path, bytes)
