// Tables: the markdown layout (exact text), number formatting, the A-vs-B pairing, and CSV through Deedle.
module Vae.Experiments.Tests.TablesTests

open System.IO
open Expecto
open Deedle
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

let row est dz testElbo logPx =
    { Experiment = "sweep-dz"; RunId = $"mnist-dz{dz}-{est}"; Dataset = "mnist"; Variant = "dynamic"; Likelihood = "bernoulli"
      Hidden = "500"; Dz = dz; L = 1; Estimator = est; Optimizer = "adagrad"; LearningRate = 0.02; BatchSize = 100
      Seed = 1; TrainSamples = 300000L; Epochs = 5.0; TrainElbo = testElbo + 1.5; TestElbo = testElbo; LogPx = logPx
      LogPxStdErr = 0.1; ActiveUnits = dz; Seconds = 12.345; Backend = "fake" }

[<Tests>]
let tests =
    testList "Tables" [
        test "Markdown_table_has_one_line_per_configuration_in_a_stable_order_with_numbers_right_aligned" {
            let rows = [ row "B" 5 -110.256 -105.0; row "A" 5 -112.0 nan ]
            let expected =
                "| dataset/variant | Dz | L | estimator | optimizer | lr | epochs | train ELBO | test ELBO | log p(x) | active units | seconds |\n"
                + "| --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                + "| mnist/dynamic | 5 | 1 | A | adagrad | 0.02 | 5 | -110.50 | -112 | - | 5 | 12.35 |\n"
                + "| mnist/dynamic | 5 | 1 | B | adagrad | 0.02 | 5 | -108.76 | -110.26 | -105 | 5 | 12.35 |\n"
            Expect.equal (Tables.markdownTable rows) expected "exact markdown"
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

        test "Versus_pairs_A_and_B_of_the_same_configuration_and_reports_B_minus_A" {
            let rows = [ row "A" 2 -130.0 nan; row "B" 2 -128.5 nan; row "A" 20 -100.0 nan; row "B" 20 -101.0 nan; row "B" 3 -120.0 nan ]
            let v = Tables.versus rows
            Expect.equal v.RowCount 2 "Dz=3 has only B: left out"
            Expect.equal (v.GetColumn<int>("Dz") |> Series.values |> List.ofSeq) [ 2; 20 ] "sorted by Dz"
            Expect.equal (v.GetColumn<float>("B - A") |> Series.values |> List.ofSeq) [ 1.5; -1.0 ] "B - A"
        }

        test "Frame_written_as_CSV_reads_back_with_every_row_and_column" {
            use tmp = new TempDir()
            let rows = [ for dz in [ 2; 5; 20 ] do for e in [ "A"; "B" ] -> row e dz (-100.0 - float dz) (-95.0 - float dz) ]
            let path = Path.Combine(tmp.Path, "sub", "table.csv")
            Tables.saveCsv path (Tables.toFrame rows)
            let back = Frame.ReadCsv(path, culture = "")
            Expect.equal back.RowCount 6 "rows"
            Expect.containsAll back.ColumnKeys [ "RunId"; "Dataset"; "Variant"; "Dz"; "L"; "Estimator"; "Optimizer"; "LearningRate"; "Epochs"; "TrainElbo"; "TestElbo"; "LogPx"; "ActiveUnits"; "Seconds" ] "columns"
            Expect.equal (back.GetColumn<float>("TestElbo") |> Series.values |> List.ofSeq) [ -102.0; -102.0; -105.0; -105.0; -120.0; -120.0 ] "values in table order"
            Expect.isEmpty (Directory.GetFiles(Path.Combine(tmp.Path, "sub"), "*.tmp")) "no temp file left"
        }
    ]
