// The report: every finished run under results/ -> results/REPORT.md and results/report.html. The main experiment
// first, a contents list, per experiment its provenance (budget, seeds, command, commit), the A-vs-B table with
// seed statistics, curves with one panel per (dataset, Dz) and seed error bars (plotly.js inline: works offline),
// the per-run table whose run ids link to the run's figures; then the gradient-variance study, `vae eval` results.
// Must not: run anything; it reads run folders (and estimators/grad-variance.csv) only.
namespace Vae.Experiments

open System
open System.IO
open System.Net
open System.Text
open Deedle
open Plotly.NET
open Vae.Core.Training

/// Everything the report shows, gathered once.
type ReportData =
    { Root: string
      Runs: FinishedRun list
      /// Per experiment: its runs' frame (key: run id) and curves. Run ids are unique within an experiment only (the
      /// same config trained by two experiments, e.g. sweep-dz and frey-blas, has the same id), so frames are not merged.
      Frames: Map<string, Frame<string, string>>
      Curves: Map<string, Frame<int, string>> }

module Report =
    let MarkdownFile = "REPORT.md"
    let HtmlFile = "report.html"
    /// The experiment shown first: the paper's Fig. 2 sweep (scripts/main.sh runs it).
    let MainExperiment = "sweep-dz"
    /// Written by experiments/estimators.fsx under results/estimators/.
    let GradVarianceFile = Path.Combine("estimators", "grad-variance.csv")

    /// Every finished run under root.
    let gather (root: string) =
        let runs = RunStore.finishedDirs root None |> List.map RunStore.read |> Tables.sortRuns
        let byExp = runs |> List.groupBy (fun r -> r.Experiment)
        { Root = root; Runs = runs
          Frames = byExp |> List.map (fun (e, rs) -> e, Tables.runs rs) |> Map.ofList
          Curves = byExp |> List.map (fun (e, rs) -> e, Tables.curves rs) |> Map.ofList }

    /// Experiments in report order: the main one first, then by name.
    let experiments (d: ReportData) =
        d.Runs |> List.map (fun r -> r.Experiment) |> List.distinct |> List.sortBy (fun e -> (e <> MainExperiment), e)

    let private runsOf (d: ReportData) (exp: string) = d.Runs |> List.filter (fun r -> r.Experiment = exp)
    let private frameOf (d: ReportData) (exp: string) =
        d.Frames[exp]

    /// The anchor of a run's figures (the run-id cells of every table link here).
    let anchor (runId: string) = "run-" + runId

    /// A run's configuration in words, for figure captions: the setting, then estimator and seed.
    let caption (r: FinishedRun) =
        let how = if r.Options.Method = Method.Aevb then $"estimator {r.Result.Estimator}" else TrainingMethods.Label r.Options.Method
        $"{Tables.describe r}; {how}, seed {r.Result.Seed}"

    let private sectionId (name: string) = "sec-" + name.Replace(' ', '-').ToLowerInvariant()
    let private gradId = sectionId "gradient variance"
    let private evalId = sectionId "vae eval"
    let private figuresId = sectionId "figures"

    /// Contents: (anchor, title) of every section, in order.
    let contents (d: ReportData) =
        [ for e in experiments d -> sectionId e, (if e = MainExperiment then $"{e} (main experiment: the paper's Fig. 2)" else e)
          if File.Exists(Path.Combine(d.Root, GradVarianceFile)) then yield gradId, "Gradient variance of estimators A and B"
          if d.Runs |> List.exists (fun r -> not (RunStore.evals r.Dir).IsEmpty) then yield evalId, "Evaluations (vae eval)"
          yield figuresId, "Figures of every run" ]

    /// Legend text of a series in a panel: the settings that vary within the experiment (besides the panel's
    /// dataset and Dz, and the seed), so lines read "A" or "adam lr=0.001 (B)".
    let label (all: FinishedRun list) (r: FinishedRun) =
        let varies f = all |> List.map f |> List.distinct |> List.length > 1
        let x = r.Result
        [ if varies (fun (y: FinishedRun) -> y.Result.Hidden) then yield $"H={x.Hidden}"
          if varies (fun y -> y.Result.L) then yield $"L={x.L}"
          if varies (fun y -> y.Result.Optimizer) then yield x.Optimizer.ToString()
          if varies (fun y -> y.Result.LearningRate) then yield $"lr={Config.num x.LearningRate}"
          if varies (fun y -> y.Options.MaxTrainingSamples) then yield $"{r.Options.MaxTrainingSamples} samples"
          yield $"({Tables.series r})" ]
        |> String.concat " "

    let private colours = [| "#1f77b4"; "#d62728"; "#2ca02c"; "#9467bd"; "#ff7f0e"; "#8c564b"; "#e377c2"; "#17becf"; "#7f7f7f"; "#bcbd22" |]

    /// Panels of an experiment: one per (dataset/variant, Dz), in order.
    let panels (runs: FinishedRun list) =
        runs
        |> List.groupBy (fun r -> r.Result.Dataset + "/" + r.Result.Variant, r.Result.Dz)
        |> List.sortBy fst

    /// Seeds of one series at each x: (x, mean, sd) of the curve field y over the runs (sd NaN for one seed).
    let seedCurve (curves: Frame<int, string>) (y: string) (runs: FinishedRun list) =
        runs
        |> List.collect (fun r -> Tables.curveOf r.RunId "samples" y curves)
        |> List.groupBy fst
        |> List.sortBy fst
        |> List.map (fun (x, pts) -> let s = Stats.ofValues (List.map snd pts) in x, s.Mean, s.Sd)

    /// Fig. 2-style chart of an experiment: one panel per (dataset, Dz), bound vs training samples (log axis), one
    /// line per series (estimator A dashed, B solid; settings that vary), mean over seeds with ±sd error bars.
    let curveChart (d: ReportData) (exp: string) =
        let runs = runsOf d exp
        let curves = d.Curves[exp]
        let useTest = curves.RowCount > 0 && Tables.curveOf (runs.Head.RunId) "samples" "test_elbo" curves |> List.isEmpty |> not
        let y = if useTest then "test_elbo" else "train_elbo"
        let seriesKeys = runs |> List.map (fun r -> label runs r) |> List.distinct
        let ps = panels runs
        let charts =
            ps
            |> List.mapi (fun i ((ds, dz), prs) ->
                prs
                |> List.groupBy (fun r -> Tables.setting r, Tables.series r)
                |> List.map (fun (_, srs) ->
                    let name = label runs srs.Head
                    let pts = seedCurve curves y srs
                    let sd = pts |> List.map (fun (_, _, s) -> if Double.IsFinite s then s else 0.0)
                    Chart.Line(
                        x = (pts |> List.map (fun (x, _, _) -> x)),
                        y = (pts |> List.map (fun (_, m, _) -> m)),
                        Name = name,
                        ShowLegend = (i = 0),
                        ShowMarkers = true,
                        LineColor = Color.fromHex colours[(List.findIndex ((=) name) seriesKeys) % colours.Length],
                        LineDash =
                            (match Tables.series srs.Head with
                             | "A" -> StyleParam.DrawingStyle.Dash
                             | "B" -> StyleParam.DrawingStyle.Solid
                             | _ -> StyleParam.DrawingStyle.Dot))
                    |> Chart.withYErrorStyle (Array = sd))
                |> Chart.combine
                |> Chart.withXAxisStyle (TitleText = "training samples", AxisType = StyleParam.AxisType.Log)
                |> Chart.withYAxisStyle (TitleText = (if useTest then "test ELBO (nats)" else "train ELBO (nats)")))
        let cols = min 3 ps.Length
        let rows = (ps.Length + cols - 1) / cols
        let titles = ps |> List.map (fun ((ds, dz), _) -> $"{ds}, Dz={dz}") |> Array.ofList
        (if ps.Length = 1 then charts.Head |> Chart.withTitle $"{exp}: {titles[0]}"
         else Chart.Grid(rows, cols, SubPlotTitles = titles) charts |> Chart.withTitle exp)
        |> Chart.withSize (min 1200 (420 * cols), 360 * rows)

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

    /// Run-id cells link to the run's figures.
    let private runLink (column: string) (text: string) = if column = "run id" then Some("#" + anchor text) else None

    let private htmlTable (frame: Frame<'R, string>) =
        let sb = StringBuilder("<table>\n<tr>")
        for c in frame.ColumnKeys do sb.Append($"<th>{enc c}</th>") |> ignore
        sb.Append("</tr>\n") |> ignore
        for rk in frame.RowKeys do
            sb.Append("<tr>") |> ignore
            for c in frame.ColumnKeys do
                let v = frame.Columns[c].TryGet rk
                let text = if v.HasValue then Tables.formatCell c v.Value else "-"
                match runLink c text with
                | Some target -> sb.Append($"<td><a href=\"{enc target}\">{enc text}</a></td>") |> ignore
                | None -> sb.Append($"<td>{enc text}</td>") |> ignore
            sb.Append("</tr>\n") |> ignore
        sb.Append("</table>\n").ToString()

    /// The gradient-variance study (estimators.fsx), when it ran.
    let gradVariance (d: ReportData) =
        let path = Path.Combine(d.Root, GradVarianceFile)
        if File.Exists path then Some(Frame.ReadCsv(path, culture = "")) else None

    /// Every `vae eval` result (eval-k<K>.json) of every finished run, one row each.
    let evaluations (d: ReportData) : Frame<int, string> =
        [ for r in d.Runs do
              for e in RunStore.evals r.Dir ->
                  [ "run id", box r.RunId; "estimator", box (r.Result.Estimator.ToString()); "seed", box (int r.Result.Seed)
                    "test rows", box e.N; "test ELBO", box e.TestElbo; "± se", box e.TestElboStdErr; "K", box e.K
                    "log p(x)", box e.LogPx; "log p(x) ± se", box e.LogPxStdErr
                    "ELBO, 5 binarizations x 4 draws", box e.RebinarizedElbo ] ]
        |> List.mapi (fun i cells -> i, Series.ofObservations cells)
        |> Frame.ofRows

    /// One block of text per section, shared by both outputs: (id, title, intro lines, tables as (caption, frame)).
    let private sectionsOf (d: ReportData) =
        [ for e in experiments d do
              let f = frameOf d e
              let vs = Tables.versus f
              yield sectionId e, (if e = MainExperiment then $"{e} (main experiment)" else e),
                    [ Tables.provenance f
                      "Bounds in nats per datapoint, higher is better; the data variant is named in every row." ],
                    [ if vs.RowCount > 0 then
                          yield "Estimator A vs B, test ELBO. " + Stats.rule, Tables.format "A" "B" vs
                      yield "Every run (the run id links to its figures; epochs are exact).", Tables.summary f |> Frame.indexRowsOrdinally ] ]

    /// REPORT.md: contents, then per experiment provenance, A-vs-B table and per-run table; the gradient-variance
    /// study; `vae eval` results; each run's figures under its run id with a caption naming its configuration.
    let markdown (d: ReportData) =
        let sb = StringBuilder()
        let add (s: string) = sb.Append(s).Append('\n') |> ignore
        add "# Results"
        add ""
        add $"{d.Runs.Length} finished runs under this folder. Curves (one panel per dataset and Dz, seed error bars) and figures: [{HtmlFile}]({HtmlFile})."
        add ""
        add "Contents:"
        add ""
        for (i, (id, title)) in contents d |> List.indexed do add $"{i + 1}. [{title}](#{id})"
        for (id, title, intro, tables) in sectionsOf d do
            add ""
            add $"<a id=\"{id}\"></a>"
            add ""
            add $"## {title}"
            add ""
            for l in intro do add l
            for (cap, t) in tables do
                add ""
                add cap
                add ""
                add (Tables.markdownWith runLink t)
        match gradVariance d with
        | Some g ->
            add ""
            add $"<a id=\"{gradId}\"></a>"
            add ""
            add "## Gradient variance of estimators A and B"
            add ""
            add $"From `dotnet fsi experiments/estimators.fsx` ({GradVarianceFile}): spread of R gradient draws at equal parameters and minibatch (paper Sec. 2.3: B's should be lower)."
            add ""
            add (Tables.markdown g)
        | None -> ()
        let ev = evaluations d
        if ev.RowCount > 0 then
            add ""
            add $"<a id=\"{evalId}\"></a>"
            add ""
            add "## Evaluations (vae eval)"
            add ""
            add "`vae eval --run DIR --k K` results written into the run folders (eval-k<K>.json); nats per datapoint."
            add ""
            add (Tables.markdownWith runLink ev)
        add ""
        add $"<a id=\"{figuresId}\"></a>"
        add ""
        add "## Figures of every run"
        for r in experiments d |> List.collect (runsOf d) do
            add ""
            add $"<a id=\"{anchor r.RunId}\"></a>"
            add ""
            add $"### {r.RunId}"
            add ""
            add (caption r)
            add ""
            for img in RunStore.images r.Dir do
                let rel = Path.GetRelativePath(d.Root, img).Replace('\\', '/')
                add $"- [{RunStore.fileName img}]({rel})"
        sb.ToString()

    /// report.html: the same sections on one page, plotly.js inline (no network needed), images as base64.
    let html (d: ReportData) =
        let sb = StringBuilder()
        let add (s: string) = sb.Append(s).Append('\n') |> ignore
        add "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Vae.Research results</title>"
        add "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:2px 8px;text-align:right} img{image-rendering:pixelated;margin:4px;border:1px solid #ddd} figure{display:inline-block;margin:4px} .cap{max-width:60em}</style>"
        add ("<script type=\"text/javascript\">" + plotlyJs () + "</script>")
        add "</head><body>"
        add $"<h1>Vae.Research results</h1><p>{d.Runs.Length} finished runs. Bounds in nats per datapoint (higher is better); A dashed, B solid; error bars ±1 sd over seeds.</p>"
        add "<h2>Contents</h2><ol>"
        for (id, title) in contents d do add $"<li><a href=\"#{id}\">{enc title}</a></li>"
        add "</ol>"
        for (id, title, intro, tables) in sectionsOf d do
            add $"<h2 id=\"{id}\">{enc title}</h2>"
            for l in intro do add $"<p class=\"cap\">{enc l}</p>"
            let exp = (d.Runs |> List.find (fun r -> sectionId r.Experiment = id)).Experiment
            add (GenericChart.toChartHTML (curveChart d exp))
            for (cap, t) in tables do
                add $"<p class=\"cap\">{enc cap}</p>"
                add (htmlTable t)
        match gradVariance d with
        | Some g ->
            add $"<h2 id=\"{gradId}\">Gradient variance of estimators A and B</h2>"
            add $"<p class=\"cap\">From <code>dotnet fsi experiments/estimators.fsx</code>: spread of R gradient draws at equal parameters and minibatch (paper Sec. 2.3: B's should be lower).</p>"
            add (htmlTable g)
        | None -> ()
        let ev = evaluations d
        if ev.RowCount > 0 then
            add $"<h2 id=\"{evalId}\">Evaluations (vae eval)</h2>"
            add "<p class=\"cap\"><code>vae eval --run DIR --k K</code> results written into the run folders (eval-k&lt;K&gt;.json); nats per datapoint.</p>"
            add (htmlTable ev)
        add $"<h2 id=\"{figuresId}\">Figures of every run</h2>"
        for r in experiments d |> List.collect (runsOf d) do
            add $"<section id=\"{enc (anchor r.RunId)}\"><h3>{enc r.RunId}</h3><p class=\"cap\">{enc (caption r)}</p>"
            for img in RunStore.images r.Dir do
                let b64 = Convert.ToBase64String(File.ReadAllBytes img)
                add $"<figure><img alt=\"{enc (RunStore.fileName img)}\" src=\"data:image/png;base64,{b64}\"><figcaption>{enc (RunStore.fileName img)}: {enc (caption r)}</figcaption></figure>"
            add "</section>"
        add "</body></html>"
        sb.ToString()

    /// Gathers root and writes REPORT.md and report.html there (atomically); returns the two paths.
    let write (root: string) =
        let d = gather root
        let md = Path.Combine(root, MarkdownFile)
        let page = Path.Combine(root, HtmlFile)
        RunStore.writeAtomic md (markdown d)
        RunStore.writeAtomic page (html d)
        md, page
