// The sweep machinery: a grid of configs -> a plan (ids, shard, finished or not) -> parallel execution of
// the unfinished points, each in its own folder, with the plan printed first and progress while running.
// Must not: train (the backend does) or format tables (Tables does); results are read back from disk only.
namespace Vae.Experiments

open System
open System.Collections.Concurrent
open System.Diagnostics
open System.IO
open System.Threading
open System.Threading.Tasks
open Vae.Core.Training

/// One grid point: its position in the whole grid, its config, id and folder.
type Point =
    { Index: int
      Config: Config
      RunId: string
      Dir: string }

/// What a sweep will do: all points of the grid, this shard's share, and which of those are already finished.
type Plan =
    { Experiment: string
      All: Point list
      Mine: Point list
      Finished: Point list
      Todo: Point list
      /// Grid entries dropped because an equal config (same run id) came earlier.
      Duplicates: int }

/// The outcome of executing a plan: this shard's finished runs (read back from disk) and what failed.
type SweepResult =
    { Runs: FinishedRun list
      Ran: int
      /// Points found finished: before the sweep, or by another process while this one waited for their lock.
      Skipped: int
      Failed: (string * string) list
      /// Points stopped on request (cancellation) with a checkpoint saved: neither failed nor finished.
      Interrupted: string list }

module Sweep =
    /// Every n-th item starting at the i-th (1-based), by position in the whole grid: shards 1..n partition it.
    let shardOf (shard: (int * int) option) (items: 'a list) =
        match shard with
        | None -> items
        | Some(i, n) -> items |> List.indexed |> List.filter (fun (k, _) -> k % n = i - 1) |> List.map snd

    /// Ids, folders, shard and finished state for a grid; configs are validated here, before anything runs.
    let plan (settings: Settings) (experiment: string) (grid: Config list) =
        Vae.Core.Inputs.Input.Name("experiment", experiment) |> ignore
        let grid = match settings.Seeds with Some n -> Config.withSeeds n grid | None -> grid
        let unique = grid |> List.map Config.validate |> List.distinctBy Config.runId
        let all =
            unique
            |> List.mapi (fun i c ->
                let id = Config.runId c
                { Index = i; Config = c; RunId = id; Dir = RunStore.runDir settings.ResultsRoot experiment id })
        let mine = shardOf settings.Shard all
        let finished, todo = mine |> List.partition (fun p -> RunStore.isFinished p.Dir)
        { Experiment = experiment
          All = all
          Mine = mine
          Finished = finished
          Todo = todo
          Duplicates = grid.Length - unique.Length }

    let private duration (s: float) =
        let t = TimeSpan.FromSeconds(max 0.0 s)
        if t.TotalHours >= 1.0 then $"{int t.TotalHours}h{t.Minutes:D2}m"
        elif t.TotalMinutes >= 1.0 then $"{int t.TotalMinutes}m{t.Seconds:D2}s"
        else $"{s:F1}s"

    /// The plan as printed before starting: budget, shard, parallelism, and each point with its state.
    /// The progress line's log p(x): "not computed" for a run with K = 0 (its LogPx is NaN by design), never "NaN".
    let private logPx (r: TrainResult) =
        if Double.IsNaN r.LogPx then "log p(x) not computed (K = 0)" else $"log p(x) {r.LogPx:F2}"

    let describe (settings: Settings) (backend: Backend) (p: Plan) =
        let shard =
            match settings.Shard with
            | Some(i, n) -> $"shard {i}/{n}: {p.Mine.Length} of {p.All.Length} points"
            | None -> $"{p.All.Length} points"
        // The budget as the points carry it (a script may override the settings' budget per point).
        let distinct f = p.Mine |> List.map (fun pt -> f pt.Config) |> List.distinct |> String.concat " or "
        let samples = distinct (fun c -> c.TrainSamples.ToString("N0", Globalization.CultureInfo.InvariantCulture))
        let evalK = distinct (fun c -> string c.EvalK)
        let evalPts = distinct (fun c -> if c.EvalPoints = 0 then "all" else string c.EvalPoints)
        let seeds = p.Mine |> List.map (fun pt -> pt.Config.Seed) |> List.distinct |> List.sort |> List.map string |> String.concat ", "
        [ yield $"== {p.Experiment}: {shard}; {p.Finished.Length} finished (skipped), {p.Todo.Length} to run"
          yield $"   budget {settings.Budget.Name}: {samples} training samples per point; final evaluation (ELBO, log p(x) with K={evalK}, active units) on {evalPts} test points; seeds {seeds}"
          yield $"   backend {backend.Name}; {settings.Parallel} point(s) at once x {settings.BlasThreads} BLAS thread(s)"
          yield $"   results -> {Path.Combine(settings.ResultsRoot, p.Experiment)}"
          if p.Duplicates > 0 then yield $"   {p.Duplicates} duplicate grid entr(ies) dropped (same run id)"
          for pt in p.Mine do
              let state = if RunStore.isFinished pt.Dir then "done" else "todo"
              yield $"   [{state}] {pt.RunId}" ]
        |> String.concat Environment.NewLine

    /// Runs one point: point.json first, then the backend; a backend that does not own its folder gets a clean
    /// folder and has its manifest, curve and metrics.json (last) written here.
    let private runPoint (settings: Settings) (backend: Backend) (blas: string) (command: string) (experiment: string)
                         (log: string -> unit) (pt: Point) =
        if backend.OwnsFolder then
            if RunStore.hasContent pt.Dir then
                log $"   {pt.RunId}: continuing an unfinished earlier attempt"
            Directory.CreateDirectory pt.Dir |> ignore
            File.Delete(Path.Combine(pt.Dir, RunStore.ErrorFile))
        elif RunStore.prepare pt.Dir then
            log $"   {pt.RunId}: removed an unfinished earlier attempt"
        RunStore.writePoint pt.Dir experiment backend.Name settings.BlasThreads command pt.Config
        // A stand-in knows no data dimension; D only shapes the model description.
        if not backend.OwnsFolder then RunStore.writeManifest pt.Dir backend.Name blas (Config.toTrainOptions 784 settings.DataDir pt.Config)
        let lastPrint = Stopwatch.StartNew()
        let progress (c: CurvePoint) =
            // Throttled so a full-budget run (thousands of epochs) stays readable.
            if lastPrint.Elapsed.TotalSeconds >= 5.0 then
                lastPrint.Restart()
                log $"       {pt.RunId} epoch {c.Epoch} samples {c.Samples:N0} train ELBO {c.TrainElbo:F2} test ELBO {c.TestElbo:F2}"
        let ctx = { Dir = pt.Dir; DataDir = settings.DataDir; BlasThreads = settings.BlasThreads; Progress = progress; Log = log }
        let out = backend.Run ctx pt.Config
        if not backend.OwnsFolder then RunStore.writeMetrics pt.Dir out
        elif not (RunStore.isFinished pt.Dir) then
            failwith $"backend {backend.Name} returned without writing {RunStore.MetricsFile} in {pt.Dir}"
        out

    /// Executes the plan's unfinished points, settings.Parallel at a time, and reads back every finished row
    /// of this shard. A failing point leaves error.txt and no metrics.json, so the next invocation retries it.
    /// Each point is trained under its run-folder lock (Vae.Core.IO.RunLock): a point another process (a second
    /// sweep, a Slurm task) is training is put last and then waited for; one found finished then counts as reused,
    /// never as failed. cancel stops the running points at their next step with a checkpoint (Interrupted).
    let executeWith (cancel: CancellationToken) (log: string -> unit) (settings: Settings) (backend: Backend) (p: Plan) =
        let gate = obj ()
        let say (s: string) = lock gate (fun () -> log s)
        let failed = ConcurrentBag<string * string>()
        let interrupted = ConcurrentBag<string>()
        let mutable ran = 0
        let mutable reused = 0
        if not settings.DryRun && not p.Todo.IsEmpty then
            let blas = backend.Describe settings.BlasThreads
            let command = RunStore.command ()
            let total = p.Todo.Length
            let clock = Stopwatch.StartNew()
            let mutable started = 0
            let mutable finished = 0
            let deferred = ConcurrentQueue<Point>()
            let train (pt: Point) =
                let k = Interlocked.Increment(&started)
                say $"[{k,3}/{total}] start {pt.RunId}"
                let t = Stopwatch.StartNew()
                try
                    let out = runPoint settings backend blas command p.Experiment say pt
                    let d = Interlocked.Increment(&finished)
                    Interlocked.Increment(&ran) |> ignore
                    let el = clock.Elapsed.TotalSeconds
                    let eta = el / float d * float (total - d)
                    say $"[{d,3}/{total}] done  {pt.RunId} in {duration t.Elapsed.TotalSeconds}: test ELBO {out.TestElbo:F2}, {logPx out} (elapsed {duration el}, ETA {duration eta})"
                with
                | :? OperationCanceledException as e when cancel.IsCancellationRequested ->
                    let d = Interlocked.Increment(&finished)
                    interrupted.Add pt.RunId
                    say $"[{d,3}/{total}] interrupted {pt.RunId}: {e.Message}"
                | e ->
                    let d = Interlocked.Increment(&finished)
                    failed.Add((pt.RunId, e.Message))
                    try RunStore.writeAtomic (Path.Combine(pt.Dir, RunStore.ErrorFile)) (e.ToString()) with _ -> ()
                    say $"[{d,3}/{total}] FAILED {pt.RunId}: {e.Message}"
            // Under the point's lock: a point finished by another process meanwhile is reused, else trained here.
            let work (held: Vae.Core.IO.RunLock) (pt: Point) =
                use _ = held
                if RunStore.isFinished pt.Dir then
                    let d = Interlocked.Increment(&finished)
                    Interlocked.Increment(&reused) |> ignore
                    say $"[{d,3}/{total}] reused {pt.RunId}: finished by another process meanwhile"
                else train pt
            let firstPass (pt: Point) =
                match Vae.Core.IO.RunLock.TryAcquire pt.Dir with
                | null ->
                    say $"   {pt.RunId}: being trained by another process ({Vae.Core.IO.RunLock.Holder pt.Dir}); coming back to it last"
                    deferred.Enqueue pt
                | held -> if cancel.IsCancellationRequested then held.Dispose() else work held pt
            let secondPass (pt: Point) =
                let held =
                    try
                        Vae.Core.IO.RunLock.Acquire(pt.Dir, Timeout.InfiniteTimeSpan,
                                                    (fun h -> say $"   {pt.RunId}: waiting for the other process ({h})"), cancel)
                        |> Some
                    with :? OperationCanceledException -> None
                match held with
                | Some h -> work h pt
                | None -> interrupted.Add pt.RunId
            let opts = ParallelOptions(MaxDegreeOfParallelism = settings.Parallel)
            // NoBuffering: workers take points one at a time, in plan order.
            let source = Partitioner.Create(p.Todo, EnumerablePartitionerOptions.NoBuffering)
            Parallel.ForEach(source, opts, firstPass) |> ignore
            if not deferred.IsEmpty then
                Parallel.ForEach(Partitioner.Create(List.ofSeq deferred, EnumerablePartitionerOptions.NoBuffering), opts, secondPass) |> ignore
        let runs = p.Mine |> List.filter (fun pt -> RunStore.isFinished pt.Dir) |> List.map (fun pt -> RunStore.read pt.Dir)
        { Runs = runs
          Ran = ran
          Skipped = p.Finished.Length + reused
          Failed = failed |> Seq.sortBy fst |> List.ofSeq
          Interrupted = interrupted |> Seq.sort |> List.ofSeq }

    /// executeWith, never cancelled.
    let execute (log: string -> unit) (settings: Settings) (backend: Backend) (p: Plan) =
        executeWith CancellationToken.None log settings backend p

    /// The closing line of a sweep (tests and suites match it).
    let summary (experiment: string) (r: SweepResult) =
        let stopped = if r.Interrupted.IsEmpty then "" else $", {r.Interrupted.Length} interrupted (checkpoint saved)"
        $"== {experiment}: {r.Ran} ran, {r.Skipped} reused, {r.Failed.Length} failed{stopped}; {r.Runs.Length} finished runs"

    /// Plan, print the plan, execute, and summarise: what a script's `sweep` does.
    let run (log: string -> unit) (settings: Settings) (backend: Backend) (experiment: string) (grid: Config list) =
        let p = plan settings experiment grid
        log (describe settings backend p)
        let r = execute log settings backend p
        log (summary experiment r)
        r
