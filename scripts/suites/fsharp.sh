#!/usr/bin/env bash
# Suite: the F# experiment layer's Expecto tests, run as a console program (Expecto's `dotnet test` adapter is
# not available here). Prints "SUITE-RESULT fsharp <passed> <failed>"; errored tests and a missing summary count
# as failures, so a crash or an empty run cannot pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp)
dotnet run --project tests/Vae.Experiments.Tests/Vae.Experiments.Tests.fsproj -c Release --no-build -- --colours 0 --no-spinner 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# Expecto's closing line: "EXPECTO! N tests run in T for S – P passed, I ignored, F failed, E errored. ..."
summary=$(grep -E 'EXPECTO! [0-9]+ tests? run' "$log" | tail -1)
rm -f "$log"
p=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary"); f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")
e=$(sed -nE 's/.* ([0-9]+) errored.*/\1/p' <<<"$summary"); i=$(sed -nE 's/.* ([0-9]+) ignored.*/\1/p' <<<"$summary")
if [ -z "$summary" ] || [ -z "$p" ]; then
  echo "fsharp: no Expecto summary found (exit $rc)"; echo "SUITE-RESULT fsharp 0 1"; exit 1
fi
failed=$(( ${f:-0} + ${e:-0} ))
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "fsharp: $p passed, ${f:-0} failed, ${e:-0} errored, ${i:-0} ignored (exit $rc)"
echo "SUITE-RESULT fsharp $p $failed"
[ "$failed" -eq 0 ]
