// Owned, seeded random numbers: xoshiro256** with SplitMix64 seeding and named streams.
// Owns: uniform / normal / Bernoulli draws into spans, and the state needed for bit-exact resume.
// Must not: be global or static; every consumer receives its own Rng (init, shuffle, noise, binarization).
namespace Vae.Core.Numerics;

/// <summary>Independent random streams derived from one seed, so e.g. more noise draws never change the shuffle.</summary>
public enum RngStream : ulong { Init = 1, Shuffle = 2, Noise = 3, Binarize = 4, Eval = 5, Split = 6, Dream = 7, Hmc = 8 }

/// <summary>xoshiro256** generator. Not thread-safe: one instance per consumer.</summary>
public sealed class Rng
{
    ulong _s0, _s1, _s2, _s3;
    double _spare; bool _hasSpare; // second Box-Muller normal

    /// <summary>Creates the generator for (seed, stream); different streams are statistically independent.</summary>
    public Rng(ulong seed, RngStream stream = RngStream.Init) : this(seed, (ulong)stream) { }

    /// <summary>Creates the generator for (seed, stream id).</summary>
    public Rng(ulong seed, ulong streamId)
    {
        ulong x = seed ^ (0x9E3779B97F4A7C15UL * (streamId + 1));
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t; _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, n), unbiased (Lemire).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"n ({n}) must be positive");
        ulong bound = (ulong)n;
        UInt128 prod = (UInt128)NextUInt64() * bound;
        ulong low = (ulong)prod;
        if (low < bound)
        {
            ulong threshold = (0UL - bound) % bound;
            while (low < threshold) { prod = (UInt128)NextUInt64() * bound; low = (ulong)prod; }
        }
        return (int)(prod >> 64);
    }

    /// <summary>Standard normal (Box-Muller in double).</summary>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2); _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A copy in the same state: it draws what this one would draw next (for workers that start mid-stream).</summary>
    public Rng Clone() => (Rng)MemberwiseClone();

    /// <summary>Advances the stream past <paramref name="count"/> normal draws (as NextNormal / FillNormal would take
    /// them, spare included) without the Box-Muller transforms: a worker's copy then starts where its share begins.</summary>
    public void SkipNormals(long count)
    {
        if (count <= 0) return;
        if (_hasSpare) { _hasSpare = false; count--; }
        for (long i = 0; i < count / 2 * 2; i++) NextUInt64(); // each pair of normals takes two uniforms
        if (count % 2 == 1) NextNormal();                    // leaves the pair's second normal as the spare
    }

    /// <summary>Fills the span with independent N(mean, std^2) draws.</summary>
    public void FillNormal(Span<float> dst, float mean = 0f, float std = 1f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = mean + std * (float)NextNormal();
    }

    /// <summary>Fills the span with independent U(lo, hi) draws.</summary>
    public void FillUniform(Span<float> dst, float lo = 0f, float hi = 1f)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = lo + (hi - lo) * NextSingle();
    }

    /// <summary>dst[i] = 1 with probability p[i], else 0 (dynamic binarization).</summary>
    public void FillBernoulli(ReadOnlySpan<float> p, Span<float> dst)
    {
        if (p.Length != dst.Length) throw new ArgumentException($"lengths differ: p ({p.Length}) != dst ({dst.Length})");
        for (int i = 0; i < dst.Length; i++) dst[i] = NextSingle() < p[i] ? 1f : 0f;
    }

    /// <summary>dst[i] = 1 if a uniform draw is below table[levels[i]], else 0: the same draws and comparisons as
    /// FillBernoulli on the expanded probabilities (8-bit data kept as bytes).</summary>
    public void FillBernoulli(ReadOnlySpan<byte> levels, ReadOnlySpan<float> table, Span<float> dst)
    {
        if (levels.Length != dst.Length) throw new ArgumentException($"lengths differ: levels ({levels.Length}) != dst ({dst.Length})");
        if (table.Length < 256) throw new ArgumentException($"level table holds {table.Length} values, 256 needed");
        for (int i = 0; i < dst.Length; i++) dst[i] = NextSingle() < table[levels[i]] ? 1f : 0f;
    }

    /// <summary>In-place Fisher-Yates shuffle.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The full generator state (for checkpoints): four words, the spare normal and its flag.</summary>
    public RngState State => new(_s0, _s1, _s2, _s3, _spare, _hasSpare);

    /// <summary>Restores a state captured by <see cref="State"/>; the sequence continues bit-exactly.</summary>
    public void Restore(RngState s) { (_s0, _s1, _s2, _s3, _spare, _hasSpare) = (s.S0, s.S1, s.S2, s.S3, s.Spare, s.HasSpare); }
}

/// <summary>Serializable state of an <see cref="Rng"/>.</summary>
public readonly record struct RngState(ulong S0, ulong S1, ulong S2, ulong S3, double Spare, bool HasSpare);
