// Finished runs -> Deedle frames (runs as a frame indexed by run id, curves as a frame) -> tables: one row per
// run, and the A-vs-B comparison built with Deedle's pivotTable (settings x series, seeds summarised by Stats).
// CSV and markdown output of any frame. Must not: read run folders (RunStore does) or compute model numbers.
namespace Vae.Experiments

open System
open System.Globalization
open System.IO
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open Deedle
open Vae.Core.IO
open Vae.Core.Training

module Tables =
    let private inv = CultureInfo.InvariantCulture

    /// What two runs must share to be seeds of one setting, or A and B of one comparison: every option except the
    /// seed, the estimator, the method and the data folder (the core's TrainOptions as JSON, minus those), within one experiment.
    let setting (r: FinishedRun) =
        let o =
            match JsonSerializer.SerializeToNode(r.Options, RunFolder.JsonOptions) with
            | :? JsonObject as o -> o
            | _ -> failwith $"{r.Dir}: options do not serialize to a JSON object"
        for k in [ "Seed"; "Estimator"; "Method"; "DataDir" ] do o.Remove k |> ignore
        // With the paper's step-size selection each run (seed, estimator) picks its own Adagrad step: the step is a
        // result of the setting, not part of it.
        if r.SelectedStepSize then
            match o["Optimizer"] with
            | :? JsonObject as opt -> opt.Remove "LearningRate" |> ignore
            | _ -> ()
        r.Experiment + "|" + o.ToJsonString()

    /// The series a run belongs to in a comparison: its estimator (A or B) for AEVB, else its method (wake-sleep,
    /// mcem), so AEVB and its baselines of one setting share a panel and a table row.
    let series (r: FinishedRun) =
        if r.Options.Method = TrainingMethod.Aevb then r.Result.Estimator.ToString() else TrainingMethods.Label r.Options.Method

    /// A setting in words (dataset and variant, model, L, M, optimizer, budget), for captions and legends.
    let describe (r: FinishedRun) =
        let x = r.Result
        $"{x.Dataset}/{x.Variant}, {x.Model}, L={x.L}, M={x.M}, {x.Optimizer} lr={Config.num x.LearningRate}, "
        + $"{r.Options.MaxTrainingSamples:N0} training samples"

    /// Stable order: experiment, dataset, variant, Dz, L, estimator, optimizer, lr, seed.
    let sortRuns (runs: FinishedRun list) =
        runs
        |> List.sortBy (fun r ->
            let x = r.Result
            r.Experiment, x.Dataset, x.Variant, x.Dz, x.L, x.Estimator, x.Optimizer, x.LearningRate, x.Seed, r.RunId)

    /// Runs as a frame, one row per run (key: run id): every field of the core's TrainResult (Epochs exact), plus
    /// Experiment, Setting, Series, Budget (training samples asked for), Command, GitCommit and Backend.
    let runs (rs: FinishedRun list) : Frame<string, string> =
        let rs = sortRuns rs
        let f = rs |> List.map (fun r -> r.Result) |> Frame.ofRecords |> Frame.indexRowsWith (rs |> List.map (fun r -> r.RunId))
        let add (name: string) (values: 'T list) = f.AddColumn(name, Series(rs |> List.map (fun r -> r.RunId), values))
        add "RunId" (rs |> List.map (fun r -> r.RunId))
        add "Experiment" (rs |> List.map (fun r -> r.Experiment))
        add "Setting" (rs |> List.map setting)
        add "Series" (rs |> List.map series)
        add "Budget" (rs |> List.map (fun r -> r.Options.MaxTrainingSamples))
        add "Command" (rs |> List.map (fun r -> r.Command))
        add "GitCommit" (rs |> List.map (fun r -> r.GitCommit))
        add "Backend" (rs |> List.map (fun r -> r.Backend))
        add "StepSizeSelected" (rs |> List.map (fun r -> r.SelectedStepSize))
        f

    /// Curves as one frame: every curve point of every run (the fields of curve.csv, read by the core's CurveCsv;
    /// NaN where a field was not evaluated) with its RunId column; rows numbered 0, 1, ...
    let curves (rs: FinishedRun list) : Frame<int, string> =
        let parts = rs |> List.choose (fun r -> RunStore.curveRows r.Dir |> Option.map (fun c -> r.RunId, c))
        let fields = parts |> List.collect (fun (_, c) -> List.ofSeq c.Fields) |> List.distinct
        let column (f: string) =
            [| for (_, c) in parts do
                   if c.Fields |> Seq.contains f then yield! c.Column f else yield! Array.create c.Rows.Count nan |]
        let ids = [| for (id, c) in parts do for _ in 1 .. c.Rows.Count -> id |]
        let frame = fields |> List.map (fun f -> f, Series.ofValues (column f)) |> Frame.ofColumns
        frame.AddColumn("RunId", Series.ofValues ids)
        frame

    /// The points of one run in a curves frame: (x, y) of two fields where both are finite, in file order.
    let curveOf (runId: string) (x: string) (y: string) (curves: Frame<int, string>) =
        if curves.RowCount = 0 then []
        else
            let rows = curves |> Frame.filterRowValues (fun r -> r.GetAs<string> "RunId" = runId)
            let values (c: string) = rows.GetColumn<float> c |> Series.fillMissingWith nan |> Series.values |> List.ofSeq
            if rows.RowCount = 0 then [] else List.zip (values x) (values y) |> List.filter (fun (a, b) -> Double.IsFinite a && Double.IsFinite b)

    /// One row per run, readable column names, the run id first (it names the run's folder and images).
    let summary (runs: Frame<string, string>) : Frame<string, string> =
        let names =
            [ "RunId", "run id"; "Dz", "Dz"; "L", "L"; "Estimator", "estimator"; "Optimizer", "optimizer"; "LearningRate", "lr"
              "Seed", "seed"; "Epochs", "epochs"; "TrainElbo", "train ELBO"; "TestElbo", "test ELBO"; "LogPx", "log p(x)"
              "ActiveUnits", "active units"; "Seconds", "seconds" ]
        let f = runs |> Frame.sliceCols (List.map fst names) |> Frame.indexColsWith (List.map snd names)
        f.AddColumn("dataset/variant", Series.zipInner (runs.GetColumn<string> "Dataset") (runs.GetColumn<string> "Variant") |> Series.mapValues (fun (d, v) -> d + "/" + v))
        f |> Frame.sliceCols ("run id" :: "dataset/variant" :: (names |> List.tail |> List.map snd))

    /// Seeds of every (setting, series) cell of a value column, by Deedle's pivot: rows = settings, columns = series.
    let pivot (value: string) (runs: Frame<string, string>) : Frame<string, string> =
        runs
        |> Frame.pivotTable
            (fun _ r -> r.GetAs<string> "Setting")
            (fun _ r -> r.GetAs<string> "Series")
            (fun cell -> Stats.ofValues (cell.GetColumn<float> value |> Series.values))

    /// Series a against series b of each setting on a value column (default test ELBO): seeds, mean ± sd and 95 %
    /// interval of each, A − B with its Welch interval and the verdict of the rule in Stats.rule. Settings run with
    /// only one of the two are left out. Numeric columns (for CSV); `format` makes the readable table.
    let compareOn (value: string) (a: string) (b: string) (runs: Frame<string, string>) : Frame<int, string> =
        if runs.RowCount = 0 then Frame.ofRows Seq.empty<int * Series<string, obj>>
        else
        let p = pivot value runs
        let col (name: string) = if p.ColumnKeys |> Seq.contains name then p.GetColumn<SeedStats> name else Series.ofObservations []
        let sa, sb = col a, col b
        let first = runs.Rows |> Series.observations |> Seq.map (fun (_, r) -> r.GetAs<string> "Setting", r) |> Seq.distinctBy fst |> Map.ofSeq
        [ for s in p.RowKeys do
              match sa.TryGet s, sb.TryGet s with
              | OptionalValue.Present x, OptionalValue.Present y ->
                  let r = first[s]
                  let d = Stats.welch x y
                  let optimizer = string r.["Optimizer"]
                  yield
                      (r.GetAs<string> "Dataset", r.GetAs<string> "Variant", r.GetAs<int> "Dz", r.GetAs<int> "L", optimizer, r.GetAs<float> "LearningRate", s),
                      [ "dataset/variant", box (r.GetAs<string> "Dataset" + "/" + r.GetAs<string> "Variant")
                        "Dz", box (r.GetAs<int> "Dz"); "L", box (r.GetAs<int> "L"); "optimizer", box optimizer
                        // A chosen step differs between runs of the setting (results.csv has each run's).
                        "lr", box (if r.GetAs<bool> "StepSizeSelected" then nan else r.GetAs<float> "LearningRate"); "epochs", box (r.GetAs<float> "Epochs")
                        "seeds", box (min x.N y.N)
                        $"{a} mean", box x.Mean; $"{a} sd", box x.Sd; $"{a} low", box x.Low; $"{a} high", box x.High
                        $"{b} mean", box y.Mean; $"{b} sd", box y.Sd; $"{b} low", box y.Low; $"{b} high", box y.High
                        $"{a} - {b}", box d.Diff; "diff low", box d.Low; "diff high", box d.High; "p", box d.P
                        "verdict", box (Stats.verdict a b d) ]
              | _ -> () ]
        |> List.sortBy fst
        |> List.mapi (fun i (_, cells) -> i, Series.ofObservations cells)
        |> Frame.ofRows

    /// Estimator A against B on the test ELBO (the issue's A-vs-B table, with seed statistics).
    let versus (runs: Frame<string, string>) = compareOn "TestElbo" "A" "B" runs

    let private f2 (x: float) = if Double.IsFinite x then x.ToString("F2", inv) else "-"

    /// "mean ± sd [low, high]", or the mean alone for one seed.
    let meanSd (mean: float) (sd: float) (low: float) (high: float) =
        if Double.IsFinite sd then $"{f2 mean} ± {f2 sd} [{f2 low}, {f2 high}]" else f2 mean

    /// The comparison as a reader wants it: one cell per series ("mean ± sd [95 % interval]"), A − B with its
    /// interval, and the verdict. a and b name the series as in compareOn.
    let format (a: string) (b: string) (cmp: Frame<int, string>) : Frame<int, string> =
        if cmp.RowCount = 0 then cmp
        else
        let rows =
            [ for k in cmp.RowKeys ->
                  let r = cmp.Rows[k]
                  // NaN (one seed: no sd, no interval) is a missing value in a Deedle frame.
                  let g (c: string) = match r.TryGetAs<float> c with OptionalValue.Present v -> v | _ -> nan
                  k,
                  [ "dataset/variant", box (r.GetAs<string> "dataset/variant"); "Dz", box (r.GetAs<int> "Dz"); "L", box (r.GetAs<int> "L")
                    "optimizer", r.["optimizer"]; "lr", (if Double.IsFinite (g "lr") then box (g "lr") else box "chosen per run"); "epochs", box (g "epochs"); "seeds", box (r.GetAs<int> "seeds")
                    a, box (meanSd (g $"{a} mean") (g $"{a} sd") (g $"{a} low") (g $"{a} high"))
                    b, box (meanSd (g $"{b} mean") (g $"{b} sd") (g $"{b} low") (g $"{b} high"))
                    $"{a} − {b}",
                    (let diff, low, high = g $"{a} - {b}", g "diff low", g "diff high"
                     box (if Double.IsFinite low then $"{f2 diff} [{f2 low}, {f2 high}]" else f2 diff))
                    "exceeds seed spread?", box (r.GetAs<string> "verdict") ]
                  |> Series.ofObservations ]
        Frame.ofRows rows

    /// Numbers as a reader wants them: whole numbers bare, small ones with 3 significant digits, else 2 decimals;
    /// missing (Deedle stores NaN as missing) as "-".
    let formatValue (v: obj | null) =
        match v with
        | null -> "-"
        | :? float as x when not (Double.IsFinite x) -> "-"
        | :? float as x when x = Math.Round x && abs x < 1e15 -> x.ToString("F0", inv)
        | :? float as x when abs x < 1.0 -> x.ToString("G3", inv)
        | :? float as x -> x.ToString("F2", inv)
        | :? float32 as x -> (float x).ToString("F2", inv)
        | :? IFormattable as x -> x.ToString(null, inv)
        | x -> string x

    let private isNumeric (t: Type) =
        t = typeof<float> || t = typeof<float32> || t = typeof<int> || t = typeof<int64> || t = typeof<uint64> || t = typeof<decimal>

    /// Epochs are exact (samples / training-set size): two decimals, never floored (5 epochs read 5.00).
    let formatCell (column: string) (v: obj | null) =
        match column, v with
        | "epochs", (:? float as x) when Double.IsFinite x -> x.ToString("F2", inv)
        | _ -> formatValue v

    /// A GitHub-flavoured markdown table of any frame: header, alignment row (numbers right-aligned), one line per
    /// row. link, when given, turns a cell into a markdown link (column, text -> Some target).
    let markdownWith (link: string -> string -> string option) (frame: Frame<'R, string>) =
        let cols = frame.ColumnKeys |> List.ofSeq
        let cell (s: string) = s.Replace("|", "\\|")
        let sb = StringBuilder()
        let line (cells: string list) = sb.Append("| ").Append(String.Join(" | ", cells)).Append(" |\n") |> ignore
        line (cols |> List.map cell)
        // Numbers right-aligned: a column whose present values are all numbers (frames built from rows hold obj).
        let numeric (c: string) =
            let vs = frame.Columns[c].Values |> List.ofSeq
            not vs.IsEmpty && vs |> List.forall (fun v -> isNumeric (v.GetType()))
        line (cols |> List.map (fun c -> if numeric c then "---:" else "---"))
        for rk in frame.RowKeys do
            line [ for c in cols ->
                       match frame.Columns[c].TryGet rk with
                       | v when v.HasValue ->
                           let text = formatCell c v.Value
                           match link c text with
                           | Some target -> $"[{cell text}]({target})"
                           | None -> cell text
                       | _ -> "-" ]
        sb.ToString()

    /// A markdown table of any frame.
    let markdown (frame: Frame<'R, string>) = markdownWith (fun _ _ -> None) frame

    /// Budget, seeds and command of the runs behind a table, in one line (every table names them).
    let provenance (runs: Frame<string, string>) =
        if runs.RowCount = 0 then "no finished runs"
        else
        let distinct (c: string) = runs.GetColumn<obj> c |> Series.values |> Seq.map string |> Seq.distinct |> List.ofSeq
        let budget = runs.GetColumn<int64> "Budget" |> Series.values |> Seq.distinct |> Seq.map (fun b -> b.ToString("N0", inv)) |> String.concat " or "
        let k = distinct "K" |> String.concat " or "
        let seeds = runs.GetColumn<uint64> "Seed" |> Series.values |> Seq.distinct |> Seq.sort |> Seq.map string |> String.concat ", "
        let commands = distinct "Command" |> List.map (fun c -> $"`{c}`") |> String.concat "; "
        let commits = distinct "GitCommit" |> List.map (fun c -> if c.Length > 10 then c.Substring(0, 10) else c) |> String.concat ", "
        $"Budget: {budget} training samples per run, final log p(x) with K={k}; seeds {seeds}; made by {commands} at commit {commits}."

    /// Finished runs as markdown: the one-row-per-run table, the A-vs-B table with its rule when both ran, and the
    /// provenance line (budget, seeds, command, commit): what the scripts print and results.md holds.
    let markdownTable (rs: FinishedRun list) =
        if rs.IsEmpty then "(no finished runs)\n"
        else
            let f = runs rs
            let vs = versus f
            markdown (summary f) + "\n"
            + (if vs.RowCount > 0 then "Estimator A vs B, test ELBO:\n\n" + markdown (format "A" "B" vs) + "\n" + Stats.rule + "\n\n" else "")
            + provenance f + "\n"

    /// Writes a frame as CSV atomically (temp file in the same folder, then rename).
    let saveCsv (path: string) (frame: Frame<'R, string>) =
        AtomicFile.Write(path, fun (stream: Stream) ->
            use w = new StreamWriter(stream, UTF8Encoding(false), leaveOpen = true)
            frame.SaveCsv(w, includeRowKeys = false, culture = inv))
