// Entry point: `step [reps]` runs the quick Stopwatch harness; `simd` prints the kernels' vector width (512/256/0, for
// scripts/suites/simd-paths.sh); anything else goes to BenchmarkDotNet's switcher (e.g. `--filter '*' --job short`).
// Owns: argument dispatch only.
using BenchmarkDotNet.Running;
using Vae.Benchmarks;

if (args.Length > 0 && args[0] == "simd")
{
    Console.WriteLine(Vae.Core.Numerics.Kernels.SimdWidthBits);
    return;
}
if (args.Length > 0 && args[0] == "step")
{
    StepTimer.Run(args.Length > 1 ? int.Parse(args[1]) : 200);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args);
