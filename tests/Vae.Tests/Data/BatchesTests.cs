// Batch iterator: seeded per-epoch permutations, dynamic binarization, bit-exact resume, no allocation per batch.
// Must not: need real data.
using Vae.Core.Data;
using Vae.Core.Numerics;

namespace Vae.Tests.Data;

public class BatchesTests
{
    /// <summary>N rows of D = 3 whose every pixel is the row index / 1000 (or p when given).</summary>
    static ImageSet Indexed(int n, float? p = null)
    {
        var x = new float[n * 3];
        for (int i = 0; i < n; i++) for (int j = 0; j < 3; j++) x[i * 3 + j] = p ?? i / 1000f;
        return new ImageSet(x, n, 1, 3, null);
    }

    static int[] RowsOf(float[] batch, int m) => Enumerable.Range(0, m).Select(k => (int)MathF.Round(batch[k * 3] * 1000)).ToArray();

    [Fact]
    public void Each_epoch_serves_every_row_once_in_a_fresh_seeded_order()
    {
        var it = new BatchIterator(Indexed(12), 4, seed: 9, binarize: false);
        var buf = new float[4 * 3]; // [M, D]
        var epochs = new List<int[]>();
        for (int e = 0; e < 3; e++)
        {
            var rows = new List<int>();
            for (int b = 0; b < it.BatchesPerEpoch; b++)
            {
                it.Next(buf);
                Assert.Equal(e, it.Epoch);
                rows.AddRange(RowsOf(buf, 4));
                Assert.Equal(RowsOf(buf, 4), it.LastIndices.ToArray());
            }
            Assert.True(it.EpochComplete);
            Assert.Equal(Enumerable.Range(0, 12), rows.Order());
            epochs.Add([.. rows]);
        }
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(Enumerable.Range(0, 12), epochs[0]);

        var same = new BatchIterator(Indexed(12), 4, seed: 9, binarize: false);
        same.Next(buf);
        Assert.Equal(epochs[0][..4], RowsOf(buf, 4));
        var other = new BatchIterator(Indexed(12), 4, seed: 10, binarize: false);
        other.Next(buf);
        Assert.NotEqual(epochs[0][..4], RowsOf(buf, 4));
    }

    [Fact]
    public void Leftover_rows_are_dropped_for_the_epoch()
    {
        var it = new BatchIterator(Indexed(10), 3, seed: 1, binarize: false);
        Assert.Equal(3, it.BatchesPerEpoch);
        var buf = new float[9];
        var rows = new List<int>();
        for (int b = 0; b < 3; b++) { it.Next(buf); rows.AddRange(RowsOf(buf, 3)); }
        Assert.Equal(9, rows.Distinct().Count());
    }

    [Fact]
    public void Dynamic_binarization_draws_fresh_binary_pixels_with_the_right_mean()
    {
        var it = new BatchIterator(Indexed(100, p: 0.25f), 100, seed: 4, binarize: true);
        var a = new float[300]; var b = new float[300];
        double sum = 0;
        for (int k = 0; k < 200; k++) { it.Next(a); foreach (float v in a) { Assert.True(v is 0f or 1f); sum += v; } }
        it.Next(b);
        Assert.NotEqual(a, b); // same rows (whole set each batch), new draws
        Assert.InRange(sum / (200 * 300), 0.25 - 0.005, 0.25 + 0.005); // 60,000 draws: sd 0.0018
    }

    [Theory]
    [InlineData(5, false)]  // mid-epoch
    [InlineData(4, true)]   // exactly at the end of epoch 0
    [InlineData(13, true)]  // mid-epoch 3, binarizing
    public void Restored_state_continues_bit_exactly(int drawnBefore, bool binarize)
    {
        var data = Indexed(17, binarize ? 0.5f : null);
        var a = new BatchIterator(data, 4, seed: 21, binarize);
        var buf = new float[12];
        for (int k = 0; k < drawnBefore; k++) a.Next(buf);
        var ms = new MemoryStream();
        a.State.Write(new BinaryWriter(ms));
        var expected = new List<float[]>();
        for (int k = 0; k < 10; k++) { a.Next(buf); expected.Add((float[])buf.Clone()); }

        var b = new BatchIterator(data, 4, seed: 999, binarize); // a different seed: everything must come from the state
        ms.Position = 0;
        b.Restore(BatchState.Read(new BinaryReader(ms)));
        for (int k = 0; k < 10; k++) { b.Next(buf); Assert.Equal(expected[k], buf); }
        Assert.Equal(a.State, b.State);
    }

    [Fact]
    public void Restoring_a_state_for_other_data_is_refused()
    {
        var s = new BatchIterator(Indexed(17), 4, 1, false).State;
        var e = Assert.Throws<ArgumentException>(() => new BatchIterator(Indexed(16), 4, 1, false).Restore(s));
        Assert.Contains("N = 17, M = 4; this iterator has N = 16, M = 4", e.Message);
        var bad = new MemoryStream(new byte[64]);
        Assert.Throws<InvalidDataException>(() => BatchState.Read(new BinaryReader(bad)));
    }

    [Fact]
    public void Drawing_batches_allocates_nothing()
    {
        var it = new BatchIterator(Indexed(1000, p: 0.5f), 100, seed: 2, binarize: true);
        var buf = new float[300];
        for (int k = 0; k < 30; k++) it.Next(buf); // warm up, crossing epoch boundaries
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 200; k++) it.Next(buf);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Bad_arguments_are_refused_with_numbers()
    {
        Assert.Contains("batch size (11) > dataset size (10)", Assert.Throws<ArgumentOutOfRangeException>(() => new BatchIterator(Indexed(10), 11, 1, false)).Message);
        Assert.Contains("needs pixels in [0, 1], found [0, 2]", Assert.Throws<ArgumentException>(() => new BatchIterator(new ImageSet([0f, 2f], 2, 1, 1, null), 1, 1, true)).Message);
        var it = new BatchIterator(Indexed(10), 2, 1, false);
        Assert.Contains("destination (5) < M * D (2 * 3)", Assert.Throws<ArgumentException>(() => it.Next(new float[5])).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Prefetch_serves_the_same_batches_and_states_and_resumes_the_same(bool binarize)
    {
        var data = Indexed(14, binarize ? 0.4f : null); // 14 rows, M = 4: 3 batches per epoch, 2 rows left over
        var plain = new BatchIterator(data, 4, seed: 5, binarize);
        var ahead = new BatchIterator(data, 4, seed: 5, binarize, prefetch: true);
        Assert.True(ahead.Prefetch);
        float[] a = new float[12], b = new float[12];
        BatchState? mid = null;
        for (int s = 0; s < 11; s++) // across three epoch boundaries
        {
            plain.Next(a); ahead.Next(b);
            Assert.Equal(a, b);
            Assert.Equal((plain.Epoch, plain.Index, plain.EpochComplete), (ahead.Epoch, ahead.Index, ahead.EpochComplete));
            Assert.Equal(plain.State, ahead.State); // the state of what was served, not of the batch drawn ahead
            Assert.Equal(plain.LastIndices.ToArray(), ahead.LastIndices.ToArray());
            if (s == 4) mid = ahead.State;
        }
        var resumed = new BatchIterator(data, 4, seed: 99, binarize, prefetch: true);
        resumed.Next(b); // something in flight before the restore
        resumed.Restore(mid!);
        var reference = new BatchIterator(data, 4, seed: 99, binarize);
        reference.Restore(mid!);
        for (int s = 0; s < 6; s++)
        {
            reference.Next(a); resumed.Next(b);
            Assert.Equal(a, b);
            Assert.Equal(reference.State, resumed.State);
        }
    }
}

public class CompactPixelTests
{
    static (ImageSet Bytes, ImageSet Floats) Pair(int n, int d, ulong seed)
    {
        var levels = new byte[n * d]; var r = new Rng(seed, RngStream.Split);
        for (int i = 0; i < levels.Length; i++) levels[i] = (byte)(r.NextDouble() < 0.5 ? 0 : r.NextInt(256));
        var floats = levels.Select(v => v / 255f).ToArray();
        return (ImageSet.FromLevels(levels, n, 1, d, null), new ImageSet(floats, n, 1, d, null));
    }

    [Fact]
    public void Eight_bit_sets_read_as_the_same_floats_without_expanding()
    {
        var (b, f) = Pair(30, 7, 1);
        Assert.True(b.HasLevels);
        Assert.Equal(f.Range(), b.Range());
        var rows = new float[5 * 7]; b.CopyRows(10, 5, rows);
        Assert.Equal(f.X.AsSpan(70, 35).ToArray(), rows);
        var row = new float[7]; b.CopyRow(29, row);
        Assert.Equal(f.Row(29).ToArray(), row);
        var slice = b.Slice(3, 4); var take = b.Take([5, 0, 29]);
        Assert.True(slice.HasLevels && take.HasLevels && !b.Slice(0, 0).HasLevels == false); // subsets stay 8-bit
        Assert.Equal(f.Slice(3, 4).X, slice.X);
        Assert.Equal(f.Take([5, 0, 29]).X, take.X);
        Assert.Equal(f.X, b.X); // expanded on demand: v / 255f, bit for bit
        Assert.Equal(f.X, b.WithLabels(new int[30]).X);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Batches_and_fixed_binarization_from_bytes_equal_those_from_floats(bool binarize)
    {
        var (b, f) = Pair(50, 11, 2);
        var fromBytes = new BatchIterator(b, 8, seed: 3, binarize, prefetch: true);
        var fromFloats = new BatchIterator(f, 8, seed: 3, binarize);
        float[] x = new float[88], y = new float[88];
        for (int s = 0; s < 20; s++) { fromBytes.Next(x); fromFloats.Next(y); Assert.Equal(y, x); }
        Assert.Equal(DataVariants.BinarizeFixed(f, 4, DataSplit.Test).X, DataVariants.BinarizeFixed(b, 4, DataSplit.Test).X);
    }
}
