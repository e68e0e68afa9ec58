// Command line and environment -> Settings: shard syntax, precedence (command line > environment), budgets,
// the parallel/threads split, and clear errors for bad input.
module Vae.Experiments.Tests.SettingsTests

open Expecto
open Vae.Experiments

let private parse argv (env: (string * string) list) =
    let m = Map.ofList env
    Settings.parse "results" argv (fun k -> m.TryFind k)

let private message f = try f () |> ignore; "" with e -> e.Message

[<Tests>]
let tests =
    testList "Settings" [
        test "Shard_flag_parses_i_of_n" {
            Expect.equal (parse [ "--shard"; "2/3" ] []).Shard (Some(2, 3)) "--shard 2/3"
        }

        test "Shard_comes_from_VAE_SHARD_when_the_flag_is_absent_and_the_flag_wins_when_both_are_given" {
            Expect.equal (parse [] [ "VAE_SHARD", "1/4" ]).Shard (Some(1, 4)) "env"
            Expect.equal (parse [ "--shard"; "3/4" ] [ "VAE_SHARD", "1/4" ]).Shard (Some(3, 4)) "flag beats env"
        }

        test "Bad_shards_are_rejected_with_the_text_found_and_the_expected_form" {
            for bad in [ "0/3"; "4/3"; "3"; "a/b"; "1/0"; "1/2/3" ] do
                let m = message (fun () -> parse [ "--shard"; bad ] [])
                Expect.stringContains m $"'{bad}'" $"names the bad shard {bad}"
                Expect.stringContains m "expected i/n" "says what was expected"
            Expect.stringContains (message (fun () -> parse [] [ "VAE_SHARD", "5/2" ])) "VAE_SHARD '5/2'" "names the variable"
        }

        test "Budgets_full_quick_and_by_name_default_is_the_standard_one" {
            Expect.equal (parse [ "--full" ] []).Budget Budget.full "--full"
            Expect.equal (parse [ "--quick" ] []).Budget Budget.quick "--quick"
            Expect.equal (parse [] []).Budget Budget.standard "default"
            Expect.equal (parse [ "--budget"; "double" ] []).Budget Budget.doubled "--budget double"
            Expect.equal Budget.doubled.TrainSamples (2L * Budget.standard.TrainSamples) "double is twice the default"
            Expect.equal (parse [] [ "VAE_FULL", "1" ]).Budget Budget.full "VAE_FULL=1"
            Expect.stringContains (message (fun () -> parse [ "--budget"; "huge" ] [])) "--budget 'huge': expected one of quick, default, double, full" "bad name"
            Expect.stringContains (message (fun () -> parse [ "--quick"; "--full" ] [])) "give one budget only" "two budgets"
        }

        test "Parallel_points_share_the_cores_between_them" {
            let cores = System.Environment.ProcessorCount
            let s = parse [ "--parallel"; "1" ] []
            Expect.equal (s.Parallel, s.BlasThreads) (1, cores) "one point gets every core"
            let d = parse [] []
            Expect.equal (d.Parallel, d.BlasThreads) (cores, 1) "default: a point per core, one BLAS thread each"
            let e = parse [ "--parallel"; "3"; "--blas-threads"; "2" ] []
            Expect.equal (e.Parallel, e.BlasThreads) (3, 2) "both given"
        }

        test "Unknown_arguments_and_missing_values_are_errors_that_show_the_options_and_suggest_the_likely_one" {
            let m = message (fun () -> parse [ "--ful" ] [])
            Expect.stringContains m "'--ful'" "names it"
            Expect.stringContains m "Did you mean" "suggests"
            Expect.stringContains m "--full" "the option meant"
            Expect.stringContains m "-- --help lists the options" "says where the options are"
            Expect.stringContains (message (fun () -> parse [ "--parallel" ] [])) "--parallel" "missing value"
            Expect.stringContains (message (fun () -> parse [ "--parallel"; "0" ] [])) "--parallel: 0 is out of range" "zero workers"
            Expect.stringContains (message (fun () -> parse [] [ "VAE_PARALLEL", "0" ])) "VAE_PARALLEL: 0 is out of range" "env"
        }

        test "Help_lists_every_option_with_a_description_and_is_not_an_error" {
            let text =
                try parse [ "--help" ] [] |> ignore; "" with HelpRequested t -> t
            for o in [ "--full"; "--quick"; "--budget"; "--shard"; "--parallel"; "--blas-threads"; "--results"; "--data"; "--dry-run" ] do
                Expect.stringContains text o $"help lists {o}"
            Expect.stringContains text "default: 100,000 samples per point" "states the default budget"
            Expect.equal text Settings.usage "the usage text is the help"
        }

        test "The_CLI_spellings_of_overlapping_options_are_accepted" {
            let s = parse [ "--out"; "/tmp/o"; "--threads"; "2"; "--parallel"; "1"; "--data"; "/d" ] []
            Expect.equal (s.ResultsRoot, s.BlasThreads, s.DataDir) ("/tmp/o", 2, Some "/d") "--out, --threads, --data as vae train spells them"
        }

        test "A_flag_is_never_taken_as_the_value_of_the_option_before_it" {
            // Issue 9: `smoke.fsx --results --dry-run` ran a real sweep into a folder named "./--dry-run".
            let m = message (fun () -> parse [ "--results"; "--dry-run" ] [])
            Expect.stringStarts m "--results: needs a value, found the next option '--dry-run'" "names both"
        }

        test "Bad_settings_are_clear_errors_naming_the_flag_or_variable_table" {
            use tmp = new Fakes.TempDir()
            let file = System.IO.Path.Combine(tmp.Path, "file")
            System.IO.File.WriteAllText(file, "x")
            let fifo = System.IO.Path.Combine(tmp.Path, "fifo")
            (System.Diagnostics.Process.Start("mkfifo", fifo)).WaitForExit()
            let cases =
                [ [ "--results"; "--dry-run" ], [], "--results: needs a value"
                  [ "--data"; "--full" ], [], "--data: needs a value"
                  [ "--shard"; "--dry-run" ], [], "--shard: needs a value"
                  [ "--parallel"; "--full" ], [], "--parallel: needs a value"
                  [ "--blas-threads" ], [], "--blas-threads: needs a value, found the end"
                  [ "--parallel"; "99999999999" ], [], "--parallel: 99999999999 is out of range"
                  [ "--parallel"; "99999999999999999999" ], [], "--parallel: '99999999999999999999' is too large"
                  [ "--parallel"; "-1" ], [], "--parallel: -1 is out of range"
                  [ "--parallel"; "2.5" ], [], "--parallel: '2.5' is not a whole number"
                  [ "--blas-threads"; "abc" ], [], "--blas-threads: 'abc' is not a whole number"
                  [ "--parallel"; "1"; "--parallel"; "2" ], [], "--parallel: is given twice"
                  [ "--full"; "--full" ], [], "--full: is given twice"
                  [ "--out"; "/tmp/a"; "--results"; "/tmp/b" ], [], "--results: is given twice"
                  [ "--results"; file ], [], $"--results: '{file}' is a regular file; expected a folder"
                  [ "--results"; fifo ], [], $"--results: '{fifo}' is a FIFO (named pipe)"
                  [ "--results"; "/dev/null" ], [], "--results: '/dev/null' is a character device"
                  [ "--data"; file ], [], "--data: "
                  [], [ "VAE_PARALLEL", "0" ], "VAE_PARALLEL: 0 is out of range"
                  [], [ "VAE_BLAS_THREADS", "x" ], "VAE_BLAS_THREADS: 'x' is not a whole number"
                  [], [ "VAE_RESULTS", file ], "VAE_RESULTS: "
                  [], [ "VAE_DATA", "/dev/null" ], "VAE_DATA: '/dev/null' is a character device"
                  [], [ "VAE_SHARD", "0/0" ], "VAE_SHARD '0/0'"
                  [ "-x" ], [], "Unrecognized command or argument '-x'"
                  [ "results" ], [], "Unrecognized command or argument 'results'" ]
            let mutable clear = 0
            for (argv, env, expected) in cases do
                let m = message (fun () -> parse argv env)
                Expect.stringContains m expected $"{argv} {env}"
                Expect.isFalse (m.Contains "(Parameter") "no internal parameter name"
                clear <- clear + 1
            printfn "reliability figures (F# settings): %d inputs tried, %d clear errors, 0 crashes, 0 silent wrong results" cases.Length clear
        }

        test "Results_and_data_folders_come_from_flags_or_environment" {
            let s = parse [ "--results"; "/tmp/r" ] [ "VAE_DATA", "/d" ]
            Expect.equal (s.ResultsRoot, s.DataDir) ("/tmp/r", Some "/d") "flag and env"
            Expect.equal (parse [] []).ResultsRoot "results" "default root"
        }
    ]
