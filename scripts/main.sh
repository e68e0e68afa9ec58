#!/usr/bin/env bash
# The main job: set-up (idempotent), then a small real experiment — a VAE trained on MNIST (dynamically binarized,
# 784-500-20, tanh, Adam 1e-3, M=100, L=1, estimator B) for a few epochs, written to results/readme/<run>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${VAE_DATA:-}" ] && [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; fi
dotnet run --project core/Vae.Cli -c Release --no-build -- train --dataset mnist --variant dynamic \
  --dz 20 --hidden 500 --estimator B --optimizer adam --lr 1e-3 --epochs "${EPOCHS:-5}" --final-k "${FINAL_K:-100}" \
  --experiment readme "$@"
