// Run folders on disk: results/<experiment>/<run-id>/ with manifest.json (first), curve.csv, images,
// and metrics.json written LAST and atomically, so "finished" means exactly "metrics.json exists".
// Must not: decide what to run (Sweep does) or compute any model number (the backend does).
namespace Vae.Experiments

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text
open System.Text.Json
open System.Text.Json.Nodes

/// One point of a training curve; Samples is the paper's Fig. 2 x-axis. NaN where not evaluated.
type CurvePoint =
    { Epoch: int
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

/// What a backend gets to run one point: its folder (for images), data root, threads, a progress sink.
type RunContext =
    { Dir: string
      DataDir: string option
      BlasThreads: int
      Progress: CurvePoint -> unit }

/// The thing that trains: the core bridge in the scripts, a stand-in in the machinery's own tests.
type Backend =
    { Name: string
      /// One line describing the numeric provider for the given thread count (for the manifest).
      Describe: int -> string
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
    let ManifestFile = "manifest.json"
    let CurveFile = "curve.csv"
    let MetricsFile = "metrics.json"
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

    /// Writes via a temp file in the same folder and a rename, so readers never see half a file.
    let writeAtomic (path: string) (text: string) =
        let dir = dirOf path
        Directory.CreateDirectory dir |> ignore
        let tmp = Path.Combine(dir, $".{fileName path}.{Guid.NewGuid():N}.tmp")
        File.WriteAllText(tmp, text, UTF8Encoding(false))
        File.Move(tmp, path, true)

    let runDir (root: string) (experiment: string) (runId: string) = Path.Combine(root, experiment, runId)
    let isFinished (dir: string) = File.Exists(Path.Combine(dir, MetricsFile))

    /// Empties a folder left by a killed or failed run (no metrics.json) so its point starts clean.
    /// Returns true when stale files were removed.
    let prepare (dir: string) =
        if isFinished dir then invalidOp $"{dir} already holds {MetricsFile}: a finished run is never overwritten"
        let stale = Directory.Exists dir && not (Seq.isEmpty (Directory.EnumerateFileSystemEntries dir))
        if stale then Directory.Delete(dir, true)
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

    let private jnum (x: float) : JsonNode | null =
        // JSON has no NaN: null reads back as NaN.
        if Double.IsFinite x then (JsonValue.Create x :> JsonNode | null) else null

    let private configNode (c: Config) =
        let o = JsonObject()
        for (k, v) in Config.fields c do o[k] <- JsonValue.Create v
        o

    /// manifest.json, written before training starts: what ran, with what, from which commit.
    let writeManifest (dir: string) (experiment: string) (backend: string) (blas: string) (threads: int) (commit: string) (c: Config) =
        let o = JsonObject()
        o["run_id"] <- JsonValue.Create(Config.runId c)
        o["experiment"] <- JsonValue.Create experiment
        o["canonical"] <- JsonValue.Create(Config.canonical c)
        o["config"] <- configNode c
        o["data_variant"] <- JsonValue.Create(c.Dataset + "/" + c.Variant)
        o["seed"] <- JsonValue.Create c.Seed
        o["backend"] <- JsonValue.Create backend
        o["blas"] <- JsonValue.Create blas
        o["blas_threads"] <- JsonValue.Create threads
        o["git_commit"] <- JsonValue.Create commit
        o["dotnet"] <- JsonValue.Create(Environment.Version.ToString())
        o["started_utc"] <- JsonValue.Create(DateTime.UtcNow.ToString("o", inv))
        writeAtomic (Path.Combine(dir, ManifestFile)) (o.ToJsonString jsonOptions)

    let private f (x: float) = if Double.IsFinite x then x.ToString("R", inv) else ""

    /// curve.csv: one line per evaluation, empty cells where a value was not computed.
    let writeCurve (dir: string) (curve: CurvePoint list) =
        let sb = StringBuilder("epoch,samples,train_elbo,test_elbo,seconds\n")
        for p in curve do
            sb.Append($"{p.Epoch},{p.Samples},{f p.TrainElbo},{f p.TestElbo},{f p.Seconds}\n") |> ignore
        writeAtomic (Path.Combine(dir, CurveFile)) (sb.ToString())

    let readCurve (dir: string) : CurvePoint list =
        let path = Path.Combine(dir, CurveFile)
        if not (File.Exists path) then []
        else
            let num (s: string) = if s = "" then nan else Double.Parse(s, inv)
            File.ReadAllLines path
            |> Array.skip 1
            |> Array.filter (fun l -> l.Trim() <> "")
            |> Array.mapi (fun i line ->
                match line.Split(',') with
                | [| e; s; tr; te; sec |] ->
                    { Epoch = int e; Samples = int64 s; TrainElbo = num tr; TestElbo = num te; Seconds = num sec }
                | cells -> failwith $"{path} line {i + 2}: expected 5 columns, found {cells.Length}: '{line}'")
            |> List.ofArray

    /// metrics.json, the run's last write: its presence marks the point finished.
    let writeMetrics (dir: string) (experiment: string) (backend: string) (c: Config) (r: RunOutput) =
        let o = JsonObject()
        o["run_id"] <- JsonValue.Create(Config.runId c)
        o["experiment"] <- JsonValue.Create experiment
        o["backend"] <- JsonValue.Create backend
        o["config"] <- configNode c
        o["train_elbo"] <- jnum r.TrainElbo
        o["test_elbo"] <- jnum r.TestElbo
        o["log_px"] <- jnum r.LogPx
        o["log_px_stderr"] <- jnum r.LogPxStdErr
        o["active_units"] <- JsonValue.Create r.ActiveUnits
        o["epochs"] <- jnum r.Epochs
        o["samples"] <- JsonValue.Create r.Samples
        o["seconds"] <- jnum r.Seconds
        o["blas"] <- JsonValue.Create r.Blas
        o["finished_utc"] <- JsonValue.Create(DateTime.UtcNow.ToString("o", inv))
        writeAtomic (Path.Combine(dir, MetricsFile)) (o.ToJsonString jsonOptions)

    /// The table row stored in a finished run's metrics.json, with a clear error for a malformed file.
    let readRow (dir: string) : Row =
        let path = Path.Combine(dir, MetricsFile)
        let o =
            try
                match JsonNode.Parse(File.ReadAllText path) with
                | :? JsonObject as o -> o
                | _ -> failwith "the top level is not an object"
            with e -> failwith $"{path}: not a JSON object ({e.Message})"
        let node (parent: JsonObject) (k: string) =
            match parent[k] with
            | null when parent.ContainsKey k -> None
            | null -> failwith $"{path}: field '{k}' missing"
            | n -> Some n
        let str (p: JsonObject) k = node p k |> Option.map (fun n -> n.GetValue<string>()) |> Option.defaultValue ""
        let num (p: JsonObject) k = node p k |> Option.map (fun n -> n.GetValue<float>()) |> Option.defaultValue nan
        let c = (node o "config").Value.AsObject()
        let ci k = Int32.Parse(str c k, inv)
        { Experiment = str o "experiment"
          RunId = str o "run_id"
          Dataset = str c "dataset"
          Variant = str c "variant"
          Likelihood = str c "likelihood"
          Hidden = str c "hidden"
          Dz = ci "dz"
          L = ci "l"
          Estimator = str c "estimator"
          Optimizer = str c "optimizer"
          LearningRate = Double.Parse(str c "lr", inv)
          BatchSize = ci "m"
          Seed = ci "seed"
          TrainSamples = Int64.Parse(str c "train_samples", inv)
          Epochs = num o "epochs"
          TrainElbo = num o "train_elbo"
          TestElbo = num o "test_elbo"
          LogPx = num o "log_px"
          LogPxStdErr = num o "log_px_stderr"
          ActiveUnits = (node o "active_units").Value.GetValue<int>()
          Seconds = num o "seconds"
          Backend = str o "backend" }

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
