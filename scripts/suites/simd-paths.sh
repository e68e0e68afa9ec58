#!/usr/bin/env bash
# Reruns the kernel, optimizer and small-engine tests on the narrower code paths of this same machine: 256-bit vectors
# only (DOTNET_PreferredVectorBitWidth=256) and no SIMD at all (DOTNET_EnableHWIntrinsic=0), so the Vector256 and
# scalar paths are tested even on an AVX-512 box. Expects a Release build (scripts/setup.sh). Last line: SUITE-RESULT.
set -uo pipefail
cd "$(dirname "$0")/../.."
filter="FullyQualifiedName~Vae.Tests.Numerics.KernelTests|FullyQualifiedName~Vae.Tests.Numerics.LikelihoodKernelTests"
filter+="|FullyQualifiedName~Vae.Tests.Numerics.LatentKernelTests|FullyQualifiedName~Vae.Tests.Training.UpdateRuleTests"
filter+="|FullyQualifiedName~Vae.Tests.Training.OptimizerTests|FullyQualifiedName~Vae.Tests.Model.TorchFixtureEngineTests"
filter+="|FullyQualifiedName~Vae.Tests.Model.GradientTests.Float32_engine|FullyQualifiedName~Vae.Tests.Model.TrainingStepTests"
pass=0; fail=0
for mode in "DOTNET_PreferredVectorBitWidth=256 256" "DOTNET_EnableHWIntrinsic=0 0"; do
  knob=${mode% *}; want=${mode#* }
  got=$(env "$knob" dotnet artifacts/bin/Vae.Benchmarks/release/Vae.Benchmarks.dll simd 2>&1)
  if [ "$got" != "$want" ]; then
    echo "simd-paths: with $knob the kernels run at width '$got', expected $want"; fail=$((fail+1)); continue
  fi
  log=$(mktemp)
  env "$knob" dotnet test tests/Vae.Tests/Vae.Tests.csproj -c Release --no-build --filter "$filter" 2>&1 | tee "$log" | grep -E "Failed |expected|error" || true
  p=$(sed -nE 's/.*Failed:\s*[0-9]+, Passed:\s*([0-9]+),.*/\1/p' "$log" | tail -1)
  f=$(sed -nE 's/.*Failed:\s*([0-9]+), Passed:.*/\1/p' "$log" | tail -1)
  rm -f "$log"
  echo "simd-paths: width $want ($knob): ${p:-0} passed, ${f:-1} failed"
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
done
echo "SUITE-RESULT simd-paths $pass $fail"
