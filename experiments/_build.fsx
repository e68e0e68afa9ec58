// Builds what the scripts load: the experiment layer (and the core under it) with `dotnet build -c Release`, whenever
// its dll is missing or any input (core/Vae.Core, experiments/Vae.Experiments, Directory.*.props) is newer than the last
// build, so a fresh clone just works and a script never runs a stale build after a core change.
// Every script's FIRST line is `#load "_build.fsx";;` - the `;;` makes fsi run this file before it compiles the next
// lines, whose #r paths (in _common.fsx) are resolved at compile time. Must not: reference the built assemblies.
module Build

open System
open System.Diagnostics
open System.IO
open System.Threading

let private repo = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))
let private project = Path.Combine(repo, "experiments", "Vae.Experiments", "Vae.Experiments.fsproj")
let private outDir = Path.Combine(repo, "artifacts", "bin", "Vae.Experiments", "release")
let private dll = Path.Combine(outDir, "Vae.Experiments.dll")
let private stamp = Path.Combine(outDir, ".fsi-build-stamp")

/// The command that builds what the scripts load (printed when the automatic build fails).
let command = "dotnet build experiments/Vae.Experiments -c Release"

/// Source and project files the experiment layer is built from (bin/ and obj/ excluded).
let inputs () =
    let code (f: string) =
        let sep = string Path.DirectorySeparatorChar
        [ ".cs"; ".fs"; ".csproj"; ".fsproj"; ".props"; ".targets" ] |> List.contains (Path.GetExtension f)
        && not (f.Contains(sep + "bin" + sep) || f.Contains(sep + "obj" + sep))
    [ for dir in [ "core/Vae.Core"; "experiments/Vae.Experiments" ] do
          yield! Directory.EnumerateFiles(Path.Combine(repo, dir), "*", SearchOption.AllDirectories) |> Seq.filter code
      for f in [ "Directory.Build.props"; "Directory.Packages.props" ] do
          let p = Path.Combine(repo, f)
          if File.Exists p then yield p ]

/// Why a build is needed, or None when the last build is newer than every input.
let staleReason () =
    if not (File.Exists dll) then Some "Vae.Experiments.dll is missing"
    else
        let built = max (File.GetLastWriteTimeUtc dll) (if File.Exists stamp then File.GetLastWriteTimeUtc stamp else DateTime.MinValue)
        inputs ()
        |> List.tryFind (fun f -> File.GetLastWriteTimeUtc f > built)
        |> Option.map (fun f -> $"{Path.GetRelativePath(repo, f)} changed after the last build")

/// Builds when stale; one build at a time across processes (a lock file), quiet unless it fails. Raises on failure,
/// naming the command to run by hand.
let ensure () =
    match staleReason () with
    | None -> ()
    | Some _ ->
        Directory.CreateDirectory outDir |> ignore
        let lockPath = Path.Combine(repo, "artifacts", ".fsi-build.lock")
        let rec acquire tries =
            try new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
            with :? IOException when tries > 0 -> Thread.Sleep 500; acquire (tries - 1)
        use _lock = acquire 1200 // another script may be building: wait up to 10 minutes
        match staleReason () with // it may have built what we need meanwhile
        | None -> ()
        | Some why ->
            eprintfn "building the experiment layer (%s): %s" why command
            let psi = ProcessStartInfo("dotnet", $"build \"{project}\" -c Release -nologo -v q", RedirectStandardOutput = true,
                                       RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = repo)
            use p = Process.Start psi
            let err = p.StandardError.ReadToEndAsync()
            let out = p.StandardOutput.ReadToEnd()
            p.WaitForExit()
            if p.ExitCode <> 0 || not (File.Exists dll) then
                eprintfn "%s%s" out err.Result
                failwith $"building the experiment layer failed (exit {p.ExitCode}); fix the errors above, or run: {command}"
            File.WriteAllText(stamp, DateTime.UtcNow.ToString "o")

ensure ()
