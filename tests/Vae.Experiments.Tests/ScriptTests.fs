// The scripts' own references: package versions in `#r "nuget: ..."` lines must equal Directory.Packages.props
// (the one place versions live), and every experiment script goes through _build.fsx;; then _common.fsx.
module Vae.Experiments.Tests.ScriptTests

open System.IO
open System.Text.RegularExpressions
open System.Xml.Linq
open Expecto

/// The repository root: the first folder above the test binary holding Vae.Research.sln.
let repoRoot =
    let rec up (d: DirectoryInfo | null) =
        match d with
        | null -> failwith $"Vae.Research.sln not found above {System.AppContext.BaseDirectory}"
        | d when File.Exists(Path.Combine(d.FullName, "Vae.Research.sln")) -> d.FullName
        | d -> up d.Parent
    up (DirectoryInfo System.AppContext.BaseDirectory)

let scripts () = Directory.GetFiles(Path.Combine(repoRoot, "experiments"), "*.fsx") |> Array.sort |> List.ofArray

[<Tests>]
let tests =
    testList "Scripts" [
        test "Nuget_versions_in_scripts_match_Directory_Packages_props" {
            let props = XDocument.Load(Path.Combine(repoRoot, "Directory.Packages.props"))
            let central =
                props.Descendants(XName.Get "PackageVersion")
                |> Seq.map (fun e ->
                    let attr (n: string) =
                        match e.Attribute(XName.Get n) with
                        | null -> failwith $"Directory.Packages.props: a PackageVersion lacks {n}: {e}"
                        | a -> a.Value
                    attr "Include", attr "Version")
                |> Map.ofSeq
            let refs =
                [ for s in scripts () do
                      for m in Regex.Matches(File.ReadAllText s, "#r \"nuget:\\s*([^,\"]+),\\s*([^\"]+)\"") ->
                          Path.GetFileName s, m.Groups[1].Value.Trim(), m.Groups[2].Value.Trim() ]
            Expect.isNonEmpty refs "the scripts reference packages"
            for (file, name, version) in refs do
                Expect.equal (central.TryFind name) (Some version) $"{file}: {name} {version} vs Directory.Packages.props"
        }

        test "Every_experiment_script_loads_common_and_none_defines_a_model" {
            let others = scripts () |> List.filter (fun s -> not (List.contains (Path.GetFileName s) [ "_common.fsx"; "_build.fsx" ]))
            Expect.isGreaterThanOrEqual others.Length 7 "sweep-dz, sweep-samples, sweep-lr, sweep-dataset, estimators, report, smoke"
            for s in others do
                let text = File.ReadAllText s
                Expect.stringContains text "#load \"_common.fsx\"" $"{Path.GetFileName s} loads _common.fsx"
                // _build.fsx must run (";;") before fsi resolves _common.fsx's #r paths, so it comes first.
                let build = text.IndexOf "#load \"_build.fsx\";;"
                Expect.isTrue (build >= 0 && build < text.IndexOf "#load \"_common.fsx\"") $"{Path.GetFileName s} loads _build.fsx;; before _common.fsx"
                Expect.isFalse (Regex.IsMatch(text, @"\b(tanh|Sgemm|exp\s*\()")) $"{Path.GetFileName s} contains model maths"
        }
    ]
