// The paper-figure layer: Fig. 2-style panels (bound vs training samples on a log axis, one panel per Dz, train
// dashed and test solid, one colour per method) and a chart -> PNG export through headless Chromium, so figures can
// be committed as small images. Must not: read run folders (callers pass curves) or compute model numbers.
namespace Vae.Experiments

open System
open System.Diagnostics
open System.IO
open Plotly.NET
open Vae.Core.Training

/// One curve of a panel: its method (legend and colour), train and test bound vs training samples.
type PanelCurve =
    { Method: string
      Points: CurvePoint list }

module Figures =
    let private palette = [| "#1f77b4"; "#d62728"; "#2ca02c"; "#9467bd"; "#ff7f0e" |]

    /// Panels side by side (columns per row), each titled, x on a log axis, y linear (titles given); every method has
    /// one colour, its train curve dashed and its test curve solid (paper Fig. 2's layout).
    let panelsWith (xTitle: string) (yTitle: string) (title: string) (columns: int) (items: (string * PanelCurve list) list) =
        let methods = items |> List.collect (snd >> List.map (fun c -> c.Method)) |> List.distinct
        let colour m = Color.fromHex palette[(List.findIndex ((=) m) methods) % palette.Length]
        let charts =
            items
            |> List.mapi (fun i (panelTitle, curves) ->
                [ for c in curves do
                      for (kind, pick, dash) in
                          [ "train", (fun (p: CurvePoint) -> p.TrainElbo), StyleParam.DrawingStyle.Dash
                            "test", (fun (p: CurvePoint) -> p.TestElbo), StyleParam.DrawingStyle.Solid ] do
                          let pts = c.Points |> List.filter (fun p -> p.Samples > 0L && Double.IsFinite(pick p))
                          if not pts.IsEmpty then
                              yield
                                  Chart.Line(
                                      x = (pts |> List.map (fun p -> float p.Samples)), y = (pts |> List.map pick),
                                      Name = $"{c.Method} {kind}", ShowLegend = (i = 0), ShowMarkers = true,
                                      LineColor = colour c.Method, LineDash = dash) ]
                |> Chart.combine
                |> Chart.withXAxisStyle (TitleText = xTitle, AxisType = StyleParam.AxisType.Log)
                |> Chart.withYAxisStyle (TitleText = yTitle)
                |> Chart.withTitle panelTitle)
        let rows = (items.Length + columns - 1) / columns
        Chart.Grid(rows, columns, SubPlotTitles = (items |> List.map fst)) charts
        |> Chart.withTitle title
        |> Chart.withSize (360 * columns, 300 * rows + 60)

    /// Fig. 2's panels: x = training samples evaluated (log), y = bound in nats.
    let panels (title: string) (columns: int) (items: (string * PanelCurve list) list) =
        panelsWith "training samples evaluated" "bound (nats)" title columns items

    /// A standalone page for a chart with plotly.js inlined (opens offline).
    let page (chart: GenericChart) =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><script type=\"text/javascript\">" + Report.plotlyJs ()
        + "</script></head><body style=\"margin:0\">" + GenericChart.toChartHTML chart + "</body></html>"

    /// Headless Chromium from an environment lookup: VAE_CHROMIUM, else chromium / chromium-browser on PATH.
    let findChromium (env: string -> string option) =
        let fromEnv = env "VAE_CHROMIUM" |> Option.toList
        let path = env "PATH" |> Option.defaultValue ""
        [ yield! fromEnv
          for dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) do
              for name in [ "chromium"; "chromium-browser" ] -> Path.Combine(dir, name) ]
        |> List.tryFind (fun p -> p <> "" && File.Exists p)

    /// Headless Chromium in this process's environment (scripts/setup.sh installs Debian's chromium).
    let chromium () = findChromium (Environment.GetEnvironmentVariable >> Option.ofObj)

    /// Renders chart into a width x height PNG at pngPath (atomically: a temp file, then a rename). Fails with the
    /// reason when Chromium is missing, times out (90 s) or writes no image.
    let savePng (pngPath: string) (width: int) (height: int) (chart: GenericChart) =
        let exe =
            chromium ()
            |> Option.defaultWith (fun () -> failwith "chromium not found on PATH (or VAE_CHROMIUM): scripts/setup.sh installs it")
        let work = Path.Combine(Path.GetTempPath(), "vae-fig-" + Guid.NewGuid().ToString("N"))
        Directory.CreateDirectory work |> ignore
        try
            let html = Path.Combine(work, "figure.html")
            File.WriteAllText(html, page chart)
            let shot = Path.Combine(work, "figure.png")
            let profile = Path.Combine(work, "profile")
            let args =
                [ "--headless"; "--no-sandbox"; "--disable-gpu"; "--disable-background-networking"; "--disable-component-update"
                  "--disable-sync"; "--no-first-run"; "--disable-dev-shm-usage"; "--hide-scrollbars"
                  $"--user-data-dir={profile}"; "--virtual-time-budget=10000"
                  $"--window-size={width},{height}"; $"--screenshot={shot}"; "file://" + html ]
            match Process.Start(ProcessStartInfo(exe, args, RedirectStandardOutput = true, RedirectStandardError = true)) with
            | null -> failwith $"could not start {exe}"
            | p ->
                use p = p
                let err = p.StandardError.ReadToEndAsync()
                p.StandardOutput.ReadToEnd() |> ignore
                if not (p.WaitForExit 90_000) then
                    p.Kill true
                    failwith "chromium did not finish the screenshot within 90 s"
                if p.ExitCode <> 0 || not (File.Exists shot) then
                    failwith $"chromium exited {p.ExitCode} without {shot}: {err.Result}"
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath pngPath) |> nonNull) |> ignore
            Vae.Core.IO.AtomicFile.WriteAllBytes(pngPath, File.ReadAllBytes shot)
        finally
            try Directory.Delete(work, true) with _ -> ()
