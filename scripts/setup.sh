#!/usr/bin/env bash
# One-time (idempotent) set-up: native BLAS libraries from Debian, then restore and build everything.
# Safe to re-run: installs only what is missing. Needs root (or sudo) for apt on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
# chromium: the F# report test renders the HTML report headless to check that its charts draw.
# libdnnl2: oneDNN's bf16 matmul for --precision bf16 (resolved at run time like the BLAS libraries).
want=(libopenblas0-pthread libmkl-rt libgomp1 libdnnl2 chromium ${VAE_EXTRA_APT:-})
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # MKL lives in Debian's non-free component: enable it (without naming any host) if the sources lack it.
  for f in /etc/apt/sources.list.d/debian.sources; do
    [ -f "$f" ] && ! grep -q 'non-free' "$f" && $SUDO sed -i 's/^Components: main$/Components: main contrib non-free/' "$f"
  done
  if [ -f /etc/apt/sources.list ] && grep -qE '^deb .* main$' /etc/apt/sources.list && ! grep -q non-free /etc/apt/sources.list; then
    $SUDO sed -i -E 's/^(deb .* main)$/\1 contrib non-free/' /etc/apt/sources.list
  fi
  $SUDO apt-get update -qq
  # MKL is optional (OpenBLAS is as fast here): a failed MKL install must not stop set-up.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || { echo "setup: full install failed, retrying without MKL"; \
         DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
           $(printf '%s\n' "${missing[@]}" | grep -v '^libmkl') >/dev/null; }
fi

dotnet restore Vae.Research.sln --verbosity quiet
dotnet build Vae.Research.sln -c Release --no-restore --verbosity quiet -nologo
