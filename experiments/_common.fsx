// Shared by every experiment script: references (the built core and experiment layer, packages), the settings
// from the command line, the paper's baseline config, and the ONE bridge into the C# trainer (`runIn`).
// Scripts: #load "_build.fsx";; (first: builds what the #r lines below need) then #load "_common.fsx"; open _common;
// build a grid from { baseline with ... }; sweep; print tables. In a script run, a bad flag exits 2 and a failed point
// exits 1 (after printing what finished); in an interactive or notebook session both raise, so the session survives.
// Must not: re-implement any model maths; the machinery lives in Vae.Experiments (tested by Expecto).
#r "nuget: System.Numerics.Tensors, 10.0.0"
#r "nuget: Deedle, 8.1.0"
#r "nuget: Plotly.NET, 6.0.0"
#r "../artifacts/bin/Vae.Core/release/Vae.Core.dll"
#r "../artifacts/bin/Vae.Experiments/release/Vae.Experiments.dll"

open System
open System.IO
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

/// Execution settings: --full, --shard i/n, --parallel N, --blas-threads N, --results DIR, --data DIR, --dry-run
/// (`dotnet fsi experiments/<script>.fsx --help` lists them with their defaults).
let settings =
    try Settings.fromCommandLine (Path.Combine(repoRoot, "results")) (fsi.CommandLineArgs |> Array.skip 1)
    with
    | HelpRequested text when runningAsScript ->
        printfn "%s" text
        exit 0
    | :? ArgumentException as e -> scriptFailure 2 e.Message

/// The paper's MNIST configuration at this invocation's budget (quick by default, the paper's with --full).
let baseline = Config.baseline |> Config.withBudget settings.Budget

/// The ONE call into the C# core (Vae.Experiments.CoreBackend.run, compiled so an API change fails the build):
/// Config -> ModelSpec / TrainOptions -> Trainer -> evaluation -> RunOutput.
let runIn (ctx: RunContext) (cfg: Config) : RunOutput = CoreBackend.run ctx cfg

/// The backend sweeps use: the core.
let core: Backend = { CoreBackend.backend with Run = runIn }

/// Writes a run computed outside the core (e.g. by a stand-in) as a finished folder results/<experiment>/<run-id>/
/// in the core's format: point.json, manifest.json, curve.csv, metrics.json last. Returns the folder.
let saveRun (experiment: string) (cfg: Config) (out: RunOutput) =
    let dir = RunStore.runDir settings.ResultsRoot experiment (Config.runId cfg)
    RunStore.prepare dir |> ignore
    RunStore.writePoint dir experiment "saveRun" out.Blas settings.BlasThreads (RunStore.gitCommit repoRoot) cfg
    RunStore.writeManifest dir "saveRun" out.Blas cfg
    RunStore.writeCurve dir out.Curve
    RunStore.writeMetrics dir (CoreBackend.resultOf cfg 784 out) // D only shapes the model description
    dir

/// One run of cfg with the core, as a one-point sweep under results/adhoc/ (reused when already finished).
let run (cfg: Config) : Row =
    let r = Sweep.run (printfn "%s") settings core "adhoc" [ cfg ]
    match r.Rows, r.Failed with
    | [ row ], _ -> row
    | _, (id, msg) :: _ -> failwithf "run %s failed: %s" id msg
    | _ -> failwithf "run %s produced no result" (Config.runId cfg)

let toFrame (rows: Row list) = Tables.toFrame rows
let markdownTable (rows: Row list) = Tables.markdownTable rows

/// Runs a grid as results/<experiment>/: plan, progress, resume; writes results.csv / results.md and prints the
/// table. A failed point fails the script (exit 1 in a script run, an exception in a session) after printing what
/// finished; a re-run retries only the failures.
let sweepWith (backend: Backend) (experiment: string) (grid: Config list) : Row list =
    let r = Sweep.run (printfn "%s") settings backend experiment grid
    if not settings.DryRun && not r.Rows.IsEmpty then
        let suffix = settings.Shard |> Option.map (fun (i, n) -> $"-shard-{i}-of-{n}") |> Option.defaultValue ""
        let dir = Path.Combine(settings.ResultsRoot, experiment)
        Tables.saveCsv (Path.Combine(dir, $"results{suffix}.csv")) (Tables.toFrame r.Rows)
        RunStore.writeAtomic (Path.Combine(dir, $"results{suffix}.md")) (Tables.markdownTable r.Rows)
        printfn "\n%s" (Tables.markdownTable r.Rows)
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s: %s" id msg
        scriptFailure 1 $"{r.Failed.Length} point(s) of {experiment} failed (see FAILED above and error.txt in each folder); a re-run retries only those"
    r.Rows

let sweep (experiment: string) (grid: Config list) = sweepWith core experiment grid

/// Regenerates results/REPORT.md and results/report.html from every finished run.
let report () =
    let md, html = Report.write settings.ResultsRoot
    printfn "report: %s\n        %s" md html
