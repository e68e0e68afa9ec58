// Where a sweep's points run: here (local, the default), or as one Slurm job array with one task per unfinished point
// (`--launcher slurm`); `--point EXP:I` is what each array task runs (grid point I, the local code path, stopping with a
// checkpoint on SIGTERM or Slurm's warning signal), `--status` shows done / running / failed / queued per point.
// Owns: the launcher options (taken out of the arguments before Settings parses the rest), the sbatch script, the
// Slurm client calls (sbatch, squeue, all under a timeout) and results/<experiment>/slurm/. Must not: train, or
// decide what "finished" means (RunStore), or lock (the core's RunLock, taken by every training path).
namespace Vae.Experiments

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Runtime.InteropServices
open System.Text
open System.Text.RegularExpressions
open System.Threading
open Vae.Core.IO

/// Resources asked of Slurm for each array task (one grid point).
type SlurmOptions =
    { Partition: string option
      /// Time limit in Slurm's syntax (MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]).
      Time: string option
      CpusPerTask: int
      Mem: string option
      /// At most this many tasks at once (the array's %K).
      MaxParallel: int option
      /// Block until the array has left the queue, then tabulate like a local run.
      Wait: bool }

type LaunchMode =
    | Local
    | Slurm of SlurmOptions
    /// One grid point (experiment, index in the whole grid): what an array task runs.
    | Point of string * int
    | Status

/// The launcher part of a script's arguments, and the rest (for Settings).
type Launch = { Mode: LaunchMode; SettingsArgs: string list }

/// One array task as squeue reports it.
type TaskState = { JobId: string; Index: int; State: string; Reason: string }

/// What the script does after a launcher call: go on with these rows (tables, report), or exit with a code.
type LaunchOutcome =
    | Continue of SweepResult
    | ExitWith of int

module Launcher =
    let usage =
        """launcher options:
  --launcher local|slurm  where the points run (default local: here, --parallel at a time)
  --partition P           Slurm partition          (slurm)
  --time HH:MM:SS         Slurm time limit per point; a task is warned before it, checkpoints and requeues itself (slurm)
  --cpus-per-task N       CPUs per point, = its BLAS threads (slurm; default 1)
  --mem M                 memory per point, e.g. 4G (slurm)
  --max-parallel K        at most K points at once (slurm)
  --wait                  wait for the array to finish, then write the tables (slurm)
  --status                show done / running / failed / queued / not started per point, then stop
  --point EXP:I           run grid point I of experiment EXP only (what an array task runs)"""

    /// Exit code of a point stopped with a checkpoint (the batch script requeues on it after a time-limit warning).
    let InterruptedExit = 3

    let private valued = set [ "--launcher"; "--partition"; "--time"; "--cpus-per-task"; "--mem"; "--max-parallel"; "--point" ]
    let private flags = set [ "--wait"; "--status" ]
    let private slurmOnly = [ "--partition"; "--time"; "--cpus-per-task"; "--mem"; "--max-parallel"; "--wait" ]

    /// "--opt=value" as two arguments.
    let private unfold (args: string list) =
        args |> List.collect (fun a ->
            match a.IndexOf '=' with
            | i when i > 2 && a.StartsWith "--" -> [ a.Substring(0, i); a.Substring(i + 1) ]
            | _ -> [ a ])

    let private positive (flag: string) (v: string) =
        match Int32.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture) with
        | true, n when n >= 1 -> n
        | _ -> invalidArg flag $"{flag} '{v}': expected a whole number >= 1"

    /// Seconds of a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS).
    let timeSeconds (t: string) =
        let bad () = invalidArg "--time" $"--time '{t}': expected Slurm's MM, MM:SS, HH:MM:SS or D-HH:MM:SS, e.g. 12:00:00"
        let m = Regex.Match(t, @"^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$")
        if not m.Success then bad ()
        let g (i: int) = if m.Groups[i].Success then int m.Groups[i].Value else 0
        let secs =
            if m.Groups[1].Success then g 1 * 86400 + g 2 * 3600 + g 3 * 60 + g 4 // D-HH[:MM[:SS]]
            elif m.Groups[4].Success then g 2 * 3600 + g 3 * 60 + g 4 // HH:MM:SS
            elif m.Groups[3].Success then g 2 * 60 + g 3 // MM:SS
            else g 2 * 60 // MM
        if secs < 1 then bad ()
        secs

    /// Parses the launcher options out of a script's arguments; the rest goes to Settings.
    let parse (argv: string list) : Launch =
        let rec go (acc: Map<string, string>) rest args =
            match args with
            | [] -> acc, List.rev rest
            | f :: v :: t when valued.Contains f -> go (acc.Add(f, v)) rest t
            | [ f ] when valued.Contains f -> invalidArg f $"{f} needs a value\n{usage}"
            | f :: t when flags.Contains f -> go (acc.Add(f, "1")) rest t
            | a :: t -> go acc (a :: rest) t
        let o, rest = go Map.empty [] (unfold argv)
        let launcher = o.TryFind "--launcher" |> Option.defaultValue "local"
        if launcher <> "local" && launcher <> "slurm" then
            invalidArg "--launcher" $"--launcher '{launcher}': expected local or slurm"
        if launcher <> "slurm" then
            match slurmOnly |> List.tryFind o.ContainsKey with
            | Some f -> invalidArg f $"{f} is a Slurm option: add --launcher slurm"
            | None -> ()
        let mode =
            match o.TryFind "--point", o.ContainsKey "--status" with
            | Some _, true -> invalidArg "--point" "--point and --status exclude each other"
            | Some p, _ ->
                let bad () = invalidArg "--point" $"--point '{p}': expected EXPERIMENT:INDEX (index >= 0), e.g. sweep-dz:3"
                match p.LastIndexOf ':' with
                | i when i > 0 ->
                    match Int32.TryParse(p.Substring(i + 1), NumberStyles.None, CultureInfo.InvariantCulture) with
                    | true, n -> Point(p.Substring(0, i), n)
                    | _ -> bad ()
                | _ -> bad ()
            | None, true -> Status
            | None, false when launcher = "slurm" ->
                o.TryFind "--time" |> Option.iter (timeSeconds >> ignore)
                o.TryFind "--mem" |> Option.iter (fun m ->
                    if not (Regex.IsMatch(m, @"^\d+[KMGT]?$")) then invalidArg "--mem" $"--mem '{m}': expected a size like 4000M or 4G")
                Slurm { Partition = o.TryFind "--partition"
                        Time = o.TryFind "--time"
                        CpusPerTask = o.TryFind "--cpus-per-task" |> Option.map (positive "--cpus-per-task") |> Option.defaultValue 1
                        Mem = o.TryFind "--mem"
                        MaxParallel = o.TryFind "--max-parallel" |> Option.map (positive "--max-parallel")
                        Wait = o.ContainsKey "--wait" }
            | None, false -> Local
        { Mode = mode; SettingsArgs = rest }

    /// Settings arguments an array task gets: the user's, without the ones that split work across points or only plan.
    let forwardArgs (settingsArgs: string list) (cpus: int) =
        let drop = set [ "--parallel"; "--blas-threads"; "--threads"; "--shard" ] // --threads: --blas-threads as vae spells it
        let rec go acc args =
            match args with
            | [] -> List.rev acc
            | f :: _ :: t when drop.Contains f -> go acc t
            | "--dry-run" :: t -> go acc t
            | a :: t -> go (a :: acc) t
        go [] (unfold settingsArgs) @ [ "--parallel"; "1"; "--blas-threads"; string cpus ]

    /// Slurm's --array list for grid indices: runs of consecutive indices as ranges, "%K" for at most K at once.
    let arraySpec (indices: int list) (maxParallel: int option) =
        let runs =
            indices |> List.sort |> List.distinct
            |> List.fold (fun acc i ->
                match acc with
                | (a, b) :: t when i = b + 1 -> (a, i) :: t
                | _ -> (i, i) :: acc) []
            |> List.rev
            |> List.map (fun (a, b) -> if a = b then string a else $"{a}-{b}")
            |> String.concat ","
        match maxParallel with
        | Some k -> $"{runs}%%{k}"
        | None -> runs

    /// Seconds before the limit at which Slurm warns a task (coarse: Slurm checks about once a minute).
    let warningLead (limitSeconds: int) = min (limitSeconds / 2) (Math.Clamp(limitSeconds / 10, 60, 600))

    let private quote (s: string) = "'" + s.Replace("'", "'\\''") + "'"

    /// The folder of an experiment's Slurm scripts, logs and job list.
    let slurmDir (settings: Settings) (experiment: string) = Path.Combine(Path.GetFullPath settings.ResultsRoot, experiment, "slurm")

    /// The sbatch script for one array over grid indices: each task runs `command --point EXP:$SLURM_ARRAY_TASK_ID`
    /// with the forwarded settings; SIGTERM (scancel, preemption) and the time-limit warning (USR1) are passed to the
    /// point, which checkpoints and exits InterruptedExit; after a warning the task requeues itself.
    let batchScript (o: SlurmOptions) (logDir: string) (workDir: string) (command: string list) (forward: string list)
                    (experiment: string) (indices: int list) =
        let sb = StringBuilder()
        let line (s: string) = sb.Append(s).Append('\n') |> ignore
        line "#!/bin/bash"
        line $"#SBATCH --job-name=vae-{experiment}"
        line $"#SBATCH --array={arraySpec indices o.MaxParallel}"
        line $"#SBATCH --output={logDir}/%%A_%%a.out"
        line "#SBATCH --open-mode=append"
        line $"#SBATCH --chdir={workDir}"
        line "#SBATCH --ntasks=1"
        line $"#SBATCH --cpus-per-task={o.CpusPerTask}"
        o.Partition |> Option.iter (fun p -> line $"#SBATCH --partition={p}")
        o.Mem |> Option.iter (fun m -> line $"#SBATCH --mem={m}")
        let lead =
            match o.Time with
            | Some t ->
                line $"#SBATCH --time={t}"
                warningLead (timeSeconds t)
            | None -> 300
        line $"#SBATCH --signal=B:USR1@{lead}"
        line "#SBATCH --requeue"
        line $"# {indices.Length} point(s) of {experiment}; task i trains grid point i exactly as a local run does."
        line "set -u"
        line "point=\"$SLURM_ARRAY_TASK_ID\"; self=\"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\""
        line "echo \"== task $self on $(hostname) at $(date -u +%FT%TZ), restart ${SLURM_RESTART_COUNT:-0}\""
        let cmd = (command @ forward |> List.map quote |> String.concat " ") + $" --point {quote experiment}:\"$point\""
        line $"{cmd} &"
        line "child=$!; warned=0"
        line "trap 'warned=1; kill -USR1 $child 2>/dev/null' USR1   # time limit ahead: checkpoint, then requeue"
        line "trap 'kill -TERM $child 2>/dev/null' TERM              # scancel / preemption: checkpoint and stop"
        line "wait $child; rc=$?"
        line "while kill -0 $child 2>/dev/null; do wait $child; rc=$?; done  # a trapped signal interrupts wait"
        line $"if [ \"$rc\" -eq {InterruptedExit} ] && [ \"$warned\" -eq 1 ]; then"
        line "  echo \"== task $self: checkpoint saved before the time limit; requeueing\""
        line "  scontrol requeue \"$self\""
        line "fi"
        line "echo \"== task $self: exit $rc at $(date -u +%FT%TZ)\""
        line "exit $rc"
        sb.ToString()

    /// Runs a Slurm client command with a timeout (a dead slurmctld makes every call hang); (exit code, stdout, stderr).
    let slurmCall (exe: string) (args: string list) (timeoutMs: int) =
        let psi = ProcessStartInfo(exe, args, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false)
        let started =
            try Process.Start psi
            with :? ComponentModel.Win32Exception ->
                failwith $"'{exe}' not found: --launcher slurm needs the Slurm client commands on PATH (scripts/slurm/local-cluster.sh up starts a one-machine cluster)"
        use p =
            match started with
            | null -> failwith $"'{exe}' could not be started"
            | p -> p
        let out = p.StandardOutput.ReadToEndAsync()
        let err = p.StandardError.ReadToEndAsync()
        if not (p.WaitForExit timeoutMs) then
            p.Kill true
            failwith $"'{exe} {String.Join(' ', args)}' did not answer within {timeoutMs / 1000} s (is slurmctld running?)"
        p.ExitCode, out.Result, err.Result

    let private jobsFile (settings: Settings) experiment = Path.Combine(slurmDir settings experiment, "jobs.tsv")

    /// Job ids submitted for this experiment (results/<experiment>/slurm/jobs.tsv), oldest first.
    let submittedJobs (settings: Settings) (experiment: string) =
        let f = jobsFile settings experiment
        if File.Exists f then
            File.ReadAllLines f |> Array.filter (fun l -> l.Trim() <> "" && not (l.StartsWith "#"))
            |> Array.map (fun l -> l.Split('\t')[0]) |> List.ofArray
        else []

    /// squeue's view of the tasks of the given jobs (pending, running and, until MinJobAge, finished ones); the
    /// latest job wins per grid index. Jobs squeue no longer knows are left out (sacct needs accounting storage).
    let taskStates (jobs: string list) : Map<int, TaskState> =
        [ for j in jobs do
              let rc, out, _ = slurmCall "squeue" [ "-h"; "-r"; "-t"; "all"; "-j"; j; "-o"; "%F|%K|%T|%r" ] 20_000
              if rc = 0 then
                  for l in out.Split('\n', StringSplitOptions.RemoveEmptyEntries) do
                      match l.Trim().Split('|') with
                      | [| job; idx; st; reason |] ->
                          match Int32.TryParse idx with
                          | true, i -> yield { JobId = job; Index = i; State = st; Reason = reason }
                          | _ -> ()
                      | _ -> () ]
        |> List.sortBy (fun t -> Int64.TryParse t.JobId |> snd)
        |> List.fold (fun (m: Map<int, TaskState>) t -> m.Add(t.Index, t)) Map.empty

    let private activeStates = set [ "PENDING"; "RUNNING"; "CONFIGURING"; "COMPLETING"; "REQUEUED"; "REQUEUE_HOLD"; "REQUEUE_FED"; "RESIZING"; "SUSPENDED" ]

    /// One point's state from its run folder, its lock and squeue: done, running, queued, failed, interrupted
    /// (checkpoint, nothing queued: a re-submit resumes it) or not started; with a detail for the status view.
    let pointState (settings: Settings) (experiment: string) (tasks: Map<int, TaskState>) (pt: Point) =
        let task = tasks.TryFind pt.Index
        let slurm = task |> Option.map (fun t -> $"Slurm {t.JobId}_{t.Index} {t.State}") |> Option.defaultValue ""
        let log = task |> Option.map (fun t -> Path.Combine(slurmDir settings experiment, $"{t.JobId}_{t.Index}.out"))
        let file name = Path.Combine(pt.Dir, name)
        if RunStore.isFinished pt.Dir then "done", ""
        elif RunLock.IsHeld pt.Dir then "running", RunLock.Holder pt.Dir
        else
            match task with
            | Some t when t.State = "RUNNING" || t.State = "CONFIGURING" -> "running", slurm
            | Some t when activeStates.Contains t.State -> "queued", $"{slurm} ({t.Reason})"
            | _ when File.Exists(file RunStore.ErrorFile) ->
                let first = File.ReadLines(file RunStore.ErrorFile) |> Seq.tryHead |> Option.defaultValue ""
                "failed", $"{first} {slurm} {log |> Option.defaultValue String.Empty}".Trim()
            | _ when File.Exists(file Vae.Core.Runs.RunDriver.CheckpointFile) ->
                "interrupted", $"{slurm} checkpoint kept: a re-submit resumes it".Trim()
            | Some t when t.State <> "COMPLETED" -> "failed", $"{slurm}; log {log.Value}"
            | _ -> "not started", slurm

    /// The status view of a plan: a count line, then one line per point of this shard.
    let status (log: string -> unit) (settings: Settings) (p: Plan) =
        let tasks = try taskStates (submittedJobs settings p.Experiment) with e -> log $"   (no Slurm view: {e.Message})"; Map.empty
        let rows = p.Mine |> List.map (fun pt -> pt, pointState settings p.Experiment tasks pt)
        let count s = rows |> List.filter (fun (_, (st, _)) -> st = s) |> List.length
        let kinds = [ "done"; "running"; "queued"; "failed"; "interrupted"; "not started" ]
        log ($"== {p.Experiment}: {p.Mine.Length} points: " + (kinds |> List.map (fun k -> $"{count k} {k}") |> String.concat ", "))
        for pt, (st, detail) in rows do
            log ($"   {st,-11} {pt.Index,3} {pt.RunId} {detail}".TrimEnd())
        rows

    /// Submits the unfinished points of this shard that are neither running nor queued as one array; returns the job id.
    let submit (log: string -> unit) (settings: Settings) (o: SlurmOptions) (command: string list) (settingsArgs: string list)
               (experiment: string) (grid: Config list) =
        let p = Sweep.plan settings experiment grid
        let tasks = try taskStates (submittedJobs settings experiment) with _ -> Map.empty
        let states = p.Todo |> List.map (fun pt -> pt, fst (pointState settings experiment tasks pt))
        let busy = states |> List.filter (fun (_, s) -> s = "running" || s = "queued") |> List.map fst
        let send = states |> List.filter (fun (_, s) -> s <> "running" && s <> "queued") |> List.map fst
        log $"== {experiment}: {p.Mine.Length} points; {p.Finished.Length} finished, {busy.Length} running or queued, {send.Length} to submit"
        let dir = slurmDir settings experiment
        if send.IsEmpty then
            log "   nothing to submit"
            None
        else
            let script =
                batchScript o dir (Directory.GetCurrentDirectory()) command (forwardArgs settingsArgs o.CpusPerTask) experiment
                            (send |> List.map (fun pt -> pt.Index))
            let stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)
            let path = Path.Combine(dir, $"{experiment}-{stamp}.sbatch")
            if settings.DryRun then
                log $"   dry run: would submit this script:\n{script}"
                None
            else
                Directory.CreateDirectory dir |> ignore
                RunStore.writeAtomic path script
                let rc, out, err = slurmCall "sbatch" [ "--parsable"; path ] 60_000
                if rc <> 0 then failwith $"sbatch {path} failed (exit {rc}): {err.Trim()}"
                let job = out.Trim().Split(';')[0]
                let jobs = jobsFile settings experiment
                let before = if File.Exists jobs then File.ReadAllText jobs else "# job\tsubmitted (UTC)\tarray\tscript\n"
                RunStore.writeAtomic jobs (before + $"{job}\t{stamp}\t{arraySpec (send |> List.map (fun pt -> pt.Index)) o.MaxParallel}\t{path}\n")
                log $"   submitted job {job}: {send.Length} array task(s), one per point ({path})"
                log $"   logs: {dir}/%%A_%%a.out, i.e. {dir}/{job}_<point>.out"
                log $"   status: the same command with --status; re-submitting sends only unfinished points"
                Some job

    /// Waits until the job's tasks have all left the queue (requeued ones included), printing counts as they change.
    let waitFor (log: string -> unit) (job: string) =
        let mutable last = ""
        let mutable fin = false
        while not fin do
            let rc, out, err = slurmCall "squeue" [ "-h"; "-r"; "-j"; job; "-o"; "%T" ] 30_000
            if rc <> 0 && not (err.Contains "Invalid job id") then failwith $"squeue -j {job} failed (exit {rc}): {err.Trim()}"
            let states = if rc <> 0 then [||] else out.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun s -> s.Trim())
            if states.Length = 0 then fin <- true
            else
                let now = states |> Array.countBy id |> Array.map (fun (s, n) -> $"{n} {s}") |> String.concat ", "
                if now <> last then log $"   job {job}: {now}"
                last <- now
                Thread.Sleep 3000

    /// Runs grid point index of experiment in this process, as an array task does: SIGTERM and SIGUSR1 stop it with a
    /// checkpoint. Exit code: 0 finished (or found finished), 1 failed, InterruptedExit stopped with a checkpoint.
    let runPoint (log: string -> unit) (settings: Settings) (backend: CancellationToken -> Backend) (experiment: string)
                 (grid: Config list) (index: int) =
        let p = Sweep.plan { settings with Shard = None } experiment grid
        match p.All |> List.tryFind (fun pt -> pt.Index = index) with
        | None ->
            log $"--point {experiment}:{index}: the grid of {experiment} has points 0..{p.All.Length - 1}"
            2
        | Some pt ->
            use cts = new CancellationTokenSource()
            let stop (c: PosixSignalContext) =
                c.Cancel <- true
                log $"   {pt.RunId}: {c.Signal} received: stopping at the next step with a checkpoint"
                cts.Cancel()
            use _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, stop)
            // SIGUSR1 (Slurm's warning): .NET takes raw signal numbers cast to PosixSignal on Unix.
            use _usr1 = PosixSignalRegistration.Create(enum<PosixSignal> (if OperatingSystem.IsMacOS() then 30 else 10), stop)
            let finished = RunStore.isFinished pt.Dir
            let one = { p with Mine = [ pt ]; Finished = (if finished then [ pt ] else []); Todo = (if finished then [] else [ pt ]) }
            let s = { settings with Shard = None; Parallel = 1 }
            let note = if finished then " (finished: nothing to do)" else ""
            log $"== {experiment} point {index}: {pt.RunId}{note}"
            let r = Sweep.executeWith cts.Token log s (backend cts.Token) one
            log (Sweep.summary experiment r)
            if not r.Failed.IsEmpty then 1 elif not r.Interrupted.IsEmpty then InterruptedExit else 0

    /// What a script's `sweep` does for a launch mode other than Local. command: how an array task starts this
    /// script (see fsiCommand); backend: the cancellable backend of a point.
    let handle (log: string -> unit) (settings: Settings) (launch: Launch) (command: string list)
               (backend: CancellationToken -> Backend) (experiment: string) (grid: Config list) =
        let rowsNow () =
            let p = Sweep.plan settings experiment grid
            let rows = p.Mine |> List.filter (fun pt -> RunStore.isFinished pt.Dir) |> List.map (fun pt -> RunStore.read pt.Dir)
            let missing = p.Mine |> List.filter (fun pt -> not (RunStore.isFinished pt.Dir)) |> List.map (fun pt -> pt.RunId, "not finished")
            { Runs = rows; Ran = 0; Skipped = rows.Length; Failed = missing; Interrupted = [] }
        match launch.Mode with
        | Local -> invalidOp "Launcher.handle is for --launcher slurm, --point and --status; local sweeps run in Sweep.run"
        | Point(exp, i) when exp = experiment -> ExitWith(runPoint log settings backend experiment grid i)
        | Point _ -> Continue { rowsNow () with Failed = [] } // another sweep of the same script: its task runs that one
        | Status ->
            status log settings (Sweep.plan settings experiment grid) |> ignore
            Continue { rowsNow () with Failed = [] }
        | Slurm o ->
            match submit log settings o command launch.SettingsArgs experiment grid with
            | Some job when o.Wait ->
                waitFor log job
                let r = rowsNow ()
                status log settings (Sweep.plan settings experiment grid) |> ignore
                Continue r
            | _ when o.Wait -> Continue(rowsNow ())
            | _ -> Continue { rowsNow () with Failed = [] }

    /// How an array task starts a script: this very fsi (dotnet exec fsi.dll, one process, so that signals reach the
    /// trainer; `dotnet fsi` would put the SDK's launcher in between, which dies on SIGUSR1).
    let fsiCommand (script: string) =
        let host = Environment.ProcessPath |> Option.ofObj |> Option.defaultValue "dotnet"
        let entry = Reflection.Assembly.GetEntryAssembly() |> Option.ofObj |> Option.map (fun a -> a.Location)
        match entry with
        | Some dll when String.Equals(Path.GetFileName dll, "fsi.dll", StringComparison.OrdinalIgnoreCase) ->
            [ host; "exec"; dll; Path.GetFullPath script ]
        | _ -> [ "dotnet"; "fsi"; Path.GetFullPath script ]
