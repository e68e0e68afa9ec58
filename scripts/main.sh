#!/usr/bin/env bash
# The main job: set-up (idempotent), then the paper's Fig. 2 sweep at the quick default budget — latent size Dz x
# estimator A/B on MNIST and Frey Face — printing the A-vs-B table and writing results/sweep-dz/ and results/REPORT.md
# + results/report.html. A second run reuses finished points. Extra arguments go to the script (--full, --shard i/n).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${VAE_DATA:-}" ] && [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; fi
dotnet fsi experiments/sweep-dz.fsx "$@"
