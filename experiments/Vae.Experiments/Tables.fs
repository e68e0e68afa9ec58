// Finished rows -> Deedle frames -> CSV files and markdown tables (one row per configuration), and the
// estimator A-vs-B comparison table.
// Must not: read run folders (Sweep/RunStore do) or compute model numbers; it only arranges and formats them.
namespace Vae.Experiments

open System
open System.Globalization
open System.IO
open System.Text
open Deedle
open Vae.Core.IO

/// One configuration's line in the summary table.
type SummaryRow =
    { Dataset: string
      Dz: int
      L: int
      Estimator: string
      Optimizer: string
      Lr: float
      Epochs: float
      TrainElbo: float
      TestElbo: float
      LogPx: float
      ActiveUnits: int
      Seconds: float }

/// Estimator A next to estimator B for an otherwise identical configuration.
type VersusRow =
    { Dataset: string
      Dz: int
      L: int
      Optimizer: string
      LrA: float
      LrB: float
      Epochs: float
      TestElboA: float
      TestElboB: float
      BMinusA: float
      LogPxA: float
      LogPxB: float }

module Tables =
    let private inv = CultureInfo.InvariantCulture

    /// Stable order: experiment, dataset, Dz, L, estimator, optimizer, lr, seed.
    let sortRows (rows: Row list) =
        rows
        |> List.sortBy (fun r -> r.Experiment, r.Dataset, r.Variant, r.Dz, r.L, r.Estimator, r.Optimizer, r.LearningRate, r.Seed, r.RunId)

    /// Every field of every row, one row per run (the CSV's content).
    let toFrame (rows: Row list) : Frame<int, string> = sortRows rows |> Frame.ofRecords

    let private summaryHeaders =
        [ "dataset/variant"; "Dz"; "L"; "estimator"; "optimizer"; "lr"; "epochs"; "train ELBO"; "test ELBO"
          "log p(x)"; "active units"; "seconds" ]

    /// The one-row-per-configuration table of the issue, with readable column names.
    let summary (rows: Row list) : Frame<int, string> =
        sortRows rows
        |> List.map (fun r ->
            { Dataset = r.Dataset + "/" + r.Variant
              Dz = r.Dz
              L = r.L
              Estimator = r.Estimator
              Optimizer = r.Optimizer
              Lr = r.LearningRate
              Epochs = r.Epochs
              TrainElbo = r.TrainElbo
              TestElbo = r.TestElbo
              LogPx = r.LogPx
              ActiveUnits = r.ActiveUnits
              Seconds = r.Seconds } : SummaryRow)
        |> Frame.ofRecords
        |> Frame.indexColsWith summaryHeaders

    /// A versus B at equal configuration; configurations run with only one estimator are left out. The learning
    /// rate is not part of the pairing: with the paper's step-size selection A and B may each choose their own
    /// (both are shown).
    let versus (rows: Row list) : Frame<int, string> =
        rows
        |> List.groupBy (fun r -> r.Experiment, r.Dataset, r.Variant, r.Likelihood, r.Hidden, r.Dz, r.L, r.Optimizer, r.BatchSize, r.Seed, r.TrainSamples)
        |> List.choose (fun (_, g) ->
            match g |> List.tryFind (fun r -> r.Estimator = "A"), g |> List.tryFind (fun r -> r.Estimator = "B") with
            | Some a, Some b ->
                Some
                    { Dataset = a.Dataset + "/" + a.Variant
                      Dz = a.Dz
                      L = a.L
                      Optimizer = a.Optimizer
                      LrA = a.LearningRate
                      LrB = b.LearningRate
                      Epochs = a.Epochs
                      TestElboA = a.TestElbo
                      TestElboB = b.TestElbo
                      BMinusA = b.TestElbo - a.TestElbo
                      LogPxA = a.LogPx
                      LogPxB = b.LogPx }
            | _ -> None)
        |> List.sortBy (fun v -> v.Dataset, v.Dz, v.L, v.Optimizer, v.LrA)
        |> Frame.ofRecords
        |> Frame.indexColsWith
            [ "dataset/variant"; "Dz"; "L"; "optimizer"; "lr A"; "lr B"; "epochs"; "test ELBO A"; "test ELBO B"; "B - A"
              "log p(x) A"; "log p(x) B" ]

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
        t = typeof<float> || t = typeof<float32> || t = typeof<int> || t = typeof<int64> || t = typeof<decimal>

    /// A GitHub-flavoured markdown table of any frame: header, alignment row (numbers right-aligned), one line per row.
    let markdown (frame: Frame<'R, string>) =
        let cols = frame.ColumnKeys |> List.ofSeq
        let types = frame.ColumnTypes |> List.ofSeq
        let cell (s: string) = s.Replace("|", "\\|")
        let sb = StringBuilder()
        let line (cells: string list) = sb.Append("| ").Append(String.Join(" | ", cells)).Append(" |\n") |> ignore
        line (cols |> List.map cell)
        line (types |> List.map (fun t -> if isNumeric t then "---:" else "---"))
        for rk in frame.RowKeys do
            line [ for c in cols ->
                       match frame.Columns[c].TryGet rk with
                       | v when v.HasValue -> cell (formatValue v.Value)
                       | _ -> "-" ]
        sb.ToString()

    /// The summary table of rows as markdown: what the scripts print.
    let markdownTable (rows: Row list) = if rows.IsEmpty then "(no finished runs)\n" else markdown (summary rows)

    /// Writes a frame as CSV atomically (temp file in the same folder, then rename).
    let saveCsv (path: string) (frame: Frame<'R, string>) =
        AtomicFile.Write(path, fun (stream: Stream) ->
            use w = new StreamWriter(stream, UTF8Encoding(false), leaveOpen = true)
            frame.SaveCsv(w, includeRowKeys = false, culture = inv))
