// Shared by every experiment script: references (the built core and experiment layer, packages), the settings
// from the command line, the paper's baseline config, and the ONE bridge into the C# trainer (`runIn`).
// Scripts: #load "_build.fsx";; (first: builds what the #r lines below need) then #load "_common.fsx" (auto-opened);
// build a grid from { baseline with ... }; sweep; print tables. In a script run, a bad flag exits 2 and a failed point
// exits 1 (after printing what finished); in an interactive or notebook session both raise, so the session survives.
// Must not: re-implement any model maths; the machinery lives in Vae.Experiments (tested by Expecto).
// Auto-opened: `#load "_common.fsx"` is all a script needs to use it.
[<AutoOpen>]
module _common
#r "nuget: System.Numerics.Tensors, 10.0.0"
#r "nuget: Deedle, 8.1.0"
#r "nuget: Plotly.NET, 6.0.0"
#r "nuget: MathNet.Numerics, 5.0.0"
#r "../artifacts/bin/Vae.Core/release/Vae.Core.dll"
#r "../artifacts/bin/Vae.Experiments/release/Vae.Experiments.dll"

open System
open System.IO
open Deedle
open Vae.Experiments

/// The repository root (scripts live in experiments/).
let repoRoot = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))

/// True when fsi runs a script file (`dotnet fsi experiments/x.fsx`); false in an interactive or notebook session.
let runningAsScript =
    let args = fsi.CommandLineArgs
    args.Length > 0 && args[0].EndsWith(".fsx", StringComparison.OrdinalIgnoreCase)

/// Ends a script run with `code` after printing `message`; in a session, raises instead (the session survives).
let scriptFailure (code: int) (message: string) : 'a =
    if runningAsScript then
        eprintfn "%s" message
        exit code
    else failwith message

/// Where points run (--launcher local|slurm and its options, --status, --point): taken out of the arguments first.
let launch =
    try Launcher.parse (fsi.CommandLineArgs |> Array.skip 1 |> List.ofArray)
    with :? ArgumentException as e -> scriptFailure 2 $"{e.Message}\n{Launcher.usage}"

/// Execution settings: --full, --shard i/n, --parallel N, --blas-threads N, --seeds N, --results DIR, --data DIR,
/// --dry-run (`dotnet fsi experiments/<script>.fsx -- --help` lists them, and the launcher's, with their defaults).
let settings =
    try Settings.fromCommandLine (Path.Combine(repoRoot, "results")) launch.SettingsArgs
    with
    | HelpRequested text when runningAsScript ->
        printfn "%s\n\n%s" text Launcher.usage
        exit 0
    | :? ArgumentException as e -> scriptFailure 2 e.Message

/// A file or folder directly under the results root (--results): an experiment's folder, the report, a study's table.
let resultsFile (name: string) = Path.Combine(settings.ResultsRoot, name)

/// The paper's MNIST configuration at this invocation's budget (quick by default, the paper's with --full).
let baseline = Config.baseline |> Config.withBudget settings.Budget

/// The command line that ran this script, as a reader would retype it (for committed result tables).
let commandLine () =
    let script = Path.GetRelativePath(repoRoot, fsi.CommandLineArgs[0]).Replace('\\', '/')
    String.Join(" ", [| yield "dotnet fsi"; yield script; yield! fsi.CommandLineArgs |> Array.skip 1 |])

/// The header every committed table starts with: command, git commit, budget and what the numbers are.
let header (samples: int64) (what: string) =
    let b = settings.Budget
    let n = samples.ToString("N0", Globalization.CultureInfo.InvariantCulture)
    let now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Globalization.CultureInfo.InvariantCulture)
    String.concat "\n"
        [ $"Made by `{commandLine ()}` at git commit `{Vae.Core.IO.GitCommit.Find repoRoot}` ({now} UTC)."
          $"Budget '{b.Name}': {n} training samples per point; each run's final log p(x), where a table shows one: importance sampling with K={b.EvalK} on "
          + (if b.EvalPoints = 0 then "all test points" else $"the first {b.EvalPoints} test points (all 200 of Frey Face)") + "."
          what
          "Nats per datapoint, higher is better. MNIST: dynamically binarized, Bernoulli decoder. Frey Face: grey levels "
          + "dequantized to (v + u) / 256, Gaussian decoder: a continuous density on [0, 1]^560, so values are positive."
          "" ]

/// The ONE call into the C# core (Vae.Experiments.CoreBackend.run, compiled so an API change fails the build):
/// Config -> TrainOptions -> RunDriver (trainer, evaluation, run folder) -> the core's TrainResult.
let runIn (ctx: RunContext) (cfg: Config) : Vae.Core.Training.TrainResult = CoreBackend.run ctx cfg

/// The backend sweeps use: the core.
let core: Backend = { CoreBackend.backend with Run = runIn }

/// Every config of a grid with seeds 1..n, n from --seeds when given, else the script's default.
let seeds (defaultSeeds: int) (grid: Config list) = Config.withSeeds (defaultArg settings.Seeds defaultSeeds) grid

/// One run of cfg with the core, as a one-point sweep under results/adhoc/ (reused when already finished).
let run (cfg: Config) : FinishedRun =
    let r = Sweep.run (printfn "%s") settings core "adhoc" [ cfg ]
    match r.Runs, r.Failed with
    | [ one ], _ -> one
    | _, (id, msg) :: _ -> failwithf "run %s failed: %s" id msg
    | _ -> failwithf "run %s produced no result" (Config.runId cfg)

/// Whether this invocation ends with the results here (local, or Slurm with --wait): tables and the report are written.
let tabulates = match launch.Mode with LaunchMode.Local -> true | LaunchMode.Slurm o -> o.Wait | _ -> false

/// Runs a grid as results/<experiment>/: plan, progress, resume; writes results.csv (every run), versus.csv (A vs B
/// with seed statistics) and results.md, prints the table, and returns the runs as a frame (key: run id). A failed
/// point fails the script (exit 1 in a script run, an exception in a session) after printing what finished; a re-run
/// retries only the failures.
/// With --launcher slurm: submits the unfinished points as one job array instead (with --wait: waits, then tables as
/// here); --point EXP:I (an array task) trains one point and exits; --status prints each point's state.
let sweepWith (backend: Backend) (experiment: string) (grid: Config list) =
    let r =
        match launch.Mode with
        | LaunchMode.Local -> Sweep.run (printfn "%s") settings backend experiment grid
        | _ ->
            // An array task stops on SIGTERM / Slurm's warning with a checkpoint: the core backend can, a stand-in cannot.
            let pointBackend tok = if obj.ReferenceEquals(backend, core) then CoreBackend.cancellable tok else backend
            let command = Launcher.fsiCommand fsi.CommandLineArgs[0]
            match Launcher.handle (printfn "%s") settings launch command pointBackend experiment grid with
            | ExitWith code when runningAsScript -> exit code
            | ExitWith code -> failwithf "the launcher ended this invocation (exit code %d): nothing to tabulate in a session" code
            | Continue r -> r
    let runs = Tables.runs r.Runs
    if tabulates && not settings.DryRun && not r.Runs.IsEmpty then
        // The default budget writes results.csv / results.md; another budget adds its name (results-double.md), so the
        // tables of both budgets sit side by side.
        let suffix =
            (if settings.Budget.Name = Budget.standard.Name then "" else "-" + settings.Budget.Name)
            + (settings.Shard |> Option.map (fun (i, n) -> $"-shard-{i}-of-{n}") |> Option.defaultValue "")
        let dir = resultsFile experiment
        Tables.saveCsv (Path.Combine(dir, $"results{suffix}.csv")) (runs |> Frame.dropCol "Setting")
        let vs = Tables.versus runs
        if vs.RowCount > 0 then Tables.saveCsv (Path.Combine(dir, $"versus{suffix}.csv")) vs
        let what = $"Experiment {experiment}: every finished point of this invocation's grid, one row per run (seeds are rows)."
        RunStore.writeAtomic (Path.Combine(dir, $"results{suffix}.md")) (header settings.Budget.TrainSamples what + "\n" + Tables.markdownTable r.Runs)
        printfn "\n%s" (Tables.markdownTable r.Runs)
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s: %s" id msg
        scriptFailure 1 $"{r.Failed.Length} point(s) of {experiment} failed (see FAILED above and error.txt in each folder); a re-run retries only those"
    runs

let sweep (experiment: string) (grid: Config list) = sweepWith core experiment grid

/// The A-vs-B table of a sweep's runs (seeds: mean ± sd [95 % interval]; A − B and whether it exceeds the spread).
let versusTable (runs: Deedle.Frame<string, string>) =
    let vs = Tables.versus runs
    if vs.RowCount = 0 then "(no setting ran with both A and B)\n"
    else Tables.markdown (Tables.format "A" "B" vs) + "\n" + Stats.rule + "\n" + Tables.provenance runs + "\n"

/// Regenerates results/REPORT.md and results/report.html from every finished run.
/// Nothing new to report while points are only being submitted, inspected or run one at a time.
let report () =
    if tabulates then
        let md, html = Report.write settings.ResultsRoot
        printfn "report: %s\n        %s" md html


/// Runs a figure's grid under an experiment folder WITHOUT rewriting that experiment's results table (figures reuse
/// the main job's runs by sharing its folder and run ids); exits 1 if a point failed. Returns the finished rows.
let runPoints (experiment: string) (grid: Config list) : FinishedRun list =
    let r = Sweep.run (printfn "%s") settings core experiment grid
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s: %s" id msg
        exit 1
    r.Runs

/// The folder of a config's run under an experiment.
let runDirOf (experiment: string) (cfg: Config) = RunStore.runDir settings.ResultsRoot experiment (Config.runId cfg)

/// Writes results/<name>/results.md (provenance + markdown) and results.csv for a frame, atomically.
let saveFigureTable (name: string) (samples: int64) (what: string) (frame: Deedle.Frame<'R, string>) =
    let dir = Path.Combine(settings.ResultsRoot, name)
    Directory.CreateDirectory dir |> ignore
    Tables.saveCsv (Path.Combine(dir, "results.csv")) frame
    let md = $"# {name}\n\n{header samples what}\n{Tables.markdown frame}"
    RunStore.writeAtomic (Path.Combine(dir, "results.md")) md
    printfn "\n%s" md

/// A figure made of the images runs already draw (manifold.png, samples.png): trains or reuses the configs' runs under
/// experiment, copies image `source` of each run to results/<name>/<target> (failing if a run lacks it), and writes
/// the figure's table of those runs. items: (config, source image, target file name).
let figureFromRunImages (experiment: string) (name: string) (what: string) (items: (Config * string * string) list) =
    let runs = runPoints experiment (items |> List.map (fun (c, _, _) -> c))
    if not settings.DryRun then
        let outDir = Path.Combine(settings.ResultsRoot, name)
        Directory.CreateDirectory outDir |> ignore
        for (cfg, source, target) in items do
            let src = Path.Combine(runDirOf experiment cfg, source)
            if not (File.Exists src) then failwith $"{src} is missing: the run finished without its {source}"
            File.Copy(src, Path.Combine(outDir, target), true)
        saveFigureTable name settings.Budget.TrainSamples what (Tables.summary (Tables.runs runs))
