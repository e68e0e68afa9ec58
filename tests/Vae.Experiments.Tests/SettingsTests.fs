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

        test "Full_flag_selects_the_papers_budget_and_default_is_quick" {
            Expect.equal (parse [ "--full" ] []).Budget Budget.full "--full"
            Expect.equal (parse [] []).Budget Budget.quick "default"
            Expect.equal (parse [] [ "VAE_FULL", "1" ]).Budget Budget.full "VAE_FULL=1"
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
            Expect.stringContains (message (fun () -> parse [ "--parallel"; "0" ] [])) "--parallel: expected at least 1, found 0" "zero workers"
            Expect.stringContains (message (fun () -> parse [] [ "VAE_PARALLEL", "0" ])) "VAE_PARALLEL: expected a whole number >= 1, found '0'" "env"
        }

        test "Help_lists_every_option_with_a_description_and_is_not_an_error" {
            let text =
                try parse [ "--help" ] [] |> ignore; "" with HelpRequested t -> t
            for o in [ "--full"; "--shard"; "--parallel"; "--blas-threads"; "--results"; "--data"; "--dry-run" ] do
                Expect.stringContains text o $"help lists {o}"
            Expect.stringContains text "default: a quick budget" "states the default budget"
            Expect.equal text Settings.usage "the usage text is the help"
        }

        test "The_CLI_spellings_of_overlapping_options_are_accepted" {
            let s = parse [ "--out"; "/tmp/o"; "--threads"; "2"; "--parallel"; "1"; "--data"; "/d" ] []
            Expect.equal (s.ResultsRoot, s.BlasThreads, s.DataDir) ("/tmp/o", 2, Some "/d") "--out, --threads, --data as vae train spells them"
        }

        test "Results_and_data_folders_come_from_flags_or_environment" {
            let s = parse [ "--results"; "/tmp/r" ] [ "VAE_DATA", "/d" ]
            Expect.equal (s.ResultsRoot, s.DataDir) ("/tmp/r", Some "/d") "flag and env"
            Expect.equal (parse [] []).ResultsRoot "results" "default root"
        }
    ]
