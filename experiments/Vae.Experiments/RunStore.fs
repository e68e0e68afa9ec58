// Run folders on disk: results/<experiment>/<run-id>/ in the core's run-folder format (Vae.Core.Runs.RunDriver:
// manifest.json, curve.csv, checkpoint, figures, metrics.json = TrainResult written LAST and atomically, so
// "finished" means exactly "metrics.json exists"), plus point.json, the F# config that named the folder.
// Must not: decide what to run (Sweep does) or compute any model number (the backend does).
namespace Vae.Experiments

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open Vae.Core.IO
open Vae.Core.Runs
open Vae.Core.Training

/// One point of a training curve; Samples is the paper's Fig. 2 x-axis. NaN where not evaluated.
type CurvePoint =
    { Epoch: int
      Step: int64
      Samples: int64
      TrainElbo: float
      TestElbo: float
      Seconds: float }

/// What a backend returns for one run: final numbers in nats per datapoint (NaN where not computed).
type RunOutput =
    { TrainElbo: float
      TestElbo: float
      /// Importance-sampled log p(x) with Config.EvalK samples, and its standard error.
      LogPx: float
      LogPxStdErr: float
      /// Latent units whose posterior-mean variance exceeds 0.01.
      ActiveUnits: int
      Epochs: float
      Samples: int64
      Seconds: float
      Curve: CurvePoint list
      /// The BLAS provider's Describe() line as used by this run.
      Blas: string }

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
      /// attempt left there; false when the sweep writes those files around Run and clears unfinished folders.
      OwnsFolder: bool
      Run: RunContext -> Config -> RunOutput }

/// One finished run, flat: the unit of every table and frame.
type Row =
    { Experiment: string
      RunId: string
      Dataset: string
      Variant: string
      Likelihood: string
      Hidden: string
      Dz: int
      L: int
      Estimator: string
      Optimizer: string
      LearningRate: float
      BatchSize: int
      Seed: int
      TrainSamples: int64
      Epochs: float
      TrainElbo: float
      TestElbo: float
      LogPx: float
      LogPxStdErr: float
      ActiveUnits: int
      Seconds: float
      Backend: string }

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

    let runDir (root: string) (experiment: string) (runId: string) = Path.Combine(root, experiment, runId)
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

    /// "commit" or "commit-dirty" of the repository holding dir; says why when git cannot tell.
    let gitCommit (dir: string) =
        let git (args: string) =
            try
                let psi = ProcessStartInfo("git", $"-C \"{dir}\" {args}", RedirectStandardOutput = true, RedirectStandardError = true)
                match Process.Start psi with
                | null -> None
                | p ->
                    use p = p
                    let out = p.StandardOutput.ReadToEnd()
                    p.WaitForExit()
                    if p.ExitCode = 0 then Some(out.Trim()) else None
            with _ -> None
        match git "rev-parse HEAD" with
        | Some c when c <> "" ->
            match git "status --porcelain --untracked-files=no" with
            | Some "" -> c
            | _ -> c + "-dirty"
        | _ -> "unknown (not a git checkout or git missing)"

    /// point.json, written before training: the F# config that named this folder, its canonical text, the
    /// experiment, backend, BLAS threads and git commit of the sweep.
    let writePoint (dir: string) (experiment: string) (backend: string) (blas: string) (threads: int) (commit: string) (c: Config) =
        let o = JsonObject()
        o["run_id"] <- JsonValue.Create(Config.runId c)
        o["experiment"] <- JsonValue.Create experiment
        o["canonical"] <- JsonValue.Create(Config.canonical c)
        let cfg = JsonObject()
        for (k, v) in Config.fields c do cfg[k] <- JsonValue.Create v
        o["config"] <- cfg
        o["data_variant"] <- JsonValue.Create(c.Dataset + "/" + c.Variant)
        o["seed"] <- JsonValue.Create c.Seed
        o["backend"] <- JsonValue.Create backend
        o["blas"] <- JsonValue.Create blas
        o["blas_threads"] <- JsonValue.Create threads
        o["git_commit"] <- JsonValue.Create commit
        o["written_utc"] <- JsonValue.Create(DateTime.UtcNow.ToString("o", inv))
        writeAtomic (Path.Combine(dir, PointFile)) (o.ToJsonString jsonOptions)

    /// manifest.json for backends that do not write their own (the core's RunDriver does).
    let writeManifest (dir: string) (backend: string) (blas: string) (c: Config) =
        let o = JsonObject()
        o["Backend"] <- JsonValue.Create backend
        o["Blas"] <- JsonValue.Create blas
        o["Config"] <- JsonValue.Create(Config.canonical c)
        RunFolder.Open(dir).WriteManifest(o)

    /// curve.csv in the core's format (RunDriver.CurveFields), for backends that do not write their own.
    let writeCurve (dir: string) (curve: CurvePoint list) =
        let csv = CurveCsv.Create(Path.Combine(dir, CurveFile), RunDriver.CurveFields)
        for p in curve do
            csv.Append(ReadOnlySpan [| float p.Samples; float p.Epoch; float p.Step; p.Seconds; p.TrainElbo; p.TestElbo |], false)
        csv.Flush()

    /// The curve of a run folder, columns found by header name (empty or NaN cells read as NaN).
    let readCurve (dir: string) : CurvePoint list =
        let path = Path.Combine(dir, CurveFile)
        if not (File.Exists path) then []
        else
            let lines = File.ReadAllLines path |> Array.filter (fun l -> l.Trim() <> "")
            if lines.Length = 0 then []
            else
                let header = lines[0].Split(',')
                let col name =
                    match Array.tryFindIndex ((=) name) header with
                    | Some i -> i
                    | None -> failwith $"{path}: header '{lines[0]}' lacks column '{name}'"
                let cs, ce, cst, csec, ctr, cte = col "samples", col "epoch", col "step", col "seconds", col "train_elbo", col "test_elbo"
                lines
                |> Array.skip 1
                |> Array.mapi (fun i line ->
                    let cells = line.Split(',')
                    if cells.Length <> header.Length then
                        failwith $"{path} line {i + 2}: {cells.Length} values, the header has {header.Length}"
                    let num (j: int) =
                        match cells[j] with
                        | "" -> nan
                        | c ->
                            match Double.TryParse(c, NumberStyles.Float, inv) with
                            | true, v -> v
                            | _ -> failwith $"{path} line {i + 2}: '{c}' in column {header[j]} is not a number"
                    { Epoch = int (num ce); Step = int64 (num cst); Samples = int64 (num cs); TrainElbo = num ctr
                      TestElbo = num cte; Seconds = num csec })
                |> List.ofArray

    /// metrics.json (the core's TrainResult record), written LAST and atomically: its presence marks the point finished.
    let writeMetrics (dir: string) (result: TrainResult) = RunFolder.Open(dir).WriteMetrics(result)

    /// The table row of a finished run folder: numbers and settings from metrics.json (the core's TrainResult),
    /// experiment and run id from the folder names, backend from point.json when the sweep wrote one.
    let readRow (dir: string) : Row =
        let path = Path.Combine(dir, MetricsFile)
        let load (p: string) =
            try
                match JsonNode.Parse(File.ReadAllText p) with
                | :? JsonObject as o -> o
                | _ -> failwith "the top level is not an object"
            with e -> failwith $"{p}: not a JSON object ({e.Message})"
        let o = load path
        let node (k: string) =
            match o[k] with
            | null -> failwith $"{path}: field '{k}' missing"
            | n -> n
        let str k = (node k).GetValue<obj>() |> string
        let num k =
            // RunFolder writes NaN / Infinity as strings.
            match (node k).GetValueKind() with
            | JsonValueKind.String -> Double.Parse((node k).GetValue<string>(), inv)
            | JsonValueKind.Number -> (node k).GetValue<float>()
            | kind -> failwith $"{path}: field '{k}' is {kind}, expected a number"
        let full = Path.GetFullPath dir
        let backend =
            let pf = Path.Combine(dir, PointFile)
            if File.Exists pf then
                match (load pf)["backend"] with
                | null -> "unknown"
                | n -> n.GetValue<string>()
            else "vae (no point.json)"
        { Experiment = fileName (dirOf full)
          RunId = fileName full
          Dataset = str "Dataset"
          Variant = str "Variant"
          Likelihood = str "Likelihood"
          Hidden = str "Hidden"
          Dz = int (num "Dz")
          L = int (num "L")
          Estimator = str "Estimator"
          Optimizer = str "Optimizer"
          LearningRate = num "LearningRate"
          BatchSize = int (num "M")
          Seed = int (num "Seed")
          TrainSamples = int64 (num "Samples")
          Epochs = num "Epochs"
          TrainElbo = num "TrainElbo"
          TestElbo = num "TestElbo"
          LogPx = num "LogPx"
          LogPxStdErr = num "LogPxStdErr"
          ActiveUnits = int (num "ActiveUnits")
          Seconds = num "Seconds"
          Backend = backend }

    /// Folders of finished runs under root/<experiment>/ (all experiments when None), in name order.
    let finishedDirs (root: string) (experiment: string option) =
        let exps =
            match experiment with
            | Some e -> [ Path.Combine(root, e) ]
            | None when Directory.Exists root -> Directory.GetDirectories root |> Array.sort |> List.ofArray
            | None -> []
        [ for e in exps do
              if Directory.Exists e then
                  for d in Directory.GetDirectories e |> Array.sort do
                      if isFinished d then yield d ]

    /// PNG files a run left in its folder (reconstructions, samples, manifold), in name order.
    let images (dir: string) =
        if Directory.Exists dir then Directory.GetFiles(dir, "*.png") |> Array.sort |> List.ofArray else []
