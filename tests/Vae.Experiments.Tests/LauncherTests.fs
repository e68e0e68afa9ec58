// The Slurm launcher's pure parts: option parsing (errors name the option), the --array list, the arguments a task
// gets, the sbatch script, and the per-point state from run folders + squeue states (no Slurm needed here; the real
// scheduler is exercised by scripts/suites/slurm.sh).
module Vae.Experiments.Tests.LauncherTests

open System
open System.IO
open Expecto
open Vae.Experiments
open Vae.Experiments.Tests.Fakes

let private throwsWith (needle: string) (f: unit -> 'a) =
    let e = Expect.throwsC (fun () -> f () |> ignore) id
    Expect.stringContains e.Message needle $"error names {needle}"

[<Tests>]
let tests =
    testList "Launcher" [
        test "Launcher_options_are_taken_out_and_the_rest_left_for_settings" {
            let l = Launcher.parse [ "--full"; "--launcher"; "slurm"; "--time=01:30:00"; "--partition"; "cpu"; "--max-parallel"; "4"; "--results"; "r"; "--wait" ]
            Expect.equal l.SettingsArgs [ "--full"; "--results"; "r" ] "settings arguments untouched"
            match l.Mode with
            | Slurm o ->
                Expect.equal (o.Time, o.Partition, o.MaxParallel, o.CpusPerTask, o.Wait) (Some "01:30:00", Some "cpu", Some 4, 1, true) "slurm options"
            | m -> failtest $"expected Slurm, got {m}"
            Expect.equal (Launcher.parse [ "--results"; "r" ]).Mode Local "local is the default"
            Expect.equal (Launcher.parse [ "--point"; "sweep-dz:7" ]).Mode (Point("sweep-dz", 7)) "--point EXP:I"
            Expect.equal (Launcher.parse [ "--status" ]).Mode Status "--status"
        }

        test "Bad_launcher_options_are_errors_naming_the_option" {
            throwsWith "--launcher 'pbs'" (fun () -> Launcher.parse [ "--launcher"; "pbs" ])
            throwsWith "--partition is a Slurm option" (fun () -> Launcher.parse [ "--partition"; "cpu" ])
            throwsWith "--time '90 min'" (fun () -> Launcher.parse [ "--launcher"; "slurm"; "--time"; "90 min" ])
            throwsWith "--mem '4 GB'" (fun () -> Launcher.parse [ "--launcher"; "slurm"; "--mem"; "4 GB" ])
            throwsWith "--cpus-per-task '0'" (fun () -> Launcher.parse [ "--launcher"; "slurm"; "--cpus-per-task"; "0" ])
            throwsWith "--point 'sweep-dz'" (fun () -> Launcher.parse [ "--point"; "sweep-dz" ])
            throwsWith "--max-parallel needs a value" (fun () -> Launcher.parse [ "--launcher"; "slurm"; "--max-parallel" ])
        }

        test "Time_limits_parse_in_every_Slurm_form_and_the_warning_comes_before_the_limit" {
            Expect.equal (List.map Launcher.timeSeconds [ "90"; "05:30"; "01:00:00"; "2-00"; "1-02:03"; "1-00:00:10" ])
                         [ 5400; 330; 3600; 172800; 93780; 86410 ] "seconds"
            for t in [ 60; 600; 3600; 86400 ] do
                let lead = Launcher.warningLead t
                Expect.isTrue (lead > 0 && lead <= t / 2) $"lead {lead} for a {t} s limit"
            Expect.equal (Launcher.warningLead 86400) 600 "at most 10 minutes"
        }

        test "The_array_list_compresses_runs_and_caps_parallel_tasks" {
            Expect.equal (Launcher.arraySpec [ 5; 0; 1; 2; 7; 8 ] None) "0-2,5,7-8" "ranges"
            Expect.equal (Launcher.arraySpec [ 3 ] (Some 2)) "3%2" "cap"
        }

        test "A_task_gets_the_users_settings_without_the_ones_that_split_work" {
            let f = Launcher.forwardArgs [ "--full"; "--parallel"; "2"; "--shard=1/3"; "--dry-run"; "--results"; "r"; "--blas-threads"; "4" ] 2
            Expect.equal f [ "--full"; "--results"; "r"; "--parallel"; "1"; "--blas-threads"; "2" ] "forwarded"
        }

        test "The_batch_script_runs_one_point_per_task_and_forwards_signals" {
            let o = { Partition = Some "cpu"; Time = Some "02:00:00"; CpusPerTask = 2; Mem = Some "4G"; MaxParallel = Some 3; Wait = false }
            let s = Launcher.batchScript o "/r/sweep-dz/slurm" "/repo" [ "dotnet"; "exec"; "fsi.dll"; "/repo/x y.fsx" ] [ "--full" ] "sweep-dz" [ 0; 1; 4 ]
            for line in [ "#SBATCH --array=0-1,4%3"; "#SBATCH --output=/r/sweep-dz/slurm/%A_%a.out"; "#SBATCH --partition=cpu"
                          "#SBATCH --time=02:00:00"; "#SBATCH --cpus-per-task=2"; "#SBATCH --mem=4G"; "#SBATCH --signal=B:USR1@600"
                          "#SBATCH --requeue"; "#SBATCH --chdir=/repo"; "'/repo/x y.fsx' '--full' --point 'sweep-dz':\"$point\" &"
                          "trap 'warned=1; kill -USR1 $child"; "scontrol requeue \"$self\"" ] do
                Expect.stringContains s line "script line"
        }

        test "Point_states_come_from_run_folders_and_squeue" {
            use tmp = new TempDir()
            let s = settingsFor tmp.Path
            let grid = dzGrid |> List.take 5
            let p = Sweep.plan s "e" grid
            let pt i = p.All[i]
            let be = CountingBackend()
            Sweep.run quiet s be.Backend "e" [ grid[0] ] |> ignore // 0: done
            Directory.CreateDirectory (pt 1).Dir |> ignore
            File.WriteAllText(Path.Combine((pt 1).Dir, RunStore.ErrorFile), "boom") // 1: failed
            Directory.CreateDirectory (pt 2).Dir |> ignore
            File.WriteAllText(Path.Combine((pt 2).Dir, Vae.Core.Runs.RunDriver.CheckpointFile), "") // 2: interrupted
            let tasks =
                Map [ 2, { JobId = "7"; Index = 2; State = "CANCELLED"; Reason = "None" }
                      3, { JobId = "7"; Index = 3; State = "PENDING"; Reason = "Resources" } ]
            let st i = fst (Launcher.pointState s "e" tasks (pt i))
            Expect.equal [ st 0; st 1; st 2; st 3; st 4 ] [ "done"; "failed"; "interrupted"; "queued"; "not started" ] "states"
            match Vae.Core.IO.RunLock.TryAcquire (pt 4).Dir with
            | null -> failtest "could not take the lock"
            | held ->
                use _ = held
                Expect.equal (st 4) "running" "a held lock means running"
        }
    ]
