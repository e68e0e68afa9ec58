// Execution settings of a script run (folders, shard, parallelism, budget), parsed from the script's command line with
// System.CommandLine (the CLI's library: help, typo suggestions, the same option names and messages where they overlap)
// and from the environment. Command line beats environment beats defaults. Bad input raises; nothing here exits.
// Must not: touch configs' identity: nothing here may change a run's numbers or its run id.
namespace Vae.Experiments

open System
open System.CommandLine
open System.CommandLine.Invocation
open System.IO

/// How a sweep is executed; none of it enters a run id.
type Settings =
    { /// Folder holding results/<experiment>/<run-id>/.
      ResultsRoot: string
      /// Data root handed to the core (--data > VAE_DATA > the core's default).
      DataDir: string option
      /// Run only points k with k % n = i - 1 (1-based i of n), so machines can split a sweep.
      Shard: (int * int) option
      /// Points trained at the same time.
      Parallel: int
      /// BLAS threads inside each point.
      BlasThreads: int
      Budget: Budget
      /// Seeds 1..N of every point (--seeds N); None: the script's grid decides (sweep-dz: 3).
      Seeds: int option
      /// Print the plan and stop.
      DryRun: bool }

/// A script was asked for --help: the text to print (not an error; a script prints it and stops).
exception HelpRequested of Text: string

module Settings =
    /// Parses "i/n" (1 <= i <= n) with an error naming where it came from and what was found.
    let parseShard (source: string) (s: string) =
        let bad () =
            raise (ArgumentException $"{source} '{s}': expected i/n with 1 <= i <= n, e.g. 2/4")
        match s.Split('/') with
        | [| a; b |] ->
            match Int32.TryParse(a.Trim()), Int32.TryParse(b.Trim()) with
            | (true, i), (true, n) when n >= 1 && i >= 1 && i <= n -> (i, n)
            | _ -> bad ()
        | _ -> bad ()

    /// An environment value that must be a whole number >= 1 (command-line values are checked by their option).
    let private positive (source: string) (s: string) =
        match Int32.TryParse s with
        | true, v when v >= 1 -> v
        | _ -> raise (ArgumentException $"{source}: expected a whole number >= 1, found '{s}'")

    type private Parser =
        { Root: Command
          Full: Option<bool>
          Shard: Option<string>
          Parallel: Option<int>
          BlasThreads: Option<int>
          Results: Option<string>
          Data: Option<string>
          Seeds: Option<int>
          DryRun: Option<bool> }

    let private atLeastOne (o: Option<int>) =
        o.Validators.Add(fun r ->
            match (try Some(r.GetValueOrDefault<int>()) with :? InvalidOperationException -> None) with
            | Some v when v < 1 -> r.AddError $"{o.Name}: expected at least 1, found {v}"
            | _ -> ())
        o

    let private parser () =
        let full = Option<bool>("--full", Description = "The paper's budget: 10^8 training samples per point, final log p(x) with K=5000 on the whole test set; default: a quick budget (120,000 samples per point, K=100 on the first 1,000 test points). Env VAE_FULL=1.")
        let shard = Option<string>("--shard", Description = "Run only every n-th point of the grid, starting at the i-th (1 <= i <= n); default: all points. Env VAE_SHARD.", HelpName = "i/n")
        shard.Validators.Add(fun r ->
            try parseShard "--shard" (r.GetValueOrDefault<string>()) |> ignore with :? ArgumentException as e -> r.AddError e.Message)
        let par = Option<int>("--parallel", Description = "Points trained at once (points); default: one per core, or cores / --blas-threads. Env VAE_PARALLEL.", HelpName = "N") |> atLeastOne
        let threads = Option<int>("--blas-threads", [| "--threads" |], Description = "BLAS threads per point (threads); default: cores / --parallel, else 1. Env VAE_BLAS_THREADS.", HelpName = "N") |> atLeastOne
        let results = Option<string>("--results", [| "--out" |], Description = "Results root: results/<experiment>/<run-id>/ go under it; default: results/ in the repository. Env VAE_RESULTS.", HelpName = "DIR")
        let data = Option<string>("--data", Description = "Data root; default: $VAE_DATA, else data/ in the repository.", HelpName = "DIR")
        let seeds = Option<int>("--seeds", Description = "Run every point with seeds 1..N (seeds); default: the script's (3 for sweep-dz and estimators, else 1). Env VAE_SEEDS.", HelpName = "N") |> atLeastOne
        let dry = Option<bool>("--dry-run", Description = "Print the plan (points, budget, folders) and stop.")
        // A plain Command as the root: its name is what the usage line shows (fsi itself answers a bare --help).
        let root = Command("experiments/<script>.fsx", "Options of every experiment script: dotnet fsi experiments/<script>.fsx [options] (before --help put --, which fsi would answer itself); bad input exits 2.")
        for o in [ full :> Option; shard; par; threads; seeds; results; data; dry; Help.HelpOption() ] do root.Options.Add o
        { Root = root; Full = full; Shard = shard; Parallel = par; BlasThreads = threads; Results = results; Data = data; Seeds = seeds; DryRun = dry }

    let private invoke (r: ParseResult) =
        use w = new StringWriter()
        r.Invoke(InvocationConfiguration(Output = w, Error = w)) |> ignore
        w.ToString().TrimEnd()

    /// The options with their descriptions and defaults, as --help prints them.
    let usage = invoke ((parser ()).Root.Parse [| "--help" |])

    /// Settings from script arguments and an environment lookup (pass Environment.GetEnvironmentVariable wrapped in
    /// Option in scripts; a map in tests). Bad arguments raise ArgumentException with System.CommandLine's message and
    /// typo suggestion plus the options; --help raises HelpRequested.
    let parse (defaultResultsRoot: string) (argv: string list) (env: string -> string option) =
        let p = parser ()
        let r = p.Root.Parse(Array.ofList argv)
        match r.Action with
        | :? ParseErrorAction as e ->
            e.ShowHelp <- false
            raise (ArgumentException $"{invoke r}\n(dotnet fsi experiments/<script>.fsx -- --help lists the options)")
        | :? Help.HelpAction -> raise (HelpRequested usage)
        | _ -> ()
        let cores = Environment.ProcessorCount
        let envNonEmpty k = env k |> Option.filter (String.IsNullOrWhiteSpace >> not)
        let flag (o: Option<bool>) = match r.GetResult o with null -> false | res -> res.GetValueOrDefault<bool>()
        let pickInt (o: Option<int>) envName =
            match r.GetResult o with
            | null -> envNonEmpty envName |> Option.map (positive envName)
            | res -> Some(res.GetValueOrDefault<int>())
        let pickText (o: Option<string>) envName =
            match r.GetResult o with
            | null -> envNonEmpty envName |> Option.map (fun v -> envName, v)
            | res -> Some(o.Name, res.GetValueOrDefault<string>())
        let full = flag p.Full || (envNonEmpty "VAE_FULL" |> Option.exists (fun v -> v = "1" || v = "true"))
        let par, threads =
            match pickInt p.Parallel "VAE_PARALLEL", pickInt p.BlasThreads "VAE_BLAS_THREADS" with
            | Some p, Some t -> p, t
            | Some p, None -> p, max 1 (cores / p)
            | None, Some t -> max 1 (cores / t), t
            | None, None -> cores, 1 // one BLAS thread per point: see the measurement in the README
        { ResultsRoot = pickText p.Results "VAE_RESULTS" |> Option.map snd |> Option.defaultValue defaultResultsRoot
          DataDir = pickText p.Data "VAE_DATA" |> Option.map snd
          Shard = pickText p.Shard "VAE_SHARD" |> Option.map (fun (s, v) -> parseShard s v)
          Parallel = par
          BlasThreads = threads
          Budget = if full then Budget.full else Budget.quick
          Seeds = pickInt p.Seeds "VAE_SEEDS"
          DryRun = flag p.DryRun }

    /// Settings from the real command line and environment (what the scripts call).
    let fromCommandLine (defaultResultsRoot: string) (argv: string seq) =
        parse defaultResultsRoot (List.ofSeq argv) (fun k -> Environment.GetEnvironmentVariable k |> Option.ofObj)
