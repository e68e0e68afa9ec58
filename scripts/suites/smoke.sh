#!/usr/bin/env bash
# Suite: experiments/smoke.fsx through `dotnet fsi`, as a user runs scripts, three times on one results folder:
# (1) killed with SIGKILL once a point has finished, (2) resumed: must run only the unfinished points and end with
# every row exactly once, (3) again: must reuse everything, (4) with --seeds 2: runs only the 6 seed-2 points and
# its A-vs-B table pairs 2 seeds per Dz. Prints "SUITE-RESULT smoke <passed> <failed>".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "smoke: ok   $1"; pass=$((pass+1)); }
bad() { echo "smoke: FAIL $1"; fail=$((fail+1)); }
finished() { find "$tmp/smoke" -name metrics.json 2>/dev/null | wc -l; }

# 1. Start a sweep (one point at a time) in its own process group and kill the group hard (`dotnet fsi` runs
#    the script in a child process) after its first finished point.
setsid dotnet fsi experiments/smoke.fsx --results "$tmp" --parallel 1 >"$tmp/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 3000); do [ "$(finished)" -ge 1 ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
sleep 0.5
before=$(finished)
if [ "$before" -ge 1 ] && [ "$before" -lt 6 ]; then ok "killed mid-sweep with $before of 6 points finished"
else bad "kill test inconclusive: $before of 6 points finished when killed"; cat "$tmp/run1.log"; fi

# 2. Resume: only the unfinished points run; the script's own checks (rows, ids, report) must pass.
dotnet fsi experiments/smoke.fsx --results "$tmp" 2>&1 | tee "$tmp/run2.log"
rc=${PIPESTATUS[0]}
pass=$((pass + $(grep -c '^SMOKE-CHECK ok' "$tmp/run2.log"))); fail=$((fail + $(grep -c '^SMOKE-CHECK FAIL' "$tmp/run2.log")))
[ "$rc" -eq 0 ] && ok "resumed run exited 0" || bad "resumed run exited $rc"
grep -q "== smoke: $((6 - before)) ran, $before reused, 0 failed; 6 finished runs" "$tmp/run2.log" \
  && ok "resume ran exactly the $((6 - before)) unfinished points and reused $before" || bad "resume did not run exactly the unfinished points"

# 3. A finished sweep reruns nothing.
dotnet fsi experiments/smoke.fsx --results "$tmp" >"$tmp/run3.log" 2>&1
rc=$?
grep -q "== smoke: 0 ran, 6 reused, 0 failed; 6 finished runs" "$tmp/run3.log" && [ "$rc" -eq 0 ] \
  && ok "third invocation reused every point" || { bad "third invocation re-ran points or failed (exit $rc)"; cat "$tmp/run3.log"; }

# 4. Two seeds: the 6 seed-1 points are reused, the 6 seed-2 points run, the table pairs 2 seeds per Dz.
dotnet fsi experiments/smoke.fsx --results "$tmp" --seeds 2 2>&1 | tee "$tmp/run4.log"
rc=${PIPESTATUS[0]}
pass=$((pass + $(grep -c '^SMOKE-CHECK ok' "$tmp/run4.log"))); fail=$((fail + $(grep -c '^SMOKE-CHECK FAIL' "$tmp/run4.log")))
grep -q "== smoke: 6 ran, 6 reused, 0 failed; 12 finished runs" "$tmp/run4.log" && [ "$rc" -eq 0 ] \
  && ok "--seeds 2 ran the 6 seed-2 points and reused the 6 seed-1 points" || bad "--seeds 2 did not run exactly the seed-2 points (exit $rc)"

echo "SUITE-RESULT smoke $pass $fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
