// The paper's and the seed's datasets with the likelihood each calls for: MNIST (dynamically binarized,
// Bernoulli), Caltech 101 Silhouettes (binary, Bernoulli), Frey Face (grey levels, Gaussian decoder, 200 hidden),
// Fashion-MNIST (dynamically binarized, Bernoulli); estimator B, paper defaults otherwise.
// Run: dotnet fsi experiments/sweep-dataset.fsx [--seeds N] [--full] [--shard i/n]
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

let grid =
    [ for ds in [ "mnist"; "caltech101-28"; "frey-face"; "fashion-mnist" ] -> Config.forDataset ds baseline ]

sweep "sweep-dataset" (grid |> seeds 1) |> ignore
if not settings.DryRun then report ()
