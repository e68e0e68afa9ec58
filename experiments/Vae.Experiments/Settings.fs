// Execution settings of a script run (folders, shard, parallelism, budget), parsed from the script's command line with
// System.CommandLine (the CLI's library: help, typo suggestions, the same option names where they overlap), values
// checked by the core's validation layer (Vae.Core.Inputs), and from the environment. Command line beats environment
// beats defaults. Bad input raises an InputException; nothing here exits.
// Must not: touch configs' identity: nothing here may change a run's numbers or its run id.
namespace Vae.Experiments

open System
open System.CommandLine
open System.CommandLine.Invocation
open System.IO
open Vae.Core.Inputs

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
            raise (InputException(source, $"{source} '{s}': expected i/n with 1 <= i <= n, e.g. 2/4"))
        match s.Split('/') with
        | [| a; b |] ->
            match Int32.TryParse(a.Trim()), Int32.TryParse(b.Trim()) with
            | (true, i), (true, n) when n >= 1 && i >= 1 && i <= n -> (i, n)
            | _ -> bad ()
        | _ -> bad ()

    /// Whole numbers through the core's validation layer, named as the user gave them (flag or variable).
    let private positive (source: string) (s: string) = Input.ParseInt(source, s, OptionLimits.Parallel)

    /// Folders through the core's validation layer: an existing FIFO, device or file is refused, a missing folder is fine.
    let private folder (source: string) (s: string) = FileKinds.RequireFolderOrMissing(source, s)

    /// A budget by its name (--budget NAME), with an error listing the names.
    let private budgetNamed (source: string) (s: string) =
        match Budget.all |> List.tryFind (fun b -> b.Name = s) with
        | Some b -> b
        | None ->
            let names = Budget.all |> List.map (fun b -> b.Name) |> String.concat ", "
            raise (InputException(source, $"{source} '{s}': expected one of {names}"))

    type private Parser =
        { Root: Command
          Full: Option<bool>
          Quick: Option<bool>
          Budget: Option<Budget>
          Shard: Option<int * int>
          Parallel: Option<int>
          BlasThreads: Option<int>
          Results: Option<string>
          Data: Option<string>
          Seeds: Option<int>
          DryRun: Option<bool> }

    /// An option whose text is parsed (and checked) by `check`, which raises the core's InputException.
    let private checkedBy (check: string -> string -> 'T) (o: Option<'T>) =
        o.CustomParser <-
            Func<Parsing.ArgumentResult, 'T>(fun r ->
                try check o.Name (if r.Tokens.Count > 0 then r.Tokens[r.Tokens.Count - 1].Value else "")
                with :? InputException as e ->
                    r.AddError e.Message
                    Unchecked.defaultof<'T>)
        o

    let private parser () =
        let full = Option<bool>("--full", Description = $"The paper's budget: 10^8 training samples per point, final log p(x) with K=5000 on the whole test set; default: {Budget.standard.TrainSamples:N0} samples per point, K={Budget.standard.EvalK} on the first {Budget.standard.EvalPoints:N0} test points. Env VAE_FULL=1.")
        let quick = Option<bool>("--quick", Description = "Smoke-run budget: 30,000 samples per point, K=20 on the first 200 test points (its numbers are not results).")
        let budget = Option<Budget>("--budget", Description = "Budget by name: quick | default | double (twice the default's samples) | full; --quick / --full are short for it.", HelpName = "NAME") |> checkedBy budgetNamed
        let shard = Option<int * int>("--shard", Description = "Run only every n-th point of the grid, starting at the i-th (1 <= i <= n); default: all points. Env VAE_SHARD.", HelpName = "i/n") |> checkedBy parseShard
        let par = Option<int>("--parallel", Description = "Points trained at once (points); default: one per core, or cores / --blas-threads. Env VAE_PARALLEL.", HelpName = "N") |> checkedBy positive
        let threads = Option<int>("--blas-threads", [| "--threads" |], Description = "BLAS threads per point (threads); default: cores / --parallel, else 1. Env VAE_BLAS_THREADS.", HelpName = "N") |> checkedBy positive
        let results = Option<string>("--results", [| "--out" |], Description = "Results root: results/<experiment>/<run-id>/ go under it; default: results/ in the repository. Env VAE_RESULTS.", HelpName = "DIR") |> checkedBy folder
        let data = Option<string>("--data", Description = "Data root; default: $VAE_DATA, else data/ in the repository.", HelpName = "DIR") |> checkedBy folder
        let seeds = Option<int>("--seeds", Description = "Run every point with seeds 1..N (seeds); default: the script's (3 for sweep-dz and estimators, else 1). Env VAE_SEEDS.", HelpName = "N") |> checkedBy positive
        let dry = Option<bool>("--dry-run", Description = "Print the plan (points, budget, folders) and stop.")
        // A plain Command as the root: its name is what the usage line shows (fsi itself answers a bare --help).
        let root = Command("experiments/<script>.fsx", "Options of every experiment script: dotnet fsi experiments/<script>.fsx [options] (before --help put --, which fsi would answer itself); bad input exits 2.")
        for o in [ full :> Option; quick; budget; shard; par; threads; seeds; results; data; dry; Help.HelpOption() ] do root.Options.Add o
        { Root = root; Full = full; Quick = quick; Budget = budget; Shard = shard; Parallel = par; BlasThreads = threads; Results = results; Data = data; Seeds = seeds; DryRun = dry }

    let private invoke (r: ParseResult) =
        use w = new StringWriter()
        r.Invoke(InvocationConfiguration(Output = w, Error = w)) |> ignore
        w.ToString().TrimEnd()

    /// The options with their descriptions and defaults, as --help prints them.
    let usage = invoke ((parser ()).Root.Parse [| "--help" |])

    let private hint = "(dotnet fsi experiments/<script>.fsx -- --help lists the options)"

    /// The two rules System.CommandLine leaves to us (issue 9): an option is given once (any of its spellings), and a
    /// value option never takes the next option (or nothing) as its value: `--results --dry-run` must not write into
    /// "./--dry-run".
    let private checkTokens (root: Command) (argv: string list) =
        let opts = root.Options |> Seq.filter (fun o -> o.Name <> "--help") |> List.ofSeq
        let find (a: string) =
            let name = match a.IndexOf '=' with i when i > 2 && a.StartsWith "--" -> a.Substring(0, i) | _ -> a
            opts |> List.tryFind (fun o -> o.Name = name || o.Aliases.Contains name) |> Option.map (fun o -> o, name <> a)
        let rec go (seen: Set<string>) args =
            match args with
            | [] -> ()
            | a :: rest ->
                match find a with
                | None -> go seen rest
                | Some(o, _) when seen.Contains o.Name -> raise (Input.Error(o.Name, $"is given twice\n{hint}"))
                | Some(o, hasValue) when o.ValueType = typeof<bool> || hasValue -> go (seen.Add o.Name) rest
                | Some(o, _) ->
                    match rest with
                    | v :: t when not (v.StartsWith "--") -> go (seen.Add o.Name) t
                    | v :: _ -> raise (Input.Error(o.Name, $"needs a value, found the next option '{v}'\n{hint}"))
                    | [] -> raise (Input.Error(o.Name, $"needs a value, found the end of the command line\n{hint}"))
        go Set.empty argv

    /// Settings from script arguments and an environment lookup (pass Environment.GetEnvironmentVariable wrapped in
    /// Option in scripts; a map in tests). Bad arguments raise InputException with the message (System.CommandLine's,
    /// with its typo suggestion, or the core's for a value); --help raises HelpRequested.
    let parse (defaultResultsRoot: string) (argv: string list) (env: string -> string option) =
        let p = parser ()
        let r = p.Root.Parse(Array.ofList argv)
        match r.Action with
        | :? Help.HelpAction -> raise (HelpRequested usage)
        | _ -> ()
        checkTokens p.Root argv
        match r.Action with
        | :? ParseErrorAction as e ->
            e.ShowHelp <- false
            let first = r.Errors |> Seq.tryHead |> Option.map (fun e -> e.Message) |> Option.defaultValue ""
            let option = match first.IndexOf ':' with i when first.StartsWith "--" -> first.Substring(0, i) | _ -> "arguments"
            raise (InputException(option, $"{invoke r}\n{hint}"))
        | _ -> ()
        let cores = Environment.ProcessorCount
        let envNonEmpty k = env k |> Option.filter (String.IsNullOrWhiteSpace >> not)
        let flag (o: Option<bool>) = match r.GetResult o with null -> false | res -> res.GetValueOrDefault<bool>()
        let pick (o: Option<'T>) envName (fromEnv: string -> string -> 'T) =
            match r.GetResult o with
            | null -> envNonEmpty envName |> Option.map (fromEnv envName)
            | res -> Some(res.GetValueOrDefault<'T>())
        let budget =
            match [ if flag p.Quick then yield "--quick", Budget.quick
                    if flag p.Full then yield "--full", Budget.full
                    match r.GetResult p.Budget with
                    | null -> ()
                    | res -> yield "--budget", res.GetValueOrDefault<Budget>() ] with
            | [ (_, b) ] -> b
            | [] when envNonEmpty "VAE_FULL" |> Option.exists (fun v -> v = "1" || v = "true") -> Budget.full
            | [] -> Budget.standard
            | many ->
                let given = many |> List.map fst |> String.concat ", "
                raise (Input.Error(fst many.Head, $"{given}: give one budget only\n{hint}"))
        let par, threads =
            match pick p.Parallel "VAE_PARALLEL" positive, pick p.BlasThreads "VAE_BLAS_THREADS" positive with
            | Some p, Some t -> p, t
            | Some p, None -> p, max 1 (cores / p)
            | None, Some t -> max 1 (cores / t), t
            | None, None -> cores, 1 // one BLAS thread per point: see the measurement in the README
        { ResultsRoot = pick p.Results "VAE_RESULTS" folder |> Option.defaultValue defaultResultsRoot
          DataDir = pick p.Data "VAE_DATA" folder
          Shard = pick p.Shard "VAE_SHARD" parseShard
          Parallel = par
          BlasThreads = threads
          Budget = budget
          Seeds = pick p.Seeds "VAE_SEEDS" positive
          DryRun = flag p.DryRun }

    /// Settings from the real command line and environment (what the scripts call).
    let fromCommandLine (defaultResultsRoot: string) (argv: string seq) =
        parse defaultResultsRoot (List.ofSeq argv) (fun k -> Environment.GetEnvironmentVariable k |> Option.ofObj)
