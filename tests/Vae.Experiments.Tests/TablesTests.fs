// Tables: runs as a Deedle frame (the core's TrainResult columns), the per-run markdown table (exact text, run ids,
// exact epochs), number formatting, the A-vs-B table by Deedle's pivot with seed statistics, and CSV through Deedle.
module Vae.Experiments.Tests.TablesTests

open System.IO
open Expecto
open Deedle
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

/// A finished run in memory (no folder): the config's options and a result with the given test ELBO.
let run (est: Estimator) (dz: int) (seed: int) (testElbo: float) (logPx: float) =
    let c = { Config.baseline with Estimator = est; Dz = dz; Seed = seed; TrainSamples = 300_000L }
    // 300,000 samples of a 60,000-row training set: 5 epochs.
    let r = CoreBackend.resultOf c 784 60_000 (testElbo + 1.5) testElbo logPx 0.1 dz 12.345 "fake"
    { Experiment = "sweep-dz"; RunId = $"mnist-dz{dz}-{est}-s{seed}"; Dir = ""; Options = Config.toTrainOptions 784 None c; Result = r
      Command = "dotnet fsi experiments/sweep-dz.fsx"; GitCommit = "0123456789abcdef0123456789abcdef01234567"; Backend = "fake"; SelectedStepSize = false }

[<Tests>]
let tests =
    testList "Tables" [
        test "Runs_frame_is_indexed_by_run_id_with_the_cores_result_columns_typed" {
            let f = Tables.runs [ run Estimator.B 5 1 -110.0 -105.0; run Estimator.A 5 1 -112.0 nan ]
            Expect.equal (List.ofSeq f.RowKeys) [ "mnist-dz5-A-s1"; "mnist-dz5-B-s1" ] "keys: run ids, A before B"
            Expect.equal (f.GetColumn<Estimator> "Estimator" |> Series.values |> List.ofSeq) [ Estimator.A; Estimator.B ] "estimator typed"
            Expect.equal (f.GetColumn<float> "Epochs" |> Series.values |> List.ofSeq) [ 5.0; 5.0 ] "exact epochs"
            let expected =
                [ "Dataset"; "Variant"; "Model"; "Dz"; "L"; "M"; "Optimizer"; "LearningRate"; "Seed"; "Samples"; "TestElbo"; "LogPx"
                  "Experiment"; "Setting"; "Series"; "Budget"; "Command"; "GitCommit" ]
            Expect.containsAll f.ColumnKeys expected "columns"
        }

        test "Markdown_table_has_one_line_per_run_with_its_run_id_and_exact_epochs" {
            let rows = [ run Estimator.B 5 1 -110.256 -105.0; run Estimator.A 5 1 -112.0 nan ]
            let expected =
                "| run id | dataset/variant | Dz | L | estimator | optimizer | lr | seed | epochs | train ELBO | test ELBO | log p(x) | active units | seconds |\n"
                + "| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                + "| mnist-dz5-A-s1 | mnist/dynamic-binarized | 5 | 1 | A | Adagrad | 0.02 | 1 | 5.00 | -110.50 | -112 | - | 5 | 12.35 |\n"
                + "| mnist-dz5-B-s1 | mnist/dynamic-binarized | 5 | 1 | B | Adagrad | 0.02 | 1 | 5.00 | -108.76 | -110.26 | -105 | 5 | 12.35 |\n"
            Expect.equal (Tables.markdown (Tables.summary (Tables.runs rows))) expected "exact markdown"
        }

        test "Fractional_epochs_are_shown_exactly_not_floored" {
            let c = { Config.baseline with TrainSamples = 120_000L }
            // Frey Face-like: 120,000 samples of a 1,765-row training set = 67.99 epochs (an int would say 67).
            let r = { run Estimator.B 2 1 600.0 nan with Result = CoreBackend.resultOf c 560 1765 601.0 600.0 nan nan 2 1.0 "fake" }
            let md = Tables.markdown (Tables.summary (Tables.runs [ r ]))
            Expect.stringContains md "| 67.99 |" "two decimals"
            Expect.equal (Tables.formatCell "epochs" (box 5.0)) "5.00" "5 epochs read 5.00, never 4"
        }

        test "Numbers_are_formatted_for_reading_and_missing_values_show_a_dash" {
            let cases: ((obj | null) * string) list =
                [ box 0.001, "0.001"; box 0.02, "0.02"; box -99.3049, "-99.30"; box 5.0, "5"; box nan, "-"; box 42, "42"
                  box "a|b", "a|b"; box 300000L, "300000" ]
            for (v, s) in cases do
                Expect.equal (Tables.formatValue v) s $"format {v}"
        }

        test "Pipes_inside_cells_are_escaped_so_columns_stay_aligned" {
            let f = Frame.ofRecords [ {| Name = "a|b"; X = 1 |} ]
            Expect.stringContains (Tables.markdown f) "| a\\|b | 1 |" "escaped pipe"
        }

        test "Deedle_pivot_puts_seeds_of_each_setting_under_their_series" {
            let runs = Tables.runs [ for s in 1..3 do
                                         yield run Estimator.A 2 s (-130.0 - float s) nan
                                         yield run Estimator.B 2 s (-128.0 - float s) nan ]
            let p = Tables.pivot "TestElbo" runs
            Expect.equal (p.RowCount, List.ofSeq p.ColumnKeys) (1, [ "A"; "B" ]) "one setting, series A and B"
            let a = p.GetColumn<SeedStats> "A" |> Series.values |> Seq.head
            Expect.equal (a.N, a.Mean) (3, -132.0) "A's 3 seeds"
        }

        test "Method_is_a_series_dimension_next_to_the_estimators" {
            let c = { Config.baseline with Method = Method.WakeSleep; Dz = 2; Seed = 1; TrainSamples = 300_000L }
            let ws = { run Estimator.B 2 1 -140.0 nan with RunId = "mnist-dz2-ws-s1"; Options = Config.toTrainOptions 784 None c }
            let runs = Tables.runs [ run Estimator.A 2 1 -130.0 nan; run Estimator.B 2 1 -128.0 nan; ws ]
            let p = Tables.pivot "TestElbo" runs
            Expect.equal (p.RowCount, List.ofSeq p.ColumnKeys) (1, [ "A"; "B"; "wake-sleep" ]) "one setting, three series"
            let v = Tables.compareOn "TestElbo" "B" "wake-sleep" runs
            Expect.equal (v.GetColumn<float> "B - wake-sleep" |> Series.values |> List.ofSeq) [ 12.0 ] "AEVB (B) against wake-sleep"
        }

        test "Versus_pairs_A_and_B_of_a_setting_over_seeds_and_leaves_out_settings_with_one_estimator" {
            let rows =
                [ for s in 1..3 do
                      yield run Estimator.A 2 s (-130.0 - 0.1 * float s) nan
                      yield run Estimator.B 2 s (-128.5 - 0.1 * float s) nan
                      yield run Estimator.A 20 s (-100.0 + 0.5 * float s) nan
                      yield run Estimator.B 20 s (-100.5 + 0.5 * float s) nan
                  yield run Estimator.B 3 1 -120.0 nan ]
            let v = Tables.versus (Tables.runs rows)
            Expect.equal v.RowCount 2 "Dz=3 has only B: left out"
            Expect.equal (v.GetColumn<int> "Dz" |> Series.values |> List.ofSeq) [ 2; 20 ] "sorted by Dz"
            Expect.equal (v.GetColumn<int> "seeds" |> Series.values |> List.ofSeq) [ 3; 3 ] "3 seeds each"
            let diffs = v.GetColumn<float> "A - B" |> Series.values |> List.ofSeq
            Expect.floatClose Accuracy.high diffs[0] -1.5 "Dz=2: A - B"
            Expect.floatClose Accuracy.high diffs[1] 0.5 "Dz=20: A - B"
            // Equal spreads (sd 0.1 resp. 0.5 on both sides): Dz=2's 1.5 nats exceed it, Dz=20's 0.5 nats do not.
            Expect.equal (v.GetColumn<string> "verdict" |> Series.values |> List.ofSeq) [ "B higher"; "within seed spread" ] "rule"
            let text = Tables.markdown (Tables.format "A" "B" v)
            Expect.stringContains text "| A | B | A − B | exceeds seed spread? |" "readable header"
            Expect.stringContains text "-130.20 ± 0.10 [-130.45, -129.95]" "mean ± sd [95 % interval]"
        }

        test "Provenance_names_budget_seeds_command_and_commit" {
            let f = Tables.runs [ for s in 1..2 -> run Estimator.A 2 s -130.0 nan ]
            Expect.equal (Tables.provenance f)
                "Budget: 300,000 training samples per run, final log p(x) with K=100; seeds 1, 2; made by `dotnet fsi experiments/sweep-dz.fsx` at commit 0123456789."
                "one line"
        }

        test "Frame_written_as_CSV_reads_back_with_every_row_and_column" {
            use tmp = new TempDir()
            let rows = [ for dz in [ 2; 5; 20 ] do for e in [ Estimator.A; Estimator.B ] -> run e dz 1 (-100.0 - float dz) (-95.0 - float dz) ]
            let path = Path.Combine(tmp.Path, "sub", "table.csv")
            Tables.saveCsv path (Tables.runs rows)
            let back = Frame.ReadCsv(path, culture = "")
            Expect.equal back.RowCount 6 "rows"
            Expect.containsAll back.ColumnKeys [ "RunId"; "Dataset"; "Variant"; "Dz"; "L"; "Estimator"; "Optimizer"; "LearningRate"; "Epochs"; "TrainElbo"; "TestElbo"; "LogPx"; "ActiveUnits"; "Seconds" ] "columns"
            Expect.equal (back.GetColumn<float>("TestElbo") |> Series.values |> List.ofSeq) [ -102.0; -102.0; -105.0; -105.0; -120.0; -120.0 ] "values in table order"
            Expect.isEmpty (Directory.GetFiles(Path.Combine(tmp.Path, "sub"), "*.tmp")) "no temp file left"
        }
    ]
