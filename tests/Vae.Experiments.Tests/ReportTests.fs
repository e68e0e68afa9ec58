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

/// Two experiments of finished fake runs, one run with a PNG grid.
let private populate (root: string) =
    let s = settingsFor root
    Sweep.run quiet s (CountingBackend().Backend) "sweep-dz" (dzGrid |> List.filter (fun c -> c.Dz <= 5)) |> ignore
    let frey = [ for est in [ A; B ] -> { Config.forDataset "frey-face" Config.baseline with Dz = 2; Estimator = est; TrainSamples = 1000L } ]
    Sweep.run quiet s (CountingBackend().Backend) "sweep-dataset" frey |> ignore
    let dir = RunStore.runDir root "sweep-dz" (Config.runId dzGrid[0])
    tinyPng (Path.Combine(dir, "samples.png"))

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
            use tmp = new TempDir()
            populate tmp.Path
            let md, _ = Report.write tmp.Path
            let text = File.ReadAllText md
            Expect.stringContains text "## sweep-dz" "experiment section"
            Expect.stringContains text "## sweep-dataset" "second experiment"
            Expect.stringContains text "| frey-face/dequantized | 2 | 1 | A |" "frey row"
            Expect.stringContains text "| test ELBO A | test ELBO B | B - A |" "A vs B table"
            Expect.stringContains text "(sweep-dz/" "relative image link"
            Expect.equal (count @"\| mnist/dynamic-binarized \| \d+ \| 1 \| [AB] \|" text) 6 "6 MNIST rows (Dz 2,3,5 x A,B), each once"
        }

        test "HTML_report_is_self_contained_with_plotly_inline_and_images_as_base64" {
            use tmp = new TempDir()
            populate tmp.Path
            let _, page = Report.write tmp.Path
            let html = File.ReadAllText page
            Expect.equal (count "<script[^>]*\\ssrc=" html) 0 "no external script: works offline"
            Expect.isGreaterThan html.Length 3_000_000 "plotly.js (~3.5 MB) is inline"
            Expect.stringContains html "data:image/png;base64,iVBORw0KGgo" "PNG embedded"
            Expect.equal (count "var renderPlotly_" html) 2 "one chart per experiment and dataset"
        }

        test "HTML_report_renders_its_charts_in_headless_chromium" {
            use tmp = new TempDir()
            populate tmp.Path
            let _, page = Report.write tmp.Path
            let dom = renderDom page
            Expect.isGreaterThan (count "<svg class=\"main-svg\"" dom) 0 "plotly drew its SVG"
            // Each chart's first main-svg holds the plot; each trace line is a path with class js-line.
            Expect.isGreaterThanOrEqual (count "class=\"main-svg\"" dom) 2 "both charts drew"
            Expect.isGreaterThanOrEqual (count "class=\"js-line\"" dom) 8 "every run's curve drew (6 + 2 lines)"
            Expect.stringContains dom "training samples evaluated" "x-axis title rendered"
        }
    ]
