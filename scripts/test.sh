#!/usr/bin/env bash
# The test command: set-up (idempotent), then every test suite; ends with one line "N passed, N failed".
# Fails if any suite fails or runs zero tests.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
if [ -z "${VAE_DATA:-}" ] && [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; fi
echo "VAE_DATA=${VAE_DATA:-<unset>}"
dotnet run --project core/Vae.Cli -c Release --no-build -- describe || true

total_pass=0; total_fail=0; status=0
log=$(mktemp)

# Suite 1: C# (xunit via dotnet test)
dotnet test tests/Vae.Tests/Vae.Tests.csproj -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# VSTest's console summary: "Total tests: N" then "     Passed: N" / "     Failed: N" / "    Skipped: N".
# (Older/other loggers print "Failed!  - Failed: N, Passed: N, ..." instead: accept both.)
p=$(sed -nE 's/^\s+Passed:\s*([0-9]+)\s*$/\1/p; s/.*Failed:\s*[0-9]+, Passed:\s*([0-9]+),.*/\1/p' "$log" | tail -1)
f=$(sed -nE 's/^\s+Failed:\s*([0-9]+)\s*$/\1/p; s/.*- Failed:\s*([0-9]+), Passed:.*/\1/p' "$log" | tail -1)
p=${p:-0}; f=${f:-0}
echo "suite Vae.Tests: $p passed, $f failed (exit $rc)"
if [ "$p" -eq 0 ]; then echo "suite Vae.Tests ran zero tests"; status=1; f=$((f+1)); fi
[ "$rc" -ne 0 ] && status=1 && [ "$f" -eq 0 ] && f=1
total_pass=$((total_pass+p)); total_fail=$((total_fail+f))

# Further suites append here (F# Expecto via dotnet run, smoke script).
for suite in scripts/suites/*.sh; do
  [ -f "$suite" ] || continue
  bash "$suite" > "$log" 2>&1; cat "$log"
  out=$(grep -E '^SUITE-RESULT ' "$log" | tail -1)
  p=$(awk '{print $3}' <<<"$out"); f=$(awk '{print $4}' <<<"$out"); p=${p:-0}; f=${f:-1}
  echo "suite $(basename "$suite"): $p passed, $f failed"
  if [ "$p" -eq 0 ]; then echo "suite $(basename "$suite") ran zero tests"; status=1; [ "$f" -eq 0 ] && f=1; fi
  [ "$f" -ne 0 ] && status=1
  total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
done
rm -f "$log"
echo "$total_pass passed, $total_fail failed"
exit $status
