#!/usr/bin/env bash
# Makes tests/Vae.Tests/fixtures/weights/: a small MNIST model trained and exported by `vae` (model.safetensors), eight
# of its own decoder means as inputs (x.npy, `vae sample --npy`), and PyTorch's float64 ELBO of those inputs under the
# loaded weights (elbo.json, eps.npy) from scripts/vae_torch.py. Run once after a Release build (scripts/setup.sh), with
# the data under $VAE_DATA; needs Debian's python3-torch at /usr/bin/python3. Tests read the result, never Python.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/Vae.Tests/fixtures/weights
vae() { dotnet artifacts/bin/Vae.Cli/release/vae.dll "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
vae train --dataset mnist --dz 3 --hidden 16 --max-samples 3000 --seed 3 --threads 1 --out "$tmp" --experiment fx --run-id w >/dev/null
vae export --run "$tmp/fx/w" --out "$out/model.safetensors"
vae sample --run "$tmp/fx/w" --n 8 --seed 5 --npy --threads 1 >/dev/null
cp "$tmp/fx/w/samples-8.npy" "$out/x.npy"
/usr/bin/python3 scripts/vae_torch.py "$out/model.safetensors" --x "$out/x.npy" --seed 0 --out "$out"
