// The paper's Fig. 5: random samples from MNIST models with Dz in {2, 5, 10, 20} (AEVB = estimator B at paper
// settings): decoder means of 100 draws z ~ N(0, I) per model (the core's RunFigures.SaveSamples, seeded).
// The runs are the main job's (results/sweep-dz, seed 1), so after sweep-dz this script trains nothing.
// Run: dotnet fsi experiments/paper-fig5.fsx [--quick | --budget double | --full] [--results DIR] [--data DIR]
// Writes results/paper-fig5/mnist-dz{2,5,10,20}-samples.png and results.md / results.csv.
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

figureFromRunImages "sweep-dz" "paper-fig5"
    "Fig. 5: 100 samples per model (MNIST, Dz in {2, 5, 10, 20}, estimator B, seed 1); images mnist-dz*-samples.png."
    [ for dz in [ 2; 5; 10; 20 ] -> { baseline with Dz = dz; Estimator = Estimator.B; Seed = 1 }, "samples.png", $"mnist-dz{dz}-samples.png" ]
