// Execution settings of a script run (folders, shard, parallelism, budget) and their parsing from the
// command line and environment. Command line beats environment beats defaults.
// Must not: touch configs' identity: nothing here may change a run's numbers or its run id.
namespace Vae.Experiments

open System
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

module Settings =
    let usage =
        """options:
  --quick             smoke-run budget (30,000 samples per point; its numbers are not results)
  --full              the paper's budget: 10^8 training samples per point, K=5000 on the whole test set
  --budget NAME       quick | default | double | full (default: default; --quick / --full are short for it)
  --shard i/n         run only every n-th point, starting at the i-th (1 <= i <= n); env VAE_SHARD
  --parallel N        points trained at once (default: cores); env VAE_PARALLEL
  --blas-threads N    BLAS threads per point (default: cores / parallel); env VAE_BLAS_THREADS
  --seeds N           run every point with seeds 1..N (default: the script's, 3 for sweep-dz); env VAE_SEEDS
  --results DIR       results root (default: results/ in the repository); env VAE_RESULTS
  --data DIR          data root; env VAE_DATA
  --dry-run           print the plan only"""

    /// Parses "i/n" (1 <= i <= n) with an error naming what was found.
    let parseShard (source: string) (s: string) =
        let bad () =
            raise (InputException(source, $"{source} '{s}': expected i/n with 1 <= i <= n, e.g. 2/4"))
        match s.Split('/') with
        | [| a; b |] ->
            match Int32.TryParse(a.Trim()), Int32.TryParse(b.Trim()) with
            | (true, i), (true, n) when n >= 1 && i >= 1 && i <= n -> (i, n)
            | _ -> bad ()
        | _ -> bad ()

    /// Whole numbers through the core's validation layer (Vae.Core.Inputs), named as the user gave them (flag or variable).
    let private positive (source: string) (s: string) =
        Input.ParseInt(source, s, OptionLimits.Parallel)

    /// Folders through the core's validation layer: an existing FIFO, device or file is refused, a missing folder is fine.
    let private folder (source: string) (s: string) = FileKinds.RequireFolderOrMissing(source, s)

    let private valueFlags = set [ "--budget"; "--shard"; "--parallel"; "--blas-threads"; "--seeds"; "--results"; "--data" ]

    /// Settings from script arguments and an environment lookup (pass Environment.GetEnvironmentVariable
    /// wrapped in Option in scripts; a map in tests). Unknown arguments are an error listing the options.
    let parse (defaultResultsRoot: string) (argv: string list) (env: string -> string option) =
        let cores = Environment.ProcessorCount
        let envNonEmpty k = env k |> Option.filter (String.IsNullOrWhiteSpace >> not)
        let rec go (acc: Map<string, string>) args =
            match args with
            | [] -> acc
            | f :: _ when acc.ContainsKey f -> raise (Input.Error(f, $"is given twice\n{usage}"))
            | ("--full" | "--quick" | "--dry-run" as f) :: rest -> go (acc.Add(f, "1")) rest
            | f :: v :: rest when valueFlags.Contains f && not (v.StartsWith "--") -> go (acc.Add(f, v)) rest
            | f :: rest when valueFlags.Contains f ->
                // Never take the next flag as the value: `--results --dry-run` must not write into "./--dry-run".
                let found = match rest with v :: _ -> $"the next option '{v}'" | [] -> "the end of the command line"
                raise (Input.Error(f, $"needs a value, found {found}\n{usage}"))
            | a :: _ -> raise (InputException(a, $"unknown argument '{a}'\n{usage}"))
        let cli = go Map.empty argv
        let pick flag envName =
            match cli.TryFind flag with
            | Some v -> Some(flag, v)
            | None -> envNonEmpty envName |> Option.map (fun v -> (envName, v))
        let named =
            [ if cli.ContainsKey "--quick" then yield "--quick", "quick"
              if cli.ContainsKey "--full" then yield "--full", "full"
              match cli.TryFind "--budget" with
              | Some b -> yield "--budget", b
              | None -> () ]
        let budget =
            match named with
            | [ (source, name) ] ->
                match Budget.all |> List.tryFind (fun b -> b.Name = name) with
                | Some b -> b
                | None ->
                    let names = Budget.all |> List.map (fun b -> b.Name) |> String.concat ", "
                    raise (InputException(source, $"{source} '{name}': expected one of {names}\n{usage}"))
            | [] when envNonEmpty "VAE_FULL" |> Option.exists (fun v -> v = "1" || v = "true") -> Budget.full
            | [] -> Budget.standard
            | many ->
                let given = many |> List.map fst |> String.concat ", "
                raise (InputException(many |> List.head |> fst, $"{given}: give one budget only\n{usage}"))
        let par = pick "--parallel" "VAE_PARALLEL" |> Option.map (fun (s, v) -> positive s v)
        let threads = pick "--blas-threads" "VAE_BLAS_THREADS" |> Option.map (fun (s, v) -> positive s v)
        let par, threads =
            match par, threads with
            | Some p, Some t -> p, t
            | Some p, None -> p, max 1 (cores / p)
            | None, Some t -> max 1 (cores / t), t
            | None, None -> cores, 1 // one BLAS thread per point: see the measurement in the README
        { ResultsRoot = pick "--results" "VAE_RESULTS" |> Option.map (fun (s, v) -> folder s v) |> Option.defaultValue defaultResultsRoot
          DataDir = pick "--data" "VAE_DATA" |> Option.map (fun (s, v) -> folder s v)
          Shard = pick "--shard" "VAE_SHARD" |> Option.map (fun (s, v) -> parseShard s v)
          Parallel = par
          BlasThreads = threads
          Budget = budget
          Seeds = pick "--seeds" "VAE_SEEDS" |> Option.map (fun (s, v) -> positive s v)
          DryRun = cli.ContainsKey "--dry-run" }

    /// Settings from the real command line and environment (what the scripts call).
    let fromCommandLine (defaultResultsRoot: string) (argv: string seq) =
        parse defaultResultsRoot (List.ofSeq argv) (fun k -> Environment.GetEnvironmentVariable k |> Option.ofObj)
