// Run folders on disk: results/<experiment>/<run-id>/ in the core's run-folder format (Vae.Core.Runs.RunDriver:
// manifest.json, curve.csv, checkpoint, figures, metrics.json = TrainResult written LAST and atomically, so
// "finished" means exactly "metrics.json exists"), plus point.json, the F# config that named the folder.
// Reads them back with the core's records and readers (TrainResult, TrainOptions, CurveCsv, EvalReport).
// Must not: decide what to run (Sweep does) or compute any model number (the backend does).
namespace Vae.Experiments

open System
open System.Globalization
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open Deedle
open Vae.Core.IO
open Vae.Core.Runs
open Vae.Core.Training

/// What a backend gets to run one point: its folder, data root, threads, sinks for curve points and log lines.
type RunContext =
    { Dir: string
      DataDir: string option
      BlasThreads: int
      Progress: CurvePoint -> unit
      Log: string -> unit }

/// The thing that trains: the core bridge in the scripts, a stand-in in the machinery's own tests.
type Backend =
    { Name: string
      /// One line describing the numeric provider for the given thread count (for the manifest).
      Describe: int -> string
      /// True when Run writes the run folder itself (manifest, curve, metrics.json last) and resumes what a killed
      /// attempt left there; false when the sweep writes manifest and metrics.json around Run (Run writes its curve)
      /// and clears unfinished folders.
      OwnsFolder: bool
      /// Trains one config; returns the core's result record (what metrics.json holds).
      Run: RunContext -> Config -> TrainResult }

/// A finished run folder read back: the core's own records (options from manifest.json, result from metrics.json)
/// plus where it lies and what made it. Nothing here re-types a result.
type FinishedRun =
    { Experiment: string
      RunId: string
      Dir: string
      Options: TrainOptions
      Result: TrainResult
      /// The command that made it: the script and its arguments (point.json), else the process's command line.
      Command: string
      /// The commit of the code that trained it (the manifest's environment, found by the core's GitCommit).
      GitCommit: string
      Backend: string
      /// Options' learning rate was chosen by the paper's step-size selection (the manifest's StepSize record).
      SelectedStepSize: bool }

module RunStore =
    let ManifestFile = RunFolder.ManifestFile
    let CurveFile = RunDriver.CurveFile
    let MetricsFile = RunFolder.MetricsFile
    let PointFile = "point.json"
    let ErrorFile = "error.txt"

    let private inv = CultureInfo.InvariantCulture
    let private jsonOptions = JsonSerializerOptions(WriteIndented = true)

    /// The folder holding path (absolute).
    let dirOf (path: string) : string =
        match Path.GetDirectoryName(Path.GetFullPath path) with
        | null -> invalidArg "path" $"'{path}' has no parent folder"
        | d -> d

    /// The file name of path, without its folder.
    let fileName (path: string) : string =
        match Path.GetFileName path with
        | null -> ""
        | n -> n

    /// Writes via a temp file in the same folder and a rename (the core's AtomicFile), so readers never see half a file.
    let writeAtomic (path: string) (text: string) = AtomicFile.WriteAllText(path, text)

    /// root/experiment/runId, with both names checked by the core (nothing may leave root; no symlinked run folders).
    let runDir (root: string) (experiment: string) (runId: string) =
        Vae.Core.Inputs.FileKinds.RunFolderPath(root, experiment, runId, "--results", "experiment", "run id")
    let isFinished (dir: string) = File.Exists(Path.Combine(dir, MetricsFile))

    /// The run-folder lock files (Vae.Core.IO.RunLock), which are never deleted: see RunLock.
    let private isLockFile (path: string) =
        let n = fileName path
        n = RunLock.FileName || n = RunLock.HolderFile

    /// True when dir holds anything besides its lock files (a started run).
    let hasContent (dir: string) =
        Directory.Exists dir && Directory.EnumerateFileSystemEntries dir |> Seq.exists (isLockFile >> not)

    /// Empties a folder left by a killed or failed run (no metrics.json) so its point starts clean; the lock files
    /// stay (the caller may hold the lock). Returns true when stale files were removed.
    let prepare (dir: string) =
        if isFinished dir then invalidOp $"{dir} already holds {MetricsFile}: a finished run is never overwritten"
        let stale = hasContent dir
        if stale then
            for e in Directory.EnumerateFileSystemEntries dir |> Array.ofSeq do
                if not (isLockFile e) then
                    if Directory.Exists e then Directory.Delete(e, true) else File.Delete e
        Directory.CreateDirectory dir |> ignore
        stale

    /// A command line without machine paths: the options naming folders (--results, --data, --out; they never change a
    /// number) are left out, so "dotnet fsi experiments/sweep-dz.fsx --seeds 3" can be committed with its results.
    let commandOf (args: string list) =
        let rec keep (xs: string list) =
            match xs with
            | ("--results" | "--data" | "--out") :: _ :: rest -> keep rest
            | x :: rest -> (if x.Contains ' ' then "'" + x + "'" else x) :: keep rest
            | [] -> []
        match args |> List.tryFindIndex (fun a -> a.EndsWith(".fsx", StringComparison.OrdinalIgnoreCase)) with
        | Some i -> "dotnet fsi experiments/" + fileName args[i] :: keep (List.skip (i + 1) args) |> String.concat " "
        | None -> (args |> List.tryHead |> Option.map fileName |> Option.defaultValue "?") :: keep (List.skip (min 1 args.Length) args) |> String.concat " "

    /// This process's command line as commandOf writes it (the script and its arguments in `dotnet fsi`).
    let command () = commandOf (List.ofArray (Environment.GetCommandLineArgs()))

    /// point.json, written before training: the F# config that named this folder, its canonical text, the
    /// experiment, backend, BLAS threads and the command of the sweep. (Provider, git commit, seeds: the manifest.)
    let writePoint (dir: string) (experiment: string) (backend: string) (threads: int) (command: string) (c: Config) =
        let o = JsonObject()
        o["run_id"] <- JsonValue.Create(Config.runId c)
        o["experiment"] <- JsonValue.Create experiment
        o["canonical"] <- JsonValue.Create(Config.canonical c)
        let cfg = JsonObject()
        for (k, v) in Config.fields c do cfg[k] <- JsonValue.Create v
        o["config"] <- cfg
        o["backend"] <- JsonValue.Create backend
        o["blas_threads"] <- JsonValue.Create threads
        o["command"] <- JsonValue.Create command
        o["written_utc"] <- JsonValue.Create(DateTime.UtcNow.ToString("o", inv))
        writeAtomic (Path.Combine(dir, PointFile)) (o.ToJsonString jsonOptions)

    /// manifest.json for backends that do not write their own, in the core's shape where it matters (Options:
    /// the core's TrainOptions; RunFolder adds the environment with the git commit).
    let writeManifest (dir: string) (backend: string) (blas: string) (options: TrainOptions) =
        let o = JsonSerializer.SerializeToNode(options, RunFolder.JsonOptions)
        let m = JsonObject()
        m["Options"] <- o
        m["Backend"] <- JsonValue.Create backend
        m["Blas"] <- JsonValue.Create blas
        RunFolder.Open(dir).WriteManifest(m)

    /// curve.csv in the core's format (RunDriver.CurveFields), for backends that do not write their own.
    let writeCurve (dir: string) (curve: CurvePoint seq) =
        let csv = CurveCsv.Create(Path.Combine(dir, CurveFile), RunDriver.CurveFields)
        for p in curve do
            csv.Append(ReadOnlySpan [| float p.Samples; float p.Epoch; float p.Step; p.Seconds; p.TrainElbo; p.TestElbo |], false)
        csv.Flush()

    /// The curve file of a run folder as the core's CurveCsv reads it; None when the folder has none.
    let curveRows (dir: string) : CurveRows option =
        let path = Path.Combine(dir, CurveFile)
        if File.Exists path then Some(CurveCsv.Read path) else None

    /// The curve of a run folder as the core's CurvePoints, in file order (empty when the folder has none).
    let curvePoints (dir: string) : CurvePoint list =
        match curveRows dir with
        | None -> []
        | Some c ->
            let s, e, st, sec = c.Column "samples", c.Column "epoch", c.Column "step", c.Column "seconds"
            let tr, te = c.Column "train_elbo", c.Column "test_elbo"
            [ for i in 0 .. c.Rows.Count - 1 -> CurvePoint(int64 s[i], int e[i], int64 st[i], sec[i], tr[i], te[i]) ]

    /// The curve of a run folder as a frame, read by the core's CurveCsv: one row per point, one column per field
    /// of the file (samples, epoch, step, seconds, train_elbo, test_elbo; NaN where not evaluated). Empty when the
    /// folder has no curve.
    let curve (dir: string) : Frame<int, string> =
        match curveRows dir with
        | None -> Frame.ofRows Seq.empty<int * Series<string, float>>
        | Some c -> c.Fields |> Seq.map (fun f -> f, Series.ofValues (c.Column f)) |> Frame.ofColumns

    /// metrics.json (the core's TrainResult record), written LAST and atomically: its presence marks the point finished.
    let writeMetrics (dir: string) (result: TrainResult) = RunFolder.Open(dir).WriteMetrics(result)

    let private parse<'T> (path: string) (text: string) : 'T =
        try
            match JsonSerializer.Deserialize<'T>(text, RunFolder.JsonOptions) with
            | null -> failwith "empty"
            | v -> v
        with e -> failwith $"{path}: not a {typeof<'T>.Name} ({e.Message})"

    let private jsonObject (path: string) =
        try
            match JsonNode.Parse(File.ReadAllText path) with
            | :? JsonObject as o -> o
            | _ -> failwith "the top level is not an object"
        with e -> failwith $"{path}: not a JSON object ({e.Message})"

    let private text (o: JsonObject) (key: string) =
        match o[key] with
        | null -> None
        | n when n.GetValueKind() = JsonValueKind.String -> Some(n.GetValue<string>())
        | _ -> None

    /// A finished run folder read back with the core's schema: metrics.json as TrainResult, manifest.json's Options
    /// as TrainOptions, the command from point.json (else the manifest's command line), the commit from the manifest.
    let read (dir: string) : FinishedRun =
        let metricsPath = Path.Combine(dir, MetricsFile)
        let manifestPath = Path.Combine(dir, ManifestFile)
        let result = parse<TrainResult> metricsPath (File.ReadAllText metricsPath)
        let manifest = jsonObject manifestPath
        let options =
            match manifest["Options"] with
            | null -> failwith $"{manifestPath}: no Options (the run's TrainOptions)"
            | n -> parse<TrainOptions> manifestPath (n.ToJsonString())
        let env =
            match manifest[RunFolder.EnvironmentKey] with
            | :? JsonObject as e -> e
            | _ -> JsonObject()
        let point =
            let p = Path.Combine(dir, PointFile)
            if File.Exists p then jsonObject p else JsonObject()
        let full = Path.GetFullPath dir
        { Experiment = fileName (dirOf full)
          RunId = fileName full
          Dir = full
          Options = options
          Result = result
          Command =
            text point "command"
            |> Option.orElse (text env "CommandLine" |> Option.map (fun c -> "vae " + commandOf (c.Split(' ') |> List.ofArray |> List.skip 1)))
            |> Option.defaultValue "unknown"
          GitCommit = text env "GitCommit" |> Option.defaultValue GitCommit.Unknown
          Backend = text point "backend" |> Option.orElse (text manifest "Backend") |> Option.defaultValue "vae"
          SelectedStepSize = not (isNull manifest["StepSize"]) }

    /// True unless the run's manifest names another kind of run ("Kind": the sample-quality classifier, a DCGAN), whose
    /// metrics.json is not a VAE's TrainResult: tables and the report leave those out.
    let isVaeRun (dir: string) =
        let m = Path.Combine(dir, ManifestFile)
        not (File.Exists m) || not ((jsonObject m).ContainsKey "Kind")

    /// Folders of finished VAE runs under root/<experiment>/ (all experiments when None), in name order.
    let finishedDirs (root: string) (experiment: string option) =
        let exps =
            match experiment with
            | Some e -> [ Path.Combine(root, e) ]
            | None when Directory.Exists root -> Directory.GetDirectories root |> Array.sort |> List.ofArray
            | None -> []
        [ for e in exps do
              if Directory.Exists e then
                  for d in Directory.GetDirectories e |> Array.sort do
                      if isFinished d && isVaeRun d then yield d ]

    /// PNG files a run left in its folder (reconstructions, samples, manifold), in name order.
    let images (dir: string) =
        if Directory.Exists dir then Directory.GetFiles(dir, "*.png") |> Array.sort |> List.ofArray else []

    /// What `vae eval` wrote into a run folder (eval-k<K>.json, the core's EvalReport), in K order.
    let evals (dir: string) : EvalReport list =
        if not (Directory.Exists dir) then []
        else
            Directory.GetFiles(dir, "eval-k*.json")
            |> Array.map (fun p -> parse<EvalReport> p (File.ReadAllText p))
            |> Array.sortBy (fun e -> e.K)
            |> List.ofArray
