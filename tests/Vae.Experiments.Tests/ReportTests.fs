// The report from synthetic finished run folders: REPORT.md tables and links, an HTML page that needs no
// network (plotly.js inline, images as base64), and a headless-Chromium render proving the charts draw.
module Vae.Experiments.Tests.ReportTests

open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open Expecto
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

/// Two experiments of finished fake runs (sweep-dataset sorts before sweep-dz by name), one run with a PNG grid.
let private populateWith (seeds: int) (root: string) =
    let s = { settingsFor root with Seeds = Some seeds }
    Sweep.run quiet s (CountingBackend().Backend) "sweep-dz" (dzGrid |> List.filter (fun c -> c.Dz <= 5)) |> ignore
    let frey = [ for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" Config.baseline with Dz = 2; Estimator = est; TrainSamples = 1000L } ]
    Sweep.run quiet s (CountingBackend().Backend) "sweep-dataset" frey |> ignore
    let dir = RunStore.runDir root "sweep-dz" (Config.runId dzGrid[0])
    tinyPng (Path.Combine(dir, "samples.png"))

/// The report written over fake runs of `seeds` seed(s) (after `extra` has added files to the root), in a temp folder
/// that lives as long as this: REPORT.md's text, the HTML page's path and text.
type private Written(seeds: int, extra: string -> unit) =
    let tmp = new TempDir()
    do
        populateWith seeds tmp.Path
        extra tmp.Path
    let md, page = Report.write tmp.Path
    member val Text = File.ReadAllText md
    member _.Page = page
    member _.Html = File.ReadAllText page
    interface IDisposable with
        member _.Dispose() = (tmp :> IDisposable).Dispose()

let private written seeds = new Written(seeds, ignore)

let private chromium () =
    let fromEnv = Environment.GetEnvironmentVariable "VAE_CHROMIUM" |> Option.ofObj |> Option.toList
    let path = Environment.GetEnvironmentVariable "PATH" |> Option.ofObj |> Option.defaultValue ""
    let onPath =
        [ for dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) do
              for name in [ "chromium"; "chromium-browser" ] -> Path.Combine(dir, name) ]
    fromEnv @ onPath |> List.tryFind (fun p -> p <> "" && File.Exists p)

/// The DOM after scripts ran, as headless Chromium dumps it (offline: background networking off).
let private renderDom (htmlPath: string) =
    let exe =
        match chromium () with
        | Some e -> e
        | None -> failwith "chromium not found on PATH (or VAE_CHROMIUM): scripts/setup.sh installs Debian's chromium package"
    use profile = new TempDir()
    let args =
        [ "--headless"; "--no-sandbox"; "--disable-gpu"; "--disable-background-networking"; "--disable-component-update"
          "--disable-sync"; "--no-first-run"; "--disable-dev-shm-usage"; $"--user-data-dir={profile.Path}"
          "--virtual-time-budget=10000"; "--dump-dom"; "file://" + htmlPath ]
    let psi = ProcessStartInfo(exe, args, RedirectStandardOutput = true, RedirectStandardError = true)
    match Process.Start psi with
    | null -> failwith $"could not start {exe}"
    | p ->
        use p = p
        let err = p.StandardError.ReadToEndAsync()
        let out = p.StandardOutput.ReadToEnd()
        if not (p.WaitForExit 90_000) then
            p.Kill true
            failwith "chromium did not finish within 90 s"
        if p.ExitCode <> 0 then failwith $"chromium exited {p.ExitCode}: {err.Result}"
        out

let private count (pattern: string) (text: string) = Regex.Matches(text, pattern).Count

[<Tests>]
let tests =
    testList "Report" [
        test "Markdown_report_has_a_section_and_table_per_experiment_an_A_vs_B_table_and_image_links" {
            use r = written 1
            let text = r.Text
            Expect.stringContains text "## sweep-dz (main experiment)" "experiment section"
            Expect.stringContains text "## sweep-dataset" "second experiment"
            Expect.stringContains text "| frey-face/dequantized | 2 | 1 | A |" "frey row"
            Expect.stringContains text "| A | B | A − B | exceeds seed spread? |" "A vs B table"
            Expect.stringContains text Stats.rule "the rule is stated with the table"
            Expect.stringContains text "(sweep-dz/" "relative image link"
            Expect.equal (count @"\| mnist/dynamic-binarized \| \d+ \| 1 \| [AB] \|" text) 6 "6 MNIST rows (Dz 2,3,5 x A,B), each once"
        }

        test "The_same_config_trained_by_two_experiments_is_reported_under_each" {
            // Run ids are unique within an experiment only: frey-blas trains sweep-dz's Frey Face configs again (same ids).
            use tmp = new TempDir()
            populateWith 1 tmp.Path
            let frey = [ for est in [ Estimator.A; Estimator.B ] -> { Config.forDataset "frey-face" Config.baseline with Dz = 2; Estimator = est; TrainSamples = 1000L } ]
            Sweep.run quiet { settingsFor tmp.Path with Seeds = Some 1 } (CountingBackend().Backend) "frey-blas-openblas" frey |> ignore
            let md, _ = Report.write tmp.Path
            let text = File.ReadAllText md
            Expect.stringContains text "## frey-blas-openblas" "the second experiment's section"
            Expect.stringContains text "## sweep-dataset" "the first experiment's section"
            Expect.isGreaterThanOrEqual (count (Regex.Escape(Config.runId frey[0])) text) 2 "the shared run id appears in both sections"
        }

        test "Runs_of_other_kinds_are_left_out_of_the_report" {
            use tmp = new TempDir()
            populateWith 1 tmp.Path
            let before = (Report.gather tmp.Path).Runs.Length
            // A finished classifier run (vae fid's) and a DCGAN run: "Kind" in the manifest, metrics.json not a TrainResult.
            for kind, exp in [ "classifier", "classifier"; "dcgan", "mnist" ] do
                let dir = Path.Combine(tmp.Path, exp, "r1")
                Directory.CreateDirectory dir |> ignore
                File.WriteAllText(Path.Combine(dir, "manifest.json"), $"{{\"Kind\": \"{kind}\", \"Options\": {{}}}}")
                File.WriteAllText(Path.Combine(dir, "metrics.json"), "{\"TestAccuracy\": 0.98}")
            let after = Report.gather tmp.Path
            Expect.equal after.Runs.Length before "no run added"
            Expect.isFalse (after.Runs |> List.exists (fun r -> r.Experiment = "classifier")) "classifier left out"
        }

        test "HTML_report_is_self_contained_with_plotly_inline_and_images_as_base64" {
            use r = written 1
            let html = r.Html
            Expect.equal (count "<script[^>]*\\ssrc=" html) 0 "no external script: works offline"
            Expect.isGreaterThan html.Length 3_000_000 "plotly.js (~3.5 MB) is inline"
            Expect.stringContains html "data:image/png;base64,iVBORw0KGgo" "PNG embedded"
            Expect.equal (count "var renderPlotly_" html) 2 "one chart per experiment and dataset"
        }

        test "HTML_report_renders_its_charts_in_headless_chromium" {
            use r = written 1
            let dom = renderDom r.Page
            Expect.isGreaterThan (count "<svg class=\"main-svg\"" dom) 0 "plotly drew its SVG"
            // Each chart's first main-svg holds the plot; each trace line is a path with class js-line.
            Expect.isGreaterThanOrEqual (count "class=\"main-svg\"" dom) 2 "both charts drew"
            Expect.isGreaterThanOrEqual (count "class=\"js-line\"" dom) 8 "every run's curve drew (6 + 2 lines)"
            Expect.stringContains dom "training samples" "x-axis title rendered"
            Expect.stringContains dom "mnist/dynamic-binarized, Dz=3" "one panel per Dz, titled"
        }

        test "The_main_experiment_comes_first_after_a_contents_list_that_links_every_section" {
            use r = written 1
            let text = r.Text
            let at (s: string) = text.IndexOf s
            Expect.isLessThan (at "Contents:") (at "## sweep-dz") "contents first"
            Expect.isLessThan (at "## sweep-dz (main experiment)") (at "## sweep-dataset") "main experiment before the others, though sweep-dataset sorts first"
            Expect.stringContains text "1. [sweep-dz (main experiment: the paper's Fig. 2)](#sec-sweep-dz)" "numbered contents entry"
            Expect.stringContains text "<a id=\"sec-sweep-dz\"></a>" "its target"
            Expect.stringContains text "[Figures of every run](#sec-figures)" "figures entry"
            Expect.stringContains r.Html "<li><a href=\"#sec-sweep-dz\">" "HTML contents"
        }

        test "Run_ids_in_tables_link_to_figures_whose_captions_name_the_configuration" {
            use r = written 1
            let text = r.Text
            let id = Config.runId dzGrid[0]
            Expect.stringContains text $"| [{id}](#run-{id}) |" "run-id cell links to the run's figures"
            Expect.stringContains text $"<a id=\"run-{id}\"></a>" "anchor of the run's figures"
            Expect.stringContains text "mnist/dynamic-binarized, 784-500-2 tanh Bernoulli, L=1, M=100, Adagrad lr=0.02, 1,000 training samples; estimator A, seed 1" "caption names the configuration"
            Expect.stringContains text $"(sweep-dz/{id}/samples.png)" "image link under it"
            let html = r.Html
            Expect.stringContains html $"<a href=\"#run-{id}\">{id}</a>" "HTML run-id link"
            Expect.stringContains html $"<section id=\"run-{id}\">" "HTML anchor"
            Expect.stringContains html "samples.png: mnist/dynamic-binarized, 784-500-2 tanh Bernoulli" "image caption names the configuration"
        }

        test "Seeds_give_error_bars_and_a_versus_table_with_intervals" {
            use r = written 3
            let text = r.Text
            // The stand-in moves the bound by 0.1 nats per seed: seeds 1..3 have sd 0.1 on both sides, A is 3 nats lower.
            Expect.stringContains text "| mnist/dynamic-binarized | 2 | 1 | Adagrad | 0.02 | 4.00 | 3 |" "3 seeds per setting, exact epochs"
            Expect.stringContains text "± 0.10 [" "mean ± sd [interval]"
            Expect.stringContains text "| B higher |" "verdict of the rule"
            Expect.stringContains text "seeds 1, 2, 3" "provenance names the seeds"
            let html = r.Html
            Expect.stringContains html "\"error_y\":{\"array\":[" "seed error bars on the curves"
        }

        test "Vae_eval_results_and_the_gradient_variance_study_are_included" {
            let id = Config.runId dzGrid[1]
            let extra root =
                let dir = RunStore.runDir root "sweep-dz" id
                let e = Vae.Core.Runs.EvalReport(dir, "mnist", "dynamic-binarized", 1000, -101.5, 0.25, 0.19, 1.0, 5000, -95.25, 0.125, 0.18, 30.0, -101.75, 0.1)
                Vae.Core.IO.RunFolder.Open(dir).WriteJson("eval-k5000.json", e)
                Directory.CreateDirectory(Path.Combine(root, "estimators")) |> ignore
                File.WriteAllText(Path.Combine(root, Report.GradVarianceFile), "At,Estimator,TotalVariance\ninit,A,6.98\ninit,B,3.76\n")
            use r = new Written(1, extra)
            let text = r.Text
            Expect.stringContains text "## Evaluations (vae eval)" "eval section"
            Expect.stringContains text $"| [{id}](#run-{id}) | B | 1 | 1000 | -101.50 | 0.25 | 5000 | -95.25 | 0.125 | -101.75 |" "eval row with run-id link"
            Expect.stringContains text "## Gradient variance of estimators A and B" "gradient-variance section"
            Expect.stringContains text "| init | B | 3.76 |" "its table"
            Expect.stringContains text "[Evaluations (vae eval)](#sec-vae-eval)" "in the contents"
            Expect.stringContains r.Html "Gradient variance of estimators A and B</h2>" "HTML too"
        }
    ]
