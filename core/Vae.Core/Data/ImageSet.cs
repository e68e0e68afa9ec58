// One split of a dataset in memory: float32 pixels [N, D] row-major, optional labels, image shape.
// Owns: the container, its shape checks, row copies and subsets. Must not: read files or draw random numbers.
namespace Vae.Core.Data;

/// <summary>N images of Rows x Cols = D pixels, stored row-major (image i is X[i*D .. (i+1)*D), each image
/// row-major and upright), with optional integer labels.</summary>
public sealed class ImageSet
{
    /// <summary>Pixels, [N, D] row-major.</summary>
    public float[] X { get; }
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
        (X, N, Rows, Cols, D, Labels) = (x, n, rows, cols, rows * cols, labels);
    }

    /// <summary>Image <paramref name="i"/>, [D].</summary>
    public ReadOnlySpan<float> Row(int i)
    {
        if ((uint)i >= (uint)N) throw new ArgumentOutOfRangeException(nameof(i), $"row {i} outside [0, {N})");
        return X.AsSpan(i * D, D);
    }

    /// <summary>Copies rows [start, start+count) into <paramref name="dst"/> ([count, D]); for sequential evaluation.</summary>
    public void CopyRows(int start, int count, Span<float> dst)
    {
        if (start < 0 || count < 0 || start + count > N) throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside [0, {N})");
        if (dst.Length < count * D) throw new ArgumentException($"destination ({dst.Length}) < count * D ({count} * {D})");
        X.AsSpan(start * D, count * D).CopyTo(dst);
    }

    /// <summary>A new set holding copies of the rows at <paramref name="indices"/>, in that order.</summary>
    public ImageSet Take(ReadOnlySpan<int> indices)
    {
        var x = new float[(long)indices.Length * D]; // [n, D]
        var y = Labels is null ? null : new int[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            Row(indices[k]).CopyTo(x.AsSpan(k * D, D));
            if (y is not null) y[k] = Labels![indices[k]];
        }
        return new ImageSet(x, indices.Length, Rows, Cols, y);
    }

    /// <summary>A new set holding copies of rows [start, start+count).</summary>
    public ImageSet Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > N) throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) outside [0, {N})");
        return new ImageSet(X.AsSpan(start * D, count * D).ToArray(), count, Rows, Cols, Labels?.AsSpan(start, count).ToArray());
    }

    /// <summary>Smallest and largest pixel value (NaN, NaN when empty).</summary>
    public (float Min, float Max) Range()
    {
        if (X.Length == 0) return (float.NaN, float.NaN);
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
