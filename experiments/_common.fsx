// Shared by every experiment script: references (the built core and experiment layer, packages), the settings
// from the command line, the paper's baseline config, and the ONE bridge into the C# trainer (`runIn`).
// Scripts: #load "_common.fsx"; open _common; build a grid from { baseline with ... }; sweep; print tables.
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

/// Execution settings: --full, --shard i/n, --parallel N, --blas-threads N, --results DIR, --data DIR, --dry-run.
let settings =
    try Settings.fromCommandLine (Path.Combine(repoRoot, "results")) (fsi.CommandLineArgs |> Array.skip 1)
    with e ->
        eprintfn "%s" e.Message
        exit 2

/// The paper's MNIST configuration at this invocation's budget (quick by default, the paper's with --full).
let baseline = Config.baseline |> Config.withBudget settings.Budget

/// The command line that ran this script, as a reader would retype it (for committed result tables).
let commandLine () =
    let script = Path.GetRelativePath(repoRoot, fsi.CommandLineArgs[0]).Replace('\\', '/')
    String.Join(" ", [| yield "dotnet fsi"; yield script; yield! fsi.CommandLineArgs |> Array.skip 1 |])

/// The provenance block every committed table starts with: command, git commit, budget and what the numbers are.
let provenance (samples: int64) (what: string) =
    let b = settings.Budget
    let n = samples.ToString("N0", Globalization.CultureInfo.InvariantCulture)
    let now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Globalization.CultureInfo.InvariantCulture)
    String.concat "\n"
        [ $"Made by `{commandLine ()}` at git commit `{RunStore.gitCommit repoRoot}` ({now} UTC)."
          $"Budget '{b.Name}': {n} training samples per point; final evaluation with K={b.EvalK} on "
          + (if b.EvalPoints = 0 then "all test points" else $"the first {b.EvalPoints} test points (all 200 of Frey Face)") + "."
          what
          "Nats per datapoint, higher is better. MNIST: dynamically binarized, Bernoulli decoder. Frey Face: grey levels "
          + "dequantized to (v + u) / 256, Gaussian decoder: a continuous density on [0, 1]^560, so values are positive."
          "" ]

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
/// table. Exits non-zero if a point failed (after printing what finished; a re-run retries only the failures).
let sweepWith (backend: Backend) (experiment: string) (grid: Config list) : Row list =
    let r = Sweep.run (printfn "%s") settings backend experiment grid
    if not settings.DryRun && not r.Rows.IsEmpty then
        // The default budget writes results.csv / results.md; another budget adds its name (results-double.md), so the
        // tables of both budgets sit side by side.
        let suffix =
            (if settings.Budget.Name = Budget.standard.Name then "" else "-" + settings.Budget.Name)
            + (settings.Shard |> Option.map (fun (i, n) -> $"-shard-{i}-of-{n}") |> Option.defaultValue "")
        let dir = Path.Combine(settings.ResultsRoot, experiment)
        Tables.saveCsv (Path.Combine(dir, $"results{suffix}.csv")) (Tables.toFrame r.Rows)
        let what = $"Experiment {experiment}: every finished point of this invocation's grid, one row per run (seeds are rows)."
        RunStore.writeAtomic (Path.Combine(dir, $"results{suffix}.md")) (provenance settings.Budget.TrainSamples what + "\n" + Tables.markdownTable r.Rows)
        printfn "\n%s" (Tables.markdownTable r.Rows)
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s: %s" id msg
        exit 1
    r.Rows

let sweep (experiment: string) (grid: Config list) = sweepWith core experiment grid

/// Regenerates results/REPORT.md and results/report.html from every finished run.
let report () =
    let md, html = Report.write settings.ResultsRoot
    printfn "report: %s\n        %s" md html

/// Runs a figure's grid under an experiment folder WITHOUT rewriting that experiment's results table (figures reuse
/// the main job's runs by sharing its folder and run ids); exits 1 if a point failed. Returns the finished rows.
let runPoints (experiment: string) (grid: Config list) : Row list =
    let r = Sweep.run (printfn "%s") settings core experiment grid
    if not r.Failed.IsEmpty then
        for (id, msg) in r.Failed do eprintfn "FAILED %s: %s" id msg
        exit 1
    r.Rows

/// The folder of a config's run under an experiment.
let runDirOf (experiment: string) (cfg: Config) = RunStore.runDir settings.ResultsRoot experiment (Config.runId cfg)

/// Writes results/<name>/results.md (provenance + markdown) and results.csv for a frame, atomically.
let saveFigureTable (name: string) (samples: int64) (what: string) (frame: Deedle.Frame<'R, string>) =
    let dir = Path.Combine(settings.ResultsRoot, name)
    Directory.CreateDirectory dir |> ignore
    Tables.saveCsv (Path.Combine(dir, "results.csv")) frame
    let md = $"# {name}\n\n{provenance samples what}\n{Tables.markdown frame}"
    RunStore.writeAtomic (Path.Combine(dir, "results.md")) md
    printfn "\n%s" md
