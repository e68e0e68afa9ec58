#!/usr/bin/env bash
# Suite: the paper-figure scripts as a user runs them. (1) every experiments/paper-fig*.fsx refuses a bad flag with
# exit 2 and a message naming it; (2) paper-fig5.fsx --quick on the real MNIST (VAE_DATA), killed with SIGKILL after
# its first finished point, resumes: the rerun reuses that point, trains the rest, and writes the 4 sample grids and
# its table. Skipped (counted as failed) when MNIST is not there. Prints "SUITE-RESULT figures <passed> <failed>".
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "figures: ok   $1"; pass=$((pass+1)); }
bad() { echo "figures: FAIL $1"; fail=$((fail+1)); }

for s in experiments/paper-fig*.fsx; do
  dotnet fsi "$s" --results "$tmp/bad" --bogus-flag >"$tmp/bad.log" 2>&1
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q "Unrecognized command or argument '--bogus-flag'" "$tmp/bad.log" && [ ! -d "$tmp/bad" ]; then
    ok "$(basename "$s"): bad flag -> exit 2, named, nothing written"
  else bad "$(basename "$s"): bad flag gave exit $rc"; cat "$tmp/bad.log"; fi
done

data="${VAE_DATA:-data}"
if [ ! -d "$data/mnist" ]; then bad "no MNIST under $data: the resume test needs it (set VAE_DATA)"; echo "SUITE-RESULT figures $pass $fail"; exit 1; fi
finished() { find "$tmp/r/sweep-dz" -name metrics.json 2>/dev/null | wc -l; }
setsid dotnet fsi experiments/paper-fig5.fsx --quick --results "$tmp/r" --parallel 1 >"$tmp/run1.log" 2>&1 &
pid=$!
for _ in $(seq 1 6000); do [ "$(finished)" -ge 1 ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -9 -- "-$pid" 2>/dev/null; wait "$pid" 2>/dev/null
before=$(finished)
if [ "$before" -ge 1 ] && [ "$before" -lt 4 ]; then ok "fig5 killed with $before of 4 points finished"
else bad "kill test inconclusive: $before of 4 points finished when killed"; cat "$tmp/run1.log"; fi
dotnet fsi experiments/paper-fig5.fsx --quick --results "$tmp/r" >"$tmp/run2.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ok "resumed fig5 exited 0" || { bad "resumed fig5 exited $rc"; tail -30 "$tmp/run2.log"; }
grep -q "== sweep-dz: $((4 - before)) ran, $before reused, 0 failed; 4 finished runs" "$tmp/run2.log" \
  && ok "resume reused the $before finished point(s) and ran the rest" || { bad "resume did not reuse the finished points"; grep '^==' "$tmp/run2.log"; }
n=$(ls "$tmp"/r/paper-fig5/mnist-dz*-samples.png 2>/dev/null | wc -l)
[ "$n" -eq 4 ] && ok "4 sample grids written" || bad "$n of 4 sample grids"
grep -q 'dotnet fsi experiments/paper-fig5.fsx --quick' "$tmp/r/paper-fig5/results.md" && grep -q "git commit" "$tmp/r/paper-fig5/results.md" \
  && ok "results.md names its command and commit" || bad "results.md lacks its provenance"

echo "SUITE-RESULT figures $pass $fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
