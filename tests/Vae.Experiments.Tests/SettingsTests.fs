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

        test "Unknown_arguments_and_missing_values_are_errors_that_show_the_options" {
            let m = message (fun () -> parse [ "--fast" ] [])
            Expect.stringContains m "unknown argument '--fast'" "names it"
            Expect.stringContains m "--shard i/n" "lists the options"
            Expect.stringContains (message (fun () -> parse [ "--parallel" ] [])) "--parallel needs a value" "missing value"
            Expect.stringContains (message (fun () -> parse [ "--parallel"; "0" ] [])) "--parallel '0'" "zero workers"
        }

        test "Results_and_data_folders_come_from_flags_or_environment" {
            let s = parse [ "--results"; "/tmp/r" ] [ "VAE_DATA", "/d" ]
            Expect.equal (s.ResultsRoot, s.DataDir) ("/tmp/r", Some "/d") "flag and env"
            Expect.equal (parse [] []).ResultsRoot "results" "default root"
        }
    ]
