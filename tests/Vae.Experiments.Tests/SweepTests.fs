// The sweep machinery with a stand-in backend: shards partition the grid, a killed or failed sweep resumes
// without lost or duplicated rows, finished points are never re-run, parallel equals sequential, and the
// run folder holds manifest, curve and metrics.
module Vae.Experiments.Tests.SweepTests

open System.IO
open System.Text.Json.Nodes
open Deedle
open Expecto
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

let private ids (runs: FinishedRun list) = runs |> List.map (fun r -> r.RunId) |> List.sort

let private copyDir (src: string) (dst: string) =
    for f in Directory.GetFiles(src, "*", SearchOption.AllDirectories) do
        let target = Path.Combine(dst, Path.GetRelativePath(src, f))
        Directory.CreateDirectory(RunStore.dirOf target) |> ignore
        File.Copy(f, target, true)

[<Tests>]
let tests =
    testList "Sweep" [
        test "Shards_1_to_n_partition_the_grid_exactly_and_evenly" {
            use tmp = new TempDir()
            let all = (Sweep.plan (settingsFor tmp.Path) "x" dzGrid).All |> List.map (fun p -> p.RunId)
            for n in 1..7 do
                let shares =
                    [ for i in 1..n -> (Sweep.plan { settingsFor tmp.Path with Shard = Some(i, n) } "x" dzGrid).Mine |> List.map (fun p -> p.RunId) ]
                let union = shares |> List.concat
                Expect.equal (List.sort union) (List.sort all) $"n={n}: every point in exactly one shard"
                Expect.equal (List.distinct union).Length union.Length $"n={n}: no point in two shards"
                let sizes = shares |> List.map List.length
                Expect.isLessThanOrEqual (List.max sizes - List.min sizes) 1 $"n={n}: sizes {sizes} balanced"
        }

        test "A_killed_sweep_resumes_running_only_unfinished_points_with_no_lost_or_duplicated_rows" {
            use tmp = new TempDir()
            let s = settingsFor tmp.Path
            let plan0 = Sweep.plan s "sweep-dz" dzGrid
            let pts = plan0.All
            // First attempt: got through 6 points, one of which crashed; then the process was killed while
            // point 7 was training (its folder has a manifest and partial files, but no metrics.json).
            let crashed = pts[2].RunId
            let first = CountingBackend(Set.ofList [ crashed ])
            let r1 = Sweep.run quiet s first.Backend "sweep-dz" (dzGrid |> List.take 6)
            Expect.equal (r1.Ran, r1.Failed.Length, r1.Runs.Length) (5, 1, 5) "5 finished, 1 crashed"
            Expect.isFalse (File.Exists(Path.Combine(pts[2].Dir, RunStore.MetricsFile))) "a crashed point has no metrics.json"
            Expect.stringContains (File.ReadAllText(Path.Combine(pts[2].Dir, RunStore.ErrorFile))) "simulated crash" "error.txt says why"
            Directory.CreateDirectory pts[6].Dir |> ignore
            File.WriteAllText(Path.Combine(pts[6].Dir, RunStore.ManifestFile), "{}")
            File.WriteAllText(Path.Combine(pts[6].Dir, "stale-from-killed-run.txt"), "half")
            let finishedBefore =
                pts |> List.filter (fun p -> RunStore.isFinished p.Dir)
                |> List.map (fun p -> p.RunId, File.ReadAllText(Path.Combine(p.Dir, RunStore.MetricsFile)))
            // Second invocation of the whole sweep.
            let second = CountingBackend()
            let r2 = Sweep.run quiet s second.Backend "sweep-dz" dzGrid
            let expectedRerun = pts |> List.filter (fun p -> not (List.exists (fun (id, _) -> id = p.RunId) finishedBefore)) |> List.map (fun p -> p.RunId)
            Expect.equal second.Ran (List.sort expectedRerun) "exactly the unfinished points ran (the crashed, the killed, the never started)"
            Expect.equal (r2.Ran, r2.Skipped, r2.Failed) (7, 5, []) "7 ran, 5 reused"
            Expect.equal (ids r2.Runs) (pts |> List.map (fun p -> p.RunId) |> List.sort) "one row per point, none lost, none twice"
            Expect.isFalse (File.Exists(Path.Combine(pts[6].Dir, "stale-from-killed-run.txt"))) "the killed point's stale files were cleared"
            for (id, text) in finishedBefore do
                let p = pts |> List.find (fun p -> p.RunId = id)
                Expect.equal (File.ReadAllText(Path.Combine(p.Dir, RunStore.MetricsFile))) text $"{id} was not rewritten"
            // Third invocation: nothing left to do.
            let third = CountingBackend()
            let r3 = Sweep.run quiet s third.Backend "sweep-dz" dzGrid
            Expect.equal (third.Calls, r3.Runs.Length) (0, 12) "a finished sweep reuses every result"
        }

        test "Shards_run_on_separate_machines_merge_into_one_table_without_duplicates" {
            use merged = new TempDir()
            for i in 1..3 do
                use machine = new TempDir()
                let r = Sweep.run quiet { settingsFor machine.Path with Shard = Some(i, 3) } (CountingBackend().Backend) "sweep-dz" dzGrid
                Expect.equal r.Runs.Length 4 $"shard {i}/3 ran its 4 points"
                copyDir machine.Path merged.Path
            let again = CountingBackend()
            let r = Sweep.run quiet (settingsFor merged.Path) again.Backend "sweep-dz" dzGrid
            Expect.equal (again.Calls, r.Runs.Length, (List.distinct (ids r.Runs)).Length) (0, 12, 12) "merged: 12 rows, nothing re-run"
        }

        test "Parallel_points_give_the_same_rows_as_sequential_and_run_each_point_once" {
            use a = new TempDir()
            use b = new TempDir()
            let seqB = CountingBackend()
            let parB = CountingBackend()
            let rs = Sweep.run quiet (settingsFor a.Path) seqB.Backend "e" dzGrid
            let rp = Sweep.run quiet { settingsFor b.Path with Parallel = 4 } parB.Backend "e" dzGrid
            Expect.equal parB.Calls 12 "each point once"
            let key (r: FinishedRun) = r.RunId, r.Result.TestElbo, r.Result.TrainElbo, r.Result.LogPx, r.Result.Epochs
            Expect.equal (rp.Runs |> List.map key |> List.sort) (rs.Runs |> List.map key |> List.sort) "same runs"
        }

        test "Duplicate_grid_entries_run_once" {
            use tmp = new TempDir()
            let be = CountingBackend()
            let r = Sweep.run quiet (settingsFor tmp.Path) be.Backend "e" (dzGrid @ dzGrid)
            Expect.equal (be.Calls, r.Runs.Length) (12, 12) "24 entries, 12 configs"
        }

        test "A_run_without_log_px_is_reported_as_not_computed_never_as_NaN" {
            use tmp = new TempDir()
            let inner = CountingBackend().Backend
            let noLogPx =
                { inner with
                    Run = fun ctx c ->
                        inner.Run ctx c |> ignore
                        CoreBackend.resultOf c 784 250 -120.0 -121.0 nan 0.1 5 0.04 "fake" }
            let lines = System.Collections.Generic.List<string>()
            Sweep.run lines.Add (settingsFor tmp.Path) noLogPx "e" [ dzGrid[0] ] |> ignore
            let text = String.concat "\n" lines
            Expect.stringContains text "log p(x) not computed (K = 0)" "the progress line says so"
            Expect.isFalse (text.Contains "NaN") "no NaN printed"
        }

        test "Dry_run_prints_the_plan_and_trains_nothing" {
            use tmp = new TempDir()
            let be = CountingBackend()
            let lines = System.Collections.Generic.List<string>()
            let r = Sweep.run lines.Add { settingsFor tmp.Path with DryRun = true } be.Backend "sweep-dz" dzGrid
            Expect.equal (be.Calls, r.Runs.Length) (0, 0) "nothing ran"
            let text = String.concat "\n" lines
            Expect.stringContains text "12 points; 0 finished (skipped), 12 to run" "plan header"
            Expect.stringContains text ("[todo] " + Config.runId dzGrid[0]) "each point listed"
        }

        test "A_run_folder_holds_manifest_curve_and_metrics_with_the_config_and_provenance" {
            use tmp = new TempDir()
            let c = dzGrid[3]
            let r = Sweep.run quiet (settingsFor tmp.Path) (CountingBackend().Backend) "e" [ c ]
            let dir = RunStore.runDir tmp.Path "e" (Config.runId c)
            Expect.isTrue (File.Exists(Path.Combine(dir, RunStore.ManifestFile))) "manifest.json"
            let m = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, RunStore.PointFile)))
            let rec get (n: JsonNode | null) (path: string list) : JsonNode =
                match n, path with
                | null, _ -> failwith $"manifest lacks {path}"
                | n, [] -> n
                | n, k :: rest -> get (n[k]) rest
            let str path = (get m path).GetValue<string>()
            Expect.equal (str [ "canonical" ]) (Config.canonical c) "canonical config"
            Expect.equal (str [ "config"; "dz" ]) (string c.Dz) "config fields"
            Expect.stringContains (str [ "command" ]) "Vae.Experiments.Tests" "the command that made it"
            let run = r.Runs.Head
            Expect.equal run.Options.Model.Dz c.Dz "the manifest's options are the core's TrainOptions"
            // The step-size selection is the manifest's record (a run's options hold the step it trained with).
            Expect.equal (Config.ofTrainOptions run.Options) { c with SelectStepSize = false } "and map back onto the config"
            Expect.isTrue (run.GitCommit.Length = 40 || run.GitCommit = Vae.Core.IO.GitCommit.Unknown) "commit by the core's GitCommit"
            let curve = RunStore.curve dir
            Expect.equal (curve.GetColumn<float> "test_elbo" |> Series.values |> List.ofSeq) (fakeCurve c |> List.map (fun p -> p.TestElbo)) "curve round-trips through curve.csv"
            let x = run.Result
            Expect.equal (x.TestElbo, x.LogPx, x.ActiveUnits, x.Epochs) ((fakeResult c).TestElbo, (fakeResult c).LogPx, (fakeResult c).ActiveUnits, 4.0) "metrics round-trip"
            Expect.equal (run.Experiment, run.RunId, x.Dz, x.Estimator, x.Optimizer) ("e", Config.runId c, c.Dz, Estimator.B, Optimizer.Adagrad) "settings typed as the core's enums"
        }

        test "A_backend_that_owns_its_folder_finds_what_a_killed_attempt_left_and_nothing_is_cleared" {
            use tmp = new TempDir()
            let c = dzGrid[0]
            let dir = RunStore.runDir tmp.Path "e" (Config.runId c)
            Directory.CreateDirectory dir |> ignore
            File.WriteAllText(Path.Combine(dir, "checkpoint.ckpt"), "state of the killed attempt")
            let mutable sawCheckpoint = false
            let owner =
                { Name = "owner"; Describe = (fun _ -> "x"); OwnsFolder = true
                  Run = fun ctx c ->
                            sawCheckpoint <- File.Exists(Path.Combine(ctx.Dir, "checkpoint.ckpt"))
                            let out = fakeResult c
                            RunStore.writeManifest ctx.Dir "owner" "x" (Config.toTrainOptions 784 None c)
                            RunStore.writeMetrics ctx.Dir out
                            out }
            let r = Sweep.run quiet (settingsFor tmp.Path) owner "e" [ c ]
            Expect.isTrue sawCheckpoint "the checkpoint was left for the backend to resume from"
            Expect.equal r.Runs.Length 1 "finished"
            Expect.isTrue (File.Exists(Path.Combine(dir, RunStore.PointFile))) "point.json written"
        }

        test "A_backend_that_owns_its_folder_but_writes_no_metrics_is_a_failed_point" {
            use tmp = new TempDir()
            let lazyOwner = { Name = "lazy"; Describe = (fun _ -> "x"); OwnsFolder = true; Run = fun _ c -> fakeResult c }
            let r = Sweep.run quiet (settingsFor tmp.Path) lazyOwner "e" [ dzGrid[0] ]
            Expect.equal (r.Runs.Length, r.Failed.Length) (0, 1) "no metrics.json, no row"
            Expect.stringContains (snd r.Failed.Head) "without writing metrics.json" "says why"
        }

        test "Missing_numbers_are_stored_as_NaN_and_read_back_as_NaN" {
            use tmp = new TempDir()
            let noEval =
                { Name = "fake"; Describe = (fun _ -> "x"); OwnsFolder = false
                  Run = fun _ c -> CoreBackend.resultOf c 784 250 -1.0 -2.0 nan nan 3 0.1 "x" }
            let r = Sweep.run quiet (settingsFor tmp.Path) noEval "e" [ dzGrid[0] ]
            Expect.isTrue (System.Double.IsNaN r.Runs.Head.Result.LogPx) "NaN survives the JSON round trip"
        }

        test "The_recorded_command_names_the_script_and_its_options_but_no_folder" {
            Expect.equal (RunStore.commandOf [ "/usr/lib/dotnet/sdk/fsi.dll"; "/home/u/repo/experiments/sweep-dz.fsx"; "--seeds"; "3"; "--results"; "/tmp/r"; "--data"; "/d" ])
                "dotnet fsi experiments/sweep-dz.fsx --seeds 3" "script form"
            Expect.equal (RunStore.commandOf [ "train"; "--dataset"; "mnist"; "--out"; "/x/y" ]) "train --dataset mnist" "program form"
        }

        test "Seeds_setting_replicates_every_point_and_a_later_run_with_more_seeds_reuses_the_first" {
            use tmp = new TempDir()
            let grid = dzGrid |> List.take 2
            let s = { settingsFor tmp.Path with Seeds = Some 2 }
            let r = Sweep.run quiet s (CountingBackend().Backend) "e" grid
            Expect.equal (r.Runs |> List.map (fun x -> x.Result.Dz, x.Result.Estimator, x.Result.Seed) |> List.sort)
                [ for est in [ Estimator.A; Estimator.B ] do for seed in [ 1UL; 2UL ] -> 2, est, seed ] "2 points x seeds 1, 2"
            let more = CountingBackend()
            let r3 = Sweep.run quiet { s with Seeds = Some 3 } more.Backend "e" grid
            Expect.equal (more.Calls, r3.Skipped, r3.Runs.Length) (2, 4, 6) "only seed 3 ran"
        }
    ]
