#!/usr/bin/env bash
# Suite: the scripts build what they load. On a fresh clone of this commit (no artifacts/), `dotnet fsi
# experiments/sweep-dz.fsx --dry-run` must build the experiment layer itself and print the plan; a second run must not
# rebuild; after a core source file changes, the next run must rebuild before loading (never a stale dll).
# Prints "SUITE-RESULT fresh-clone <passed> <failed>".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "fresh-clone: ok   $1"; pass=$((pass+1)); }
bad() { echo "fresh-clone: FAIL $1"; fail=$((fail+1)); }
git clone -q . "$tmp/repo" || { echo "SUITE-RESULT fresh-clone 0 1"; exit 1; }
git -C "$tmp/repo" checkout -q "$(git rev-parse HEAD)"
run() { (cd "$tmp/repo" && dotnet fsi experiments/sweep-dz.fsx --dry-run --results "$tmp/results") >"$tmp/$1.log" 2>&1; }

[ ! -e "$tmp/repo/artifacts" ] && ok "the clone has no build outputs" || bad "the clone already has artifacts/"
run first; rc=$?
[ "$rc" -eq 0 ] && ok "first run on a fresh clone exited 0" || { bad "first run exited $rc"; cat "$tmp/first.log"; }
grep -q "building the experiment layer (Vae.Experiments.dll is missing)" "$tmp/first.log" && ok "first run built the experiment layer" || bad "first run did not say it built"
grep -qE "== sweep-dz: [0-9]+ points" "$tmp/first.log" && ok "first run printed the plan" || bad "first run printed no plan"

run second; rc=$?
[ "$rc" -eq 0 ] && ! grep -q "building the experiment layer" "$tmp/second.log" && ok "second run reused the build" || { bad "second run rebuilt or failed (exit $rc)"; cat "$tmp/second.log"; }

sleep 1; echo "// changed by the fresh-clone suite" >> "$tmp/repo/core/Vae.Core/Data/Catalog.cs"
run third; rc=$?
grep -q "building the experiment layer (core/Vae.Core/Data/Catalog.cs changed after the last build)" "$tmp/third.log" && [ "$rc" -eq 0 ] \
  && ok "a core change rebuilt before loading" || { bad "a core change did not rebuild (exit $rc)"; cat "$tmp/third.log"; }
[ "$tmp/repo/artifacts/bin/Vae.Core/release/Vae.Core.dll" -nt "$tmp/repo/core/Vae.Core/Data/Catalog.cs" ] \
  && ok "the loaded Vae.Core.dll is newer than the change" || bad "Vae.Core.dll is older than the changed source"

echo "SUITE-RESULT fresh-clone $pass $fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
