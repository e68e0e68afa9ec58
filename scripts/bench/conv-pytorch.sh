#!/usr/bin/env bash
# Seconds per epoch of the convolutional VAE (`vae train --model conv`) next to the same model in PyTorch fp32
# (conv_pytorch.py), same machine, back to back, interleaved rounds; each side times S training steps (after a warm-up)
# scaled to the 600 steps of an epoch, plus its test ELBO pass. Prints JSON lines and a markdown table with the ratios.
#   bash scripts/bench/conv-pytorch.sh [--rounds 2] [--steps 60] [--threads 2]
# Needs Debian's python3-torch under /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=2; steps=60; threads=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2;; --steps) steps=$2; shift 2;; --threads) threads=$2; shift 2;;
    *) echo "conv-pytorch: unknown option '$1' (see the header of $0)" >&2; exit 2;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ && "$steps" =~ ^[1-9][0-9]*$ && "$steps" -le 300 ]] || { echo "conv-pytorch: --rounds >= 1, --steps in 1..300" >&2; exit 2; }
if [ -z "${VAE_DATA:-}" ]; then
  if [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; else export VAE_DATA="$PWD/data"; fi
fi
PY=/usr/bin/python3
$PY -c 'import torch' 2>/dev/null || { echo "conv-pytorch: $PY cannot import torch; apt-get install python3-torch" >&2; exit 1; }
dotnet build core/Vae.Cli -c Release -nologo -v q >/dev/null
VAE="dotnet artifacts/bin/Vae.Cli/release/vae.dll"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
out=$work/conv.jsonl
echo "machine: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  $PY scripts/bench/conv_pytorch.py --threads "$threads" --steps "$steps" | tee -a "$out"
  # two intervals of S steps: the second is timed (the first warms up); its epoch line splits steps from the test ELBO
  $VAE train --dataset mnist --model conv --max-samples $((2 * steps * 100)) --eval-every $((steps * 100)) --final-k 0 \
       --threads "$threads" --out "$work/runs" --run-id "r$r" > "$work/vae$r.log" 2>&1 || { tail -3 "$work/vae$r.log"; exit 1; }
  grep '^epoch ' "$work/vae$r.log" | tail -1 | sed -E 's/.*test ELBO (-?[0-9.]+) nats.*steps ([0-9.]+) \(waiting for batches [0-9.]+\) \+ test ELBO ([0-9.]+).*/{"system": "vae", "threads": '"$threads"', "steps_timed": '"$steps"', "test_elbo": \1, "steps_s": \2, "eval_s": \3}/' \
    | $PY -c 'import json,sys; d=json.loads(sys.stdin.read()); d["train_s"]=d.pop("steps_s")*600/d["steps_timed"]; d["epoch_s"]=d["train_s"]+d["eval_s"]; print(json.dumps(d))' | tee -a "$out"
  grep -m1 'blas=' "$work/vae$r.log" | grep -o 'blas=[^,]*' >&2 || true
done
$PY - "$out" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best = {s: min((r for r in rows if r["system"] == s), key=lambda r: r["train_s"]) for s in ("pytorch", "vae")}
print("| system | threads | train s/epoch (600 steps) | test-ELBO pass s | epoch s |")
print("|---|---|---|---|---|")
for s, r in best.items():
    print(f"| {s} | {r['threads']} | {r['train_s']:.1f} | {r['eval_s']:.1f} | {r['epoch_s']:.1f} |")
t, v = best["pytorch"], best["vae"]
print(f"\nratio vae / pytorch (best of rounds): train {v['train_s'] / t['train_s']:.2f}x, epoch {v['epoch_s'] / t['epoch_s']:.2f}x")
PYEOF
