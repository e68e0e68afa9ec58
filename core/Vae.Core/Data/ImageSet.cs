// One split of a dataset in memory: pixels [N, D] row-major, optional labels, image shape. 8-bit data (IDX files)
// are kept as bytes, a quarter of float32 (MNIST's 60,000 training images: 47 MB instead of 188 MB); X expands them
// on first use. Owns: the container, its shape checks, row copies and subsets. Must not: read files or draw random numbers.
namespace Vae.Core.Data;

/// <summary>N images of Rows x Cols = D pixels, stored row-major (image i is X[i*D .. (i+1)*D), each image
/// row-major and upright), with optional integer labels.</summary>
public sealed class ImageSet
{
    float[]? _x;
    readonly byte[]? _levels; // [N, D] 8-bit levels; pixel = Level[v] = v / 255f

    /// <summary>Pixel value of each 8-bit level: v / 255f (the IDX convention; the same floats as before bytes were kept).</summary>
    public static readonly float[] Level = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Pixels, [N, D] row-major. For a set made by <see cref="FromLevels"/> this expands the bytes into a float
    /// array on first use (and keeps it): streaming users (batches, evaluation in pieces) read <see cref="Levels"/> or
    /// <see cref="CopyRows"/> instead.</summary>
    public float[] X => _x ??= Expand();

    /// <summary>The 8-bit levels [N, D] when the set holds bytes (see <see cref="Level"/>), else empty.</summary>
    public ReadOnlySpan<byte> Levels => _levels;
    /// <summary>True when the pixels are held as 8-bit levels.</summary>
    public bool HasLevels => _levels is not null;
    /// <summary>Labels [N] (0-based class ids), or null when the dataset has none.</summary>
    public int[]? Labels { get; }
    /// <summary>Number of images.</summary>
    public int N { get; }
    /// <summary>Pixels per image (Rows * Cols).</summary>
    public int D { get; }
    /// <summary>Image height.</summary>
    public int Rows { get; }
    /// <summary>Image width.</summary>
    public int Cols { get; }

    /// <summary>Wraps <paramref name="x"/> ([N, Rows*Cols]) without copying.</summary>
    public ImageSet(float[] x, int n, int rows, int cols, int[]? labels)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (n < 0 || rows <= 0 || cols <= 0) throw new ArgumentException($"bad shape: N ({n}), rows ({rows}), cols ({cols})");
        if (x.LongLength != (long)n * rows * cols)
            throw new ArgumentException($"pixel array length ({x.LongLength}) != N * rows * cols ({n} * {rows} * {cols})");
        if (labels is not null && labels.Length != n) throw new ArgumentException($"labels ({labels.Length}) != N ({n})");
        (_x, N, Rows, Cols, D, Labels) = (x, n, rows, cols, rows * cols, labels);
    }

    ImageSet(byte[] levels, int n, int rows, int cols, int[]? labels)
    {
        if (n < 0 || rows <= 0 || cols <= 0) throw new ArgumentException($"bad shape: N ({n}), rows ({rows}), cols ({cols})");
        if (levels.LongLength != (long)n * rows * cols)
            throw new ArgumentException($"level array length ({levels.LongLength}) != N * rows * cols ({n} * {rows} * {cols})");
        if (labels is not null && labels.Length != n) throw new ArgumentException($"labels ({labels.Length}) != N ({n})");
        (_levels, N, Rows, Cols, D, Labels) = (levels, n, rows, cols, rows * cols, labels);
    }

    /// <summary>Wraps 8-bit levels ([N, Rows*Cols], pixel = v / 255) without copying.</summary>
    public static ImageSet FromLevels(byte[] levels, int n, int rows, int cols, int[]? labels)
    {
        ArgumentNullException.ThrowIfNull(levels);
        return new ImageSet(levels, n, rows, cols, labels);
    }

    /// <summary>The same pixels (shared, not copied) with <paramref name="labels"/>.</summary>
    public ImageSet WithLabels(int[]? labels) =>
        _levels is not null ? new ImageSet(_levels, N, Rows, Cols, labels) : new ImageSet(X, N, Rows, Cols, labels);

    float[] Expand()
    {
        var x = new float[_levels!.LongLength];
        for (long i = 0; i < x.LongLength; i++) x[i] = Level[_levels[i]];
        return x;
    }

    /// <summary>Image <paramref name="i"/>, [D].</summary>
    public ReadOnlySpan<float> Row(int i)
    {
        if ((uint)i >= (uint)N) throw new ArgumentOutOfRangeException(nameof(i), $"row {i} outside [0, {N})");
        return X.AsSpan(i * D, D);
    }

    /// <summary>Writes image <paramref name="i"/> ([D]) into <paramref name="dst"/> without expanding the whole set.</summary>
    public void CopyRow(int i, Span<float> dst)
    {
        if ((uint)i >= (uint)N) throw new ArgumentOutOfRangeException(nameof(i), $"row {i} outside [0, {N})");
        if (dst.Length < D) throw new ArgumentException($"destination ({dst.Length}) < D ({D})");
        if (_x is not null) { _x.AsSpan(i * D, D).CopyTo(dst); return; }
        var src = _levels.AsSpan(i * D, D);
        for (int j = 0; j < src.Length; j++) dst[j] = Level[src[j]];
    }

    /// <summary>Copies rows [start, start+count) into <paramref name="dst"/> ([count, D]); for sequential evaluation.</summary>
    public void CopyRows(int start, int count, Span<float> dst)
    {
        if (start < 0 || count < 0 || start + count > N) throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside [0, {N})");
        if (dst.Length < count * D) throw new ArgumentException($"destination ({dst.Length}) < count * D ({count} * {D})");
        if (_x is not null) { _x.AsSpan(start * D, count * D).CopyTo(dst); return; }
        var src = _levels.AsSpan(start * D, count * D);
        for (int j = 0; j < src.Length; j++) dst[j] = Level[src[j]];
    }

    /// <summary>A new set holding copies of the rows at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Take(ReadOnlySpan<int> indices)
    {
        var y = Labels is null ? null : new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
            if (y is not null) y[k] = Labels![indices[k]];
        if (_x is null) // stays 8-bit
        {
            var levels = new byte[(long)indices.Length * D]; // [n, D]
            for (int k = 0; k < indices.Length; k++)
            {
                if ((uint)indices[k] >= (uint)N) throw new ArgumentOutOfRangeException(nameof(indices), $"row {indices[k]} outside [0, {N})");
                _levels.AsSpan(indices[k] * D, D).CopyTo(levels.AsSpan(k * D, D));
            }
            return new ImageSet(levels, indices.Length, Rows, Cols, y);
        }
        var x = new float[(long)indices.Length * D]; // [n, D]
        for (int k = 0; k < indices.Length; k++) Row(indices[k]).CopyTo(x.AsSpan(k * D, D));
        return new ImageSet(x, indices.Length, Rows, Cols, y);
    }

    /// <summary>A new set holding copies of rows [start, start+count).</summary>
    public ImageSet Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > N) throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside [0, {N})");
        var y = Labels?.AsSpan(start, count).ToArray();
        return _x is null ? new ImageSet(_levels.AsSpan(start * D, count * D).ToArray(), count, Rows, Cols, y) // stays 8-bit
                          : new ImageSet(_x.AsSpan(start * D, count * D).ToArray(), count, Rows, Cols, y);
    }

    /// <summary>Smallest and largest pixel value (NaN, NaN when empty).</summary>
    public (float Min, float Max) Range()
    {
        if (N == 0) return (float.NaN, float.NaN);
        if (_x is null) return (Level[System.Numerics.Tensors.TensorPrimitives.Min<byte>(_levels)], Level[System.Numerics.Tensors.TensorPrimitives.Max<byte>(_levels)]);
        return (System.Numerics.Tensors.TensorPrimitives.Min(X), System.Numerics.Tensors.TensorPrimitives.Max(X));
    }

    /// <summary>True when every pixel is exactly 0 or 1.</summary>
    public bool IsBinary()
    {
        foreach (float v in X) if (v != 0f && v != 1f) return false;
        return true;
    }

    /// <summary>Mean pixel value, accumulated in double.</summary>
    public double Mean()
    {
        double s = 0; foreach (float v in X) s += v;
        return X.Length == 0 ? double.NaN : s / X.Length;
    }
}
