#!/usr/bin/env bash
# Suite: two copies of experiments/smoke.fsx (6 points, real trainer, synthetic data) on ONE results folder, as a user
# would start them: (a) together, (b) 5 s apart. Each point must be trained exactly once (one "start" line over both
# logs), both copies must exit 0 with all 6 rows, and no run folder may hold error.txt. The run-folder lock
# (core/Vae.Core/IO/RunLock.cs) is what makes this hold. Prints "SUITE-RESULT locks <passed> <failed>".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "locks: ok   $1"; pass=$((pass+1)); }
bad() { echo "locks: FAIL $1"; fail=$((fail+1)); }

case_run() { # name delay
  local name=$1 delay=$2 root="$tmp/$1"
  mkdir -p "$root"
  dotnet fsi experiments/smoke.fsx --results "$root" --parallel 1 >"$root/a.log" 2>&1 & local pa=$!
  sleep "$delay"
  dotnet fsi experiments/smoke.fsx --results "$root" --parallel 1 >"$root/b.log" 2>&1 & local pb=$!
  wait "$pa"; local ra=$?; wait "$pb"; local rb=$?
  [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && ok "$name: both copies exit 0" \
    || { bad "$name: exit codes $ra and $rb"; tail -30 "$root/a.log" "$root/b.log"; }
  local starts; starts=$(cat "$root/a.log" "$root/b.log" | grep -E '^\[ *[0-9]+/ *[0-9]+\] start ' | awk '{print $NF}' | sort)
  local n distinct; n=$(grep -c . <<<"$starts"); distinct=$(sort -u <<<"$starts" | grep -c .)
  [ "$n" -eq 6 ] && [ "$distinct" -eq 6 ] && ok "$name: every one of the 6 points trained exactly once" \
    || bad "$name: $n trainings of $distinct distinct points (want 6 of 6)"
  for l in a b; do
    grep -qE "== smoke: [0-9]+ ran, [0-9]+ reused, 0 failed; 6 finished runs" "$root/$l.log" \
      && ok "$name: copy $l ends with 6 rows, 0 failed" || bad "$name: copy $l summary wrong: $(grep '== smoke:' "$root/$l.log" | tail -1)"
  done
  local errs; errs=$(find "$root/smoke" -name error.txt | wc -l)
  [ "$errs" -eq 0 ] && ok "$name: no error.txt left" || bad "$name: $errs error.txt files"
  echo "locks: $name: $(grep '== smoke:' "$root/a.log" | tail -1) | $(grep '== smoke:' "$root/b.log" | tail -1)"
}

case_run together 0
case_run apart 5

echo "SUITE-RESULT locks $pass $fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
