// The paper's Fig. 4: learned 2-D manifolds of Frey Face and MNIST (Dz = 2, AEVB = estimator B at paper settings).
// Each manifold decodes the means of z on a 20 x 20 grid of the unit square mapped through the inverse Gaussian CDF
// (the core's NormalQuantile.InverseCdfGrid: column c has z1 = Phi^-1((c + 0.5)/20), row r has z2 = Phi^-1(1 - (r + 0.5)/20)).
// The runs are the main job's (results/sweep-dz, seed 1), so after sweep-dz this script trains nothing.
// Run: dotnet fsi experiments/paper-fig4.fsx [--quick | --budget double | --full] [--results DIR] [--data DIR]
// Writes results/paper-fig4/{mnist,frey-face}-manifold.png and results.md / results.csv.
#load "_build.fsx";;
#load "_common.fsx"
open Vae.Experiments

figureFromRunImages "sweep-dz" "paper-fig4"
    "Fig. 4: 2-D latent manifolds (Dz = 2, estimator B, seed 1); images mnist-manifold.png, frey-face-manifold.png."
    [ { baseline with Dz = 2; Estimator = Estimator.B; Seed = 1 }, "manifold.png", "mnist-manifold.png"
      { Config.forDataset "frey-face" baseline with Dz = 2; Estimator = Estimator.B; Seed = 1 }, "manifold.png", "frey-face-manifold.png" ]
