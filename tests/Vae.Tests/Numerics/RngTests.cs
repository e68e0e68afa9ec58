
namespace Vae.Tests.Numerics;

public class RngTests
{
    [Fact]
    public void Same_seed_and_stream_give_identical_sequences_and_streams_differ()
    {
        var a = new Rng(42, RngStream.Noise); var b = new Rng(42, RngStream.Noise); var c = new Rng(42, RngStream.Shuffle);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(new Rng(42, RngStream.Noise).NextUInt64(), c.NextUInt64());
    }

    [Fact]
    public void Restored_state_continues_bit_exactly()
    {
        var a = new Rng(7, RngStream.Noise);
        a.NextNormal(); // leaves a spare normal pending
        var s = a.State;
        var expected = new double[10]; for (int i = 0; i < 10; i++) expected[i] = a.NextNormal();
        var b = new Rng(0); b.Restore(s);
        for (int i = 0; i < 10; i++) Assert.Equal(expected[i], b.NextNormal());
    }

    [Fact]
    public void Normal_draws_have_unit_moments()
    {
        var r = new Rng(1, RngStream.Noise); int n = 200_000; double s = 0, s2 = 0;
        for (int i = 0; i < n; i++) { double x = r.NextNormal(); s += x; s2 += x * x; }
        Assert.InRange(s / n, -0.01, 0.01);
        Assert.InRange(s2 / n, 0.98, 1.02);
    }

    [Fact]
    public void NextInt_is_uniform_and_in_range()
    {
        var r = new Rng(3); var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[r.NextInt(7)]++;
        foreach (int c in counts) Assert.InRange(c, 9_500, 10_500);
    }
}
