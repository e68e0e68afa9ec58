#!/usr/bin/env bash
# Suite: the reliability battery of issue 9, driving the built `vae` as a child process (so it survives CLI rewrites):
# (1) every bad input of tests/reliability/cli-bad-inputs.txt must fail fast with a clear message naming the option and
# leave a victim folder outside --out untouched; (2) divergence: non-zero exit, no metrics.json, a truthful checkpoint
# message; (3) resume that changes a run's meaning is refused unless --allow-change, and recorded; (4) kill -9 during
# checkpoint writes, temp files cleaned on the next start, the run still finishes; (5) the F# settings parser does not
# swallow the next flag. Prints the battery's figures and "SUITE-RESULT reliability <passed> <failed>".
# VAE_DLL=path/to/vae.dll runs it against another build (e.g. the code before the fix, to see each defect fail).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
dll=${VAE_DLL:-$repo/artifacts/bin/Vae.Cli/release/vae.dll}
[ -f "$dll" ] || { echo "reliability: $dll not built"; echo "SUITE-RESULT reliability 0 1"; exit 1; }
if [ -z "${VAE_DATA:-}" ] && [ -d ../shared/data ]; then export VAE_DATA="$(cd ../shared/data && pwd)"; fi
export VAE_BLAS=${VAE_BLAS:-managed} # one provider for every step, so the provider-change case below is deliberate
vae() { timeout 300 dotnet "$dll" "$@"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; tried=0; clear=0; crashes=0; silent=0; lost=0; unclear=0
ok() { echo "reliability: ok   $1"; pass=$((pass+1)); }
bad() { echo "reliability: FAIL $1"; fail=$((fail+1)); }

OUT=$tmp/out; VICTIM=$tmp/victim; FILE=$tmp/file.txt; FIFO=$tmp/fifo; RUN=$OUT/base/run; FIFORUN=$OUT/base/fiforun
mkdir -p "$OUT" "$VICTIM"; echo "not a folder" >"$FILE"; mkfifo "$FIFO"
# The victim: an unfinished run outside --out (issue 9's data-loss case overwrote exactly these files; no metrics.json,
# which would have stopped even the old code).
victim_files="manifest.json curve.csv samples.png notes.txt"
for f in $victim_files; do echo "precious $f" >"$VICTIM/$f"; done
victim_sum() { (cd "$VICTIM" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
victim_before=$(victim_sum)

# A finished run to evaluate, and a run folder whose checkpoint is a FIFO.
common=(--dataset frey-face --hidden 50 --dz 2 --final-k 0 --eval-limit 100)
vae train "${common[@]}" --max-samples 400 --out "$OUT" --experiment base --run-id run >"$tmp/base.log" 2>&1 \
  && ok "a small finished run to evaluate" || { bad "base run failed"; cat "$tmp/base.log"; }
mkdir -p "$FIFORUN"; mkfifo "$FIFORUN/checkpoint.ckpt"

# classify RC LOG EXPECTED: clear | crash | silent | unclear
classify() {
  local rc=$1 log=$2 expected=$3
  if [ "$rc" -eq 124 ] || [ "$rc" -ge 128 ] || grep -qE 'Unhandled exception|^\s+at [A-Z][A-Za-z.]+\(' "$log"; then echo crash
  elif [ "$rc" -eq 0 ]; then echo silent
  elif grep -qF -- "$expected" "$log" && ! grep -qE '\(Parameter |Exception|System\.' "$log"; then echo clear
  else echo unclear; fi
}

# (1) The table of bad inputs.
n=0
while IFS=$'\t' read -r expected args; do
  [[ -z "$expected" || "$expected" == \#* ]] && continue
  n=$((n+1)); tried=$((tried+1))
  eval "set -- $args"
  (cd "$tmp" && timeout 60 dotnet "$dll" "$@") >"$tmp/case.log" 2>&1
  rc=$?
  kind=$(classify "$rc" "$tmp/case.log" "$expected")
  case $kind in
    clear) clear=$((clear+1)); ok "bad input $n ($args): exit $rc, $(head -c 150 "$tmp/case.log" | tr '\n' ' ')" ;;
    crash) crashes=$((crashes+1)); bad "bad input $n ($args): crashed or hung (exit $rc)"; head -20 "$tmp/case.log" ;;
    silent) silent=$((silent+1)); bad "bad input $n ($args): accepted (exit 0)"; tail -3 "$tmp/case.log" ;;
    *) unclear=$((unclear+1)); bad "bad input $n ($args): exit $rc without a clear message naming '$expected'"; head -5 "$tmp/case.log" ;;
  esac
  if [ "$(victim_sum)" != "$victim_before" ]; then
    lost=$((lost+1)); bad "bad input $n ($args) changed files outside --out"
    rm -rf "$VICTIM"; mkdir -p "$VICTIM"; for f in $victim_files; do echo "precious $f" >"$VICTIM/$f"; done; victim_before=$(victim_sum)
  fi
done < tests/reliability/cli-bad-inputs.txt
[ -e "$tmp/--dry-run" ] || [ -e "$tmp/results" ] && { lost=$((lost+1)); bad "a bad input wrote into the working folder"; }

# (2) Divergence: the issue's exact command, and with a curve point every 100 samples. Never exit 0, never metrics.json,
#     and the checkpoint message is true: either no checkpoint exists, or the named one evaluates to finite numbers.
diverge() { # name, extra args
  local name=$1; shift; tried=$((tried+1))
  vae train --dataset mnist --optimizer sgd --lr 10 --max-samples 200 --final-k 10 --eval-limit 500 --out "$OUT" --experiment div \
      --run-id "$name" "$@" >"$tmp/$name.log" 2>&1
  local rc=$? dir=$OUT/div/$name
  if [ "$rc" -eq 0 ] || [ -f "$dir/metrics.json" ]; then
    silent=$((silent+1)); bad "divergence '$name': exit $rc, metrics.json $( [ -f "$dir/metrics.json" ] && echo written || echo absent)"
    grep -o '"TestElbo": [^,]*' "$dir/metrics.json" 2>/dev/null; return
  fi
  if [ "$(classify "$rc" "$tmp/$name.log" "training diverged")" != clear ]; then crashes=$((crashes+1)); bad "divergence '$name': unclear failure (exit $rc)"; cat "$tmp/$name.log"; return; fi
  if ! grep -qE "step [0-9]+: (the minibatch bound|the bound is|gradient of|parameter |the test ELBO|the final)" "$tmp/$name.log" \
     && ! grep -qE "final evaluation at step" "$tmp/$name.log"; then unclear=$((unclear+1)); bad "divergence '$name': tensor or step not named"; cat "$tmp/$name.log"; return; fi
  if [ -f "$dir/checkpoint.ckpt" ]; then
    grep -qF "kept at $dir/checkpoint.ckpt" "$tmp/$name.log" || { unclear=$((unclear+1)); bad "divergence '$name': a checkpoint exists but is not named"; return; }
    vae eval --run "$dir" --k 0 --eval-limit 200 >"$tmp/$name.eval" 2>&1 \
      && ! grep -qi nan "$tmp/$name.eval" || { silent=$((silent+1)); bad "divergence '$name': the kept checkpoint does not evaluate to a finite bound"; cat "$tmp/$name.eval"; return; }
  else
    grep -q "no checkpoint with a finite bound exists" "$tmp/$name.log" || { silent=$((silent+1)); bad "divergence '$name': claims a checkpoint that does not exist"; return; }
  fi
  clear=$((clear+1)); ok "divergence '$name': exit $rc, $(grep -o 'training diverged: .*' "$tmp/$name.log" | head -1 | cut -c1-220)"
}
diverge issue-cmd
diverge every-100 --eval-every 100

# (3) Resume changing what a run means: a smaller budget than already trained, another BLAS provider.
r=$OUT/res/r
vae train "${common[@]}" --max-samples 400 --eval-every 100 --out "$OUT" --experiment res --run-id r >"$tmp/r1.log" 2>&1 || { bad "resume base run failed"; cat "$tmp/r1.log"; }
rm -f "$r/metrics.json" # as if killed after its last checkpoint
cp "$r/manifest.json" "$tmp/manifest.before"
tried=$((tried+1))
vae train "${common[@]}" --max-samples 200 --eval-every 100 --out "$OUT" --experiment res --run-id r --resume >"$tmp/r2.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q -- "--allow-change" "$tmp/r2.log" && cmp -s "$r/manifest.json" "$tmp/manifest.before" && [ ! -f "$r/metrics.json" ]; then
  clear=$((clear+1)); ok "resume with a smaller budget refused (exit $rc), manifest untouched"
else silent=$((silent+1)); bad "resume with a smaller budget: exit $rc"; tail -3 "$tmp/r2.log"; rm -f "$r/metrics.json"; fi
if dotnet "$dll" describe >/dev/null 2>&1 && VAE_BLAS=openblas dotnet "$dll" describe >/dev/null 2>&1; then
  tried=$((tried+1))
  VAE_BLAS=openblas vae train "${common[@]}" --max-samples 800 --eval-every 100 --out "$OUT" --experiment res --run-id r --resume >"$tmp/r3.log" 2>&1
  rc=$?
  if [ "$rc" -ne 0 ] && grep -q "BLAS provider: the run was trained with managed, this resume would use openblas" "$tmp/r3.log" && [ ! -f "$r/metrics.json" ]; then
    clear=$((clear+1)); ok "resume with another BLAS provider refused (exit $rc)"
  else silent=$((silent+1)); bad "resume with another BLAS provider: exit $rc"; tail -3 "$tmp/r3.log"; rm -f "$r/metrics.json"; fi
else echo "reliability: skip provider-change case (OpenBLAS not loadable here)"; fi
vae train "${common[@]}" --max-samples 200 --eval-every 100 --out "$OUT" --experiment res --run-id r --resume --allow-change >"$tmp/r4.log" 2>&1
rc=$?
segs=$(grep -c '"Number":' "$r/manifest.json" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "$segs" -eq 2 ] && grep -q '"AllowedChanges": \[$' "$r/manifest.json" && grep -q 'budget: 2 steps' "$r/manifest.json"; then
  ok "--allow-change accepts it and the manifest records both segments and the change"
else bad "--allow-change: exit $rc, $segs segment(s) in the manifest"; tail -3 "$tmp/r4.log"; fi

# (4) kill -9 during checkpoint writes (a curve point and a checkpoint after every step), then restart.
k=$OUT/kill/k; kills=0; temps_seen=0
for i in $(seq 1 8); do
  [ -f "$k/metrics.json" ] && break  # a quiet machine can finish the run between kills: stop killing then
  # dotnet itself in the background (not the vae function), so $! is the process that kill -9 must hit.
  dotnet "$dll" train --dataset frey-face --hidden 200 --dz 5 --final-k 0 --eval-limit 100 --eval-every 100 --max-samples 20000 \
      --out "$OUT" --experiment kill --run-id k --resume >"$tmp/k$i.log" 2>&1 &
  pid=$!
  sleep "$(awk -v s="$i" 'BEGIN { srand(s); printf "%.2f", 1.0 + 2.0 * rand() }')"
  kill -9 "$pid" 2>/dev/null && kills=$((kills+1)); wait "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  tried=$((tried+1))
  t=$(find "$k" -maxdepth 1 -name '.*.tmp' 2>/dev/null | wc -l); temps_seen=$((temps_seen+t))
done
rc=0
[ -f "$k/metrics.json" ] || { vae train --dataset frey-face --hidden 200 --dz 5 --final-k 0 --eval-limit 100 --eval-every 100 \
    --max-samples 20000 --out "$OUT" --experiment kill --run-id k --resume >"$tmp/kfinal.log" 2>&1; rc=$?; }
left=$(find "$k" -maxdepth 1 -name '.*.tmp' | wc -l)
steps=$(tail -n +2 "$k/curve.csv" 2>/dev/null | cut -d, -f3)
mono=$(awk 'NR > 1 && $1 <= prev { bad = 1 } { prev = $1 } END { print bad ? "no" : "yes" }' <<<"$steps")
if [ "$rc" -eq 0 ] && [ -f "$k/metrics.json" ] && [ "$left" -eq 0 ] && [ "$mono" = yes ] && [ "$kills" -ge 1 ] && [ "$(wc -l <<<"$steps")" -eq 200 ]; then
  clear=$((clear+kills)); ok "$kills kill -9s during checkpoint writes: $temps_seen temp file(s) seen after kills, $left left after restart, curve complete (200 points, steps increasing)"
else lost=$((lost+1)); bad "kill -9 loop: exit $rc, $left temp file(s) left, curve steps increasing: $mono, $(wc -l <<<"$steps") points, $kills kill(s)"; tail -5 "$tmp/kfinal.log" 2>/dev/null; fi

# (5) The F# sweep settings parser (issue 9, defect 4): `--results --dry-run` ran a real sweep into "./--dry-run".
tried=$((tried+1))
(cd "$tmp" && timeout 300 dotnet fsi "$repo/experiments/smoke.fsx" --results --dry-run) >"$tmp/fsi.log" 2>&1
rc=$?
if [ "$rc" -ne 0 ] && grep -q -- "--results: needs a value, found the next option '--dry-run'" "$tmp/fsi.log" && [ ! -e "$tmp/--dry-run" ]; then
  clear=$((clear+1)); ok "smoke.fsx --results --dry-run: exit $rc, clear error, nothing written"
elif [ -e "$tmp/--dry-run" ]; then silent=$((silent+1)); bad "smoke.fsx --results --dry-run wrote into ./--dry-run"
else unclear=$((unclear+1)); bad "smoke.fsx --results --dry-run: exit $rc"; tail -5 "$tmp/fsi.log"; fi

[ "$(victim_sum)" = "$victim_before" ] || { lost=$((lost+1)); bad "files outside --out changed"; }
echo "reliability figures: $tried inputs tried, $clear clear errors, $crashes crashes, $silent silent wrong results, $lost data lost, $unclear unclear messages ($kills kill -9s)"
echo "SUITE-RESULT reliability $pass $fail"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
