// The parallel importance sampler (issue 11) against the reference Evaluator.LogLikelihood: the same noise gives the same
// per-point estimates to rounding, for batch/chunk/tile sizes that do not divide N or K, and leaves the stream in the same place.

namespace Vae.Tests.Inference;

public class ImportanceSamplerTests
{
    /// <summary>Every pairing of 1..3 workers with tiles of 1 sample, 7 (divides neither K nor the chunk) and 100 (the chunk).</summary>
    public static TheoryData<int, int> WorkersByTile()
    {
        var cases = new TheoryData<int, int>();
        foreach (int threads in new[] { 1, 2, 3 })
            foreach (int tile in new[] { 1, 7, 100 }) cases.Add(threads, tile);
        return cases;
    }

    [Theory, MemberData(nameof(WorkersByTile))]
    public void Equals_the_reference_estimator_per_point_on_the_same_noise(int threads, int tileSamples)
    {
        var spec = new ModelSpec { D = 64, Dz = 4, EncoderHidden = [32], DecoderHidden = [24] };
        var theta = new ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.XavierUniform, 0.01f, new Rng(1, RngStream.Init));
        const int n = 250, k = 230;
        var x = new float[n * spec.D];
        var r = new Rng(2);
        for (int i = 0; i < x.Length; i++) x[i] = r.NextSingle() < 0.3f ? 1 : 0;
        Rng a = new(3, RngStream.Eval), b = new(3, RngStream.Eval);
        var pa = new double[n]; var pb = new double[n];
        var old = new Evaluator(spec, new ManagedBlas(threads), batch: 40, kChunk: 100).LogLikelihood(theta.Data, x, k, a, pa);
        var sampler = new ImportanceSampler(spec, new ManagedBlas(threads), batch: 40, kChunk: 100, tileSamples: tileSamples);
        Assert.Equal(threads, sampler.Workers);
        var neu = sampler.LogLikelihood(theta.Data, x, k, b, pb);
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(pa[i] - pb[i]) <= 1e-9 * Math.Abs(pa[i]), $"point {i}: reference {pa[i]:R}, sampler {pb[i]:R}");
        Assert.Equal(old.LogPx, neu.LogPx, 9);
        Assert.Equal(old.StdErr, neu.StdErr, 9);
        Assert.Equal((k, n), (neu.K, neu.N));
        Assert.Equal(a.NextUInt64(), b.NextUInt64()); // the stream is left where the reference leaves it
        Assert.True(pa.All(double.IsFinite) && pa.Distinct().Count() > n / 2, "estimates are finite and differ between points");
    }

    [Fact]
    public void Bad_arguments_are_refused_with_the_numbers()
    {
        var spec = new ModelSpec { D = 8, Dz = 2, EncoderHidden = [4], DecoderHidden = [4] };
        var s = new ImportanceSampler(spec, new ManagedBlas(1));
        var theta = new float[ModelLayout.For(spec).Count];
        Assert.Contains("not a positive multiple of D = 8", Assert.Throws<ArgumentException>(() => s.LogLikelihood(theta, new float[12], 5, new Rng(1))).Message);
        Assert.Contains("K (0) must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => s.LogLikelihood(theta, new float[8], 0, new Rng(1))).Message);
        Assert.Contains("tileSamples (0)", Assert.Throws<ArgumentException>(() => new ImportanceSampler(spec, new ManagedBlas(1), tileSamples: 0)).Message);
    }
}
