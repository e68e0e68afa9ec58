# The preamble every scripts/suites/*.sh sources (it is not a suite: test.sh runs only scripts/suites/*.sh):
#   source "$(dirname "$0")/../suite-lib.sh" NAME
# strict mode, the repository root as working folder, $tmp (removed on exit; a suite with its own EXIT trap removes it
# itself), the pass/fail counters with ok/bad lines, and suite_result (the SUITE-RESULT line test.sh reads; fails
# when anything failed or nothing passed). Must not: run any test.
set -uo pipefail
suite=$1
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { echo "$suite: ok   $1"; pass=$((pass+1)); }
bad() { echo "$suite: FAIL $1"; fail=$((fail+1)); }
suite_result() { echo "SUITE-RESULT $suite $pass $fail"; [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; }
