using System.Buffers.Binary;

namespace Vae.Tests.IO;

public class CheckpointTests
{
    static CheckpointData Sample()
    {
        var noise = new Rng(11, RngStream.Noise);
        noise.NextNormal(); // leaves a spare normal pending, so the flag and spare value are exercised
        var theta = new float[] { 1.5f, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon,
                                  BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFFA0_0001)) };
        var m = new float[37]; new Rng(3).FillNormal(m);
        var order = new int[50]; for (int i = 0; i < order.Length; i++) order[i] = i;
        new Rng(5, RngStream.Shuffle).Shuffle(order);
        return new CheckpointData(
            "{\"Dz\": 20, \"Name\": \"mnist – ü\"}",
            [new("theta", theta), new("adam.m", m), new("empty", [])],
            [new("order", order)],
            new Dictionary<string, RngState> { ["noise"] = noise.State, ["shuffle"] = new Rng(5, RngStream.Shuffle).State },
            new Dictionary<string, long> { ["epoch"] = 3, ["step"] = 1_234_567_890_123, ["position"] = 17, ["negative"] = -5 });
    }

    /// <summary>The sample checkpoint saved in a temp folder of its own (deleted on Dispose): its path and bytes.</summary>
    sealed class Saved : IDisposable
    {
        readonly TempDir _dir = new();
        public Saved() { File = _dir.File("a.ckpt"); Checkpoint.Save(File, Sample()); Bytes = System.IO.File.ReadAllBytes(File); }
        public string File { get; }
        public byte[] Bytes { get; }
        public void Dispose() => _dir.Dispose();
    }

    /// <summary>Damage to a saved checkpoint by name (the cases of the theory below); returns a damaged copy.</summary>
    static byte[] Damage(string how, byte[] saved)
    {
        var b = saved.ToArray();
        switch (how)
        {
            case "version 7": BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 7); return b;
            case "cut 10 bytes": return b[..^10];
            case "flip a content bit": b[b.Length / 2] ^= 0x01; return b;
            case "append 3 zeros": return [.. b, 0, 0, 0];
            default: throw new ArgumentException($"unknown damage '{how}'");
        }
    }

    static CheckpointFormatException LoadFails(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointFormatException>(() => Checkpoint.Load(path));
        Assert.Contains(Path.GetFullPath(path), e.Message);
        return e;
    }

    [Fact]
    public void Round_trip_is_bit_exact_including_NaN_payloads_and_negative_zero()
    {
        using var dir = new TempDir();
        var a = Sample();
        Checkpoint.Save(dir.File("x.ckpt"), a);
        var b = Checkpoint.Load(dir.File("x.ckpt"));

        Assert.Equal(a.SpecJson, b.SpecJson);
        Assert.Equal(a.Floats.Select(f => f.Name), b.Floats.Select(f => f.Name));
        for (int k = 0; k < a.Floats.Count; k++)
            Assert.Equal(a.Floats[k].Data.Select(BitConverter.SingleToInt32Bits), b.Floats[k].Data.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(a.Ints[0].Data, b.GetInts("order"));
        Assert.Equal(a.Counters.OrderBy(kv => kv.Key), b.Counters.OrderBy(kv => kv.Key));
        Assert.Equal(a.Rngs["noise"], b.GetRng("noise"));
        Assert.Equal(BitConverter.DoubleToInt64Bits(a.Rngs["noise"].Spare), BitConverter.DoubleToInt64Bits(b.Rngs["noise"].Spare));
        Assert.Equal(Path.GetFullPath(dir.File("x.ckpt")), b.Source);
    }

    [Fact]
    public void Restored_rng_continues_the_same_sequence_as_the_saved_one()
    {
        using var dir = new TempDir();
        var original = new Rng(99, RngStream.Noise);
        for (int i = 0; i < 7; i++) original.NextNormal(); // odd count: a spare normal is pending
        Checkpoint.Save(dir.File("r.ckpt"), new CheckpointData("{}", [], [],
            new Dictionary<string, RngState> { ["noise"] = original.State }, new Dictionary<string, long>()));
        var restored = new Rng(0);
        restored.Restore(Checkpoint.Load(dir.File("r.ckpt")).GetRng("noise"));
        for (int i = 0; i < 100; i++) Assert.Equal(original.NextNormal(), restored.NextNormal());
        for (int i = 0; i < 100; i++) Assert.Equal(original.NextUInt64(), restored.NextUInt64());
    }

    [Fact]
    public void Equal_data_gives_identical_files_whatever_the_dictionary_order()
    {
        using var dir = new TempDir();
        var a = Sample();
        var reversed = a with { Counters = a.Counters.Reverse().ToDictionary(), Rngs = a.Rngs.Reverse().ToDictionary() };
        Checkpoint.Save(dir.File("a.ckpt"), a);
        Checkpoint.Save(dir.File("b.ckpt"), reversed);
        Assert.Equal(File.ReadAllBytes(dir.File("a.ckpt")), File.ReadAllBytes(dir.File("b.ckpt")));
    }

    [Fact]
    public void Empty_file_is_rejected_naming_the_expected_magic()
    {
        using var dir = new TempDir();
        var e = LoadFails(dir.File("e.ckpt"), []);
        Assert.Contains("empty (0 bytes)", e.Message);
        Assert.Contains("VAECKPT", e.Message);
    }

    [Fact]
    public void Wrong_magic_is_rejected_showing_the_bytes_found()
    {
        using var dir = new TempDir();
        var e = LoadFails(dir.File("z.ckpt"), "PK\u0003\u0004 this is a zip"u8.ToArray());
        Assert.Contains("not a checkpoint", e.Message);
        Assert.Contains("50 4B 03 04", e.Message);
    }

    [Theory]
    [InlineData("version 7", "format version 7, this build reads version 1")]
    [InlineData("cut 10 bytes", "truncated: {1} bytes, the header declares {0}")]
    [InlineData("flip a content bit", "corrupted: SHA-256 checksum mismatch")]
    [InlineData("append 3 zeros", "{1} bytes but the header declares {0}")]
    public void Damage_is_reported_naming_what_was_found_and_expected(string how, string expected)
    {
        using var f = new Saved();
        byte[] damaged = Damage(how, f.Bytes);
        Assert.Contains(string.Format(expected, f.Bytes.Length, damaged.Length), LoadFails(f.File, damaged).Message);
    }

    [Fact]
    public void Every_truncation_gives_a_format_error_never_a_crash()
    {
        using var f = new Saved();
        for (int n = 0; n < f.Bytes.Length; n++) LoadFails(f.File, f.Bytes[..n]);
    }

    [Fact]
    public void A_flipped_byte_anywhere_gives_a_format_error()
    {
        using var f = new Saved();
        for (int i = 0; i < f.Bytes.Length; i++)
        {
            var c = (byte[])f.Bytes.Clone();
            c[i] ^= 0x10;
            LoadFails(f.File, c);
        }
    }

    [Fact]
    public void Save_replaces_an_existing_checkpoint_and_leaves_no_temp_files()
    {
        using var dir = new TempDir();
        var a = Sample();
        Checkpoint.Save(dir.File("c.ckpt"), a);
        Checkpoint.Save(dir.File("c.ckpt"), a with { Counters = new Dictionary<string, long> { ["epoch"] = 4 } });
        Assert.Equal(4, Checkpoint.Load(dir.File("c.ckpt")).GetCounter("epoch"));
        Assert.Equal(["c.ckpt"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Duplicate_or_empty_names_are_refused_when_saving()
    {
        using var dir = new TempDir();
        var a = Sample();
        var dup = a with { Floats = [new("theta", [1f]), new("theta", [2f])] };
        Assert.Contains("'theta' is used twice", Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("d.ckpt"), dup)).Message);
        var empty = a with { Ints = [new("", [1])] };
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(dir.File("d.ckpt"), empty));
        Assert.False(File.Exists(dir.File("d.ckpt")));
    }

    [Fact]
    public void Missing_entries_and_wrong_lengths_are_reported_with_the_names_present()
    {
        using var dir = new TempDir();
        Checkpoint.Save(dir.File("m.ckpt"), Sample());
        var c = Checkpoint.Load(dir.File("m.ckpt"));
        var e = Assert.Throws<CheckpointFormatException>(() => c.GetFloats("adam.v"));
        Assert.Contains("no float array 'adam.v'; it has: 'theta', 'adam.m', 'empty'", e.Message);
        Assert.Contains(Path.GetFullPath(dir.File("m.ckpt")), e.Message);
        var dst = new float[36];
        e = Assert.Throws<CheckpointFormatException>(() => c.CopyFloatsTo("adam.m", dst));
        Assert.Contains("has 37 values, the model expects 36", e.Message);
        Assert.Throws<CheckpointFormatException>(() => c.GetCounter("samples"));
        var ok = new float[37];
        c.CopyFloatsTo("adam.m", ok);
        Assert.Equal(c.GetFloats("adam.m"), ok);
    }

    [Fact]
    public void Missing_file_raises_file_not_found_naming_it()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(dir.File("nope.ckpt")));
        Assert.Contains("nope.ckpt", e.Message);
    }
}
