// The report: every finished run under results/ -> results/REPORT.md and results/report.html (Fig. 2-style
// curves with plotly.js embedded inline so it renders offline, the final-bound tables, image grids as base64).
// Must not: run anything; it reads run folders only.
namespace Vae.Experiments

open System
open System.IO
open System.Net
open System.Text
open Plotly.NET

/// A finished run as the report sees it.
type ReportRun =
    { Row: Row
      Dir: string
      Curve: CurvePoint list
      Images: string list }

module Report =
    let MarkdownFile = "REPORT.md"
    let HtmlFile = "report.html"

    /// Every finished run under root, in table order.
    let gather (root: string) =
        RunStore.finishedDirs root None
        |> List.map (fun d -> { Row = RunStore.readRow d; Dir = d; Curve = RunStore.readCurve d; Images = RunStore.images d })
        |> List.sortBy (fun r -> r.Row.Experiment, r.Row.Dataset, r.Row.Variant, r.Row.Dz, r.Row.L, r.Row.Estimator, r.Row.Optimizer, r.Row.LearningRate, r.Row.RunId)

    /// Legend text: only the settings that differ between runs of the same chart, so lines read "Dz=5 (A)".
    let label (group: Row list) (r: Row) =
        let varies f = group |> List.map f |> List.distinct |> List.length > 1
        [ if varies (fun x -> x.Variant) then yield r.Variant
          if varies (fun x -> x.Hidden) then yield $"H={r.Hidden}"
          if varies (fun x -> x.Dz) then yield $"Dz={r.Dz}"
          if varies (fun x -> x.L) then yield $"L={r.L}"
          if varies (fun x -> x.Optimizer) then yield r.Optimizer
          if varies (fun x -> x.LearningRate) then yield $"lr={Config.num r.LearningRate}"
          if varies (fun x -> x.Seed) then yield $"seed={r.Seed}"
          if varies (fun x -> x.TrainSamples) then yield $"{r.TrainSamples} samples"
          yield $"({r.Estimator})" ]
        |> String.concat " "

    let private palette =
        [| "#1f77b4"; "#d62728"; "#2ca02c"; "#9467bd"; "#ff7f0e"; "#8c564b"; "#e377c2"; "#17becf"; "#7f7f7f"; "#bcbd22" |]

    /// Fig. 2-style chart: bound vs training samples on a log axis, one line per run; A dashed, B solid,
    /// the same colour for A and B of one configuration. Uses the test bound where the curve has one.
    let curveChart (title: string) (runs: ReportRun list) =
        let rows = runs |> List.map (fun r -> r.Row)
        let useTest = runs |> List.exists (fun r -> r.Curve |> List.exists (fun p -> Double.IsFinite p.TestElbo))
        let pick (p: CurvePoint) = if useTest then p.TestElbo else p.TrainElbo
        let configKey (r: Row) = (r.Variant, r.Hidden, r.Dz, r.L, r.Optimizer, r.LearningRate, r.Seed, r.TrainSamples)
        let keys = rows |> List.map configKey |> List.distinct
        runs
        |> List.map (fun r ->
            let pts = r.Curve |> List.filter (fun p -> p.Samples > 0L && Double.IsFinite(pick p))
            let colour = palette[(List.findIndex ((=) (configKey r.Row)) keys) % palette.Length]
            Chart.Line(
                x = (pts |> List.map (fun p -> float p.Samples)),
                y = (pts |> List.map pick),
                Name = label rows r.Row,
                ShowMarkers = true,
                LineColor = Color.fromHex colour,
                LineDash = (if r.Row.Estimator = "A" then StyleParam.DrawingStyle.Dash else StyleParam.DrawingStyle.Solid)))
        |> Chart.combine
        |> Chart.withTitle title
        |> Chart.withXAxisStyle (TitleText = "training samples evaluated", AxisType = StyleParam.AxisType.Log)
        |> Chart.withYAxisStyle (TitleText = (if useTest then "test ELBO (nats)" else "train ELBO (nats)"))
        |> Chart.withSize (900, 520)

    /// plotly.js as shipped inside Plotly.NET (what PlotlyJSReference.Full inlines), read once for the page.
    let plotlyJs () =
        let asm = typeof<GenericChart>.Assembly
        let name =
            asm.GetManifestResourceNames()
            |> Array.tryFind (fun n -> n.EndsWith(".min.js", StringComparison.Ordinal))
            |> Option.defaultWith (fun () -> failwith $"{asm.GetName().Name} carries no embedded plotly .min.js resource")
        use s =
            match asm.GetManifestResourceStream name with
            | null -> failwith $"resource {name} listed but not readable"
            | s -> s
        use r = new StreamReader(s)
        r.ReadToEnd()

    let private enc (s: string) = WebUtility.HtmlEncode s

    let private htmlTable (frame: Deedle.Frame<int, string>) =
        let sb = StringBuilder("<table>\n<tr>")
        for c in frame.ColumnKeys do sb.Append($"<th>{enc c}</th>") |> ignore
        sb.Append("</tr>\n") |> ignore
        for rk in frame.RowKeys do
            sb.Append("<tr>") |> ignore
            for c in frame.ColumnKeys do
                let v = frame.Columns[c].TryGet rk
                let text = if v.HasValue then Tables.formatValue v.Value else "-"
                sb.Append($"<td>{enc text}</td>") |> ignore
            sb.Append("</tr>\n") |> ignore
        sb.Append("</table>\n").ToString()

    let private byExperimentAndDataset (runs: ReportRun list) =
        runs
        |> List.groupBy (fun r -> r.Row.Experiment)
        |> List.map (fun (e, rs) -> e, rs |> List.groupBy (fun r -> r.Row.Dataset + "/" + r.Row.Variant))

    /// REPORT.md: per experiment the summary table, the A-vs-B table when both ran, and links to image grids.
    let markdown (root: string) (runs: ReportRun list) =
        let sb = StringBuilder()
        let add (s: string) = sb.Append(s).Append('\n') |> ignore
        add "# Results"
        add ""
        add $"{runs.Length} finished runs under this folder. Curves and image grids: [{HtmlFile}]({HtmlFile}). Bounds in nats per datapoint (higher is better)."
        for (exp, groups) in byExperimentAndDataset runs do
            let rows = groups |> List.collect snd |> List.map (fun r -> r.Row)
            add ""
            add $"## {exp}"
            add ""
            add (Tables.markdownTable rows)
            let vs = Tables.versus rows
            if vs.RowCount > 0 then
                add "Estimator A vs B (test ELBO):"
                add ""
                add (Tables.markdown vs)
            for (_, rs) in groups do
                for r in rs do
                    for img in r.Images do
                        let rel = Path.GetRelativePath(root, img).Replace('\\', '/')
                        add $"- {r.Row.RunId}: [{RunStore.fileName img}]({rel})"
        sb.ToString()

    /// report.html: one page, plotly.js inline (no network needed), charts, tables, images as base64.
    let html (runs: ReportRun list) =
        let sb = StringBuilder()
        let add (s: string) = sb.Append(s).Append('\n') |> ignore
        add "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Vae.Research results</title>"
        add "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:right} img{image-rendering:pixelated;margin:4px;border:1px solid #ddd} figure{display:inline-block;margin:4px}</style>"
        add ("<script type=\"text/javascript\">" + plotlyJs () + "</script>")
        add "</head><body>"
        add $"<h1>Vae.Research results</h1><p>{runs.Length} finished runs. Bounds in nats per datapoint (higher is better); A dashed, B solid.</p>"
        for (exp, groups) in byExperimentAndDataset runs do
            add $"<h2>{enc exp}</h2>"
            for (ds, rs) in groups do
                add $"<h3>{enc ds}</h3>"
                add (GenericChart.toChartHTML (curveChart $"{exp}: {ds}" rs))
            let rows = groups |> List.collect snd |> List.map (fun r -> r.Row)
            add (htmlTable (Tables.summary rows))
            let vs = Tables.versus rows
            if vs.RowCount > 0 then add (htmlTable vs)
            for (_, rs) in groups do
                for r in rs do
                    for img in r.Images do
                        let b64 = Convert.ToBase64String(File.ReadAllBytes img)
                        add $"<figure><img alt=\"{enc (RunStore.fileName img)}\" src=\"data:image/png;base64,{b64}\"><figcaption>{enc r.Row.RunId}<br>{enc (RunStore.fileName img)}</figcaption></figure>"
        add "</body></html>"
        sb.ToString()

    /// Gathers root and writes REPORT.md and report.html there (atomically); returns the two paths.
    let write (root: string) =
        let runs = gather root
        let md = Path.Combine(root, MarkdownFile)
        let page = Path.Combine(root, HtmlFile)
        RunStore.writeAtomic md (markdown root runs)
        RunStore.writeAtomic page (html runs)
        md, page
