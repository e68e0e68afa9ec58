#!/usr/bin/env bash
# A fair CPU comparison, side by side on this machine: PyTorch in its best configurations (fp32 at 1 and 2 threads,
# bf16 autocast at 1 and 2 threads where the CPU has bf16 instructions) against `vae train` (each BLAS provider),
# interleaved rounds, best of each. Same model and loop on both sides (see compare_pytorch.py); one epoch = 600 steps +
# the test ELBO. Prints a markdown table (s/epoch and ratios); the README's performance table comes from it.
#   bash scripts/bench/compare-pytorch.sh [--rounds 2] [--providers auto,managed,openblas,mkl] [--vae-threads 2]
#        [--torch-threads 1,2] [--precisions fp32,bf16] [--steps S] [--out FILE.jsonl]
# --steps S times S steps per configuration and scales them to the epoch's 600 (the test ELBO is always timed whole);
# default: whole epochs (vae: the second of two, so the first is its warm-up).
# Needs Debian's python3-torch under /usr/bin/python3 (installed with apt when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=2; providers=auto,managed,openblas,mkl; vthreads=$(nproc); tthreads=1,2; precisions=fp32,bf16; out=""; steps=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2;; --providers) providers=$2; shift 2;; --vae-threads) vthreads=$2; shift 2;;
    --torch-threads) tthreads=$2; shift 2;; --precisions) precisions=$2; shift 2;; --out) out=$2; shift 2;; --steps) steps=$2; shift 2;;
    *) echo "compare-pytorch: unknown option '$1' (see the header of $0)" >&2; exit 2;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "compare-pytorch: --rounds expects a positive integer, found '$rounds'" >&2; exit 2; }
[[ "$steps" =~ ^[0-9]+$ ]] && [ "$steps" -le 600 ] || { echo "compare-pytorch: --steps expects 0..600, found '$steps'" >&2; exit 2; }
budget=(--epochs 2); [ "$steps" -gt 0 ] && budget=(--max-samples $((2 * steps * 100)) --eval-every $((steps * 100)))
if [ -z "${VAE_DATA:-}" ]; then
  if [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; else export VAE_DATA="$PWD/data"; fi
fi
PY=/usr/bin/python3
if ! $PY -c 'import torch' 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch >/dev/null
  else echo "compare-pytorch: $PY cannot import torch; install Debian's python3-torch (apt-get install python3-torch)" >&2; exit 1; fi
fi
dotnet build core/Vae.Cli -c Release -nologo -v q >/dev/null
VAE="dotnet artifacts/bin/Vae.Cli/release/vae.dll"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
out=${out:-$work/compare.jsonl}; : > "$out"

cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
isa=$(grep -o -w -E 'avx2|avx512f|avx512_bf16|amx_bf16' /proc/cpuinfo | sort -u | tr '\n' ' ')
echo "{\"system\": \"machine\", \"cpu\": \"$cpu ($isa)\", \"cpus\": $(nproc), \"note\": \"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)\"}" >> "$out"

for r in $(seq 1 "$rounds"); do
  for prec in ${precisions//,/ }; do
    for t in ${tthreads//,/ }; do
      echo "round $r: PyTorch $prec, $t thread(s)" >&2
      $PY scripts/bench/compare_pytorch.py --precision "$prec" --threads "$t" --steps "$steps" | tee -a "$out" >&2
    done
    for p in ${providers//,/ }; do
      echo "round $r: vae $p $prec, $vthreads thread(s)" >&2
      log=$work/vae-$p-$prec-$r.log
      blas=$p; [ "$p" = auto ] && blas=""
      popt=(); [ "$prec" != fp32 ] && popt=(--precision "$prec")
      if [ "$prec" != fp32 ] && ! $VAE train --help | grep -q -- --precision; then
        echo "{\"system\": \"vae\", \"provider\": \"$p\", \"precision\": \"$prec\", \"threads\": $vthreads, \"status\": \"no --precision option in this vae\"}" | tee -a "$out" >&2
        continue
      fi
      if VAE_BLAS=$blas $VAE train --dataset mnist "${budget[@]}" --threads "$vthreads" "${popt[@]}" \
           --out "$work/runs" --run-id "$p-$prec-$r" > "$log" 2>&1; then
        $PY scripts/bench/compare_pytorch.py --parse-vae "$log" --provider "$p" --precision "$prec" --threads "$vthreads" --steps "$steps" | tee -a "$out" >&2
      else
        reason=$(tail -1 "$log" | tr -d '"\\' | cut -c1-200)
        echo "{\"system\": \"vae\", \"provider\": \"$p\", \"precision\": \"$prec\", \"threads\": $vthreads, \"status\": \"failed: $reason\"}" | tee -a "$out" >&2
      fi
    done
  done
done
$PY scripts/bench/compare_pytorch.py --table "$out"
