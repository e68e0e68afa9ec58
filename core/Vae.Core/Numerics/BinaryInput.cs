// Exact sparsity of 0/1 inputs for a first dense layer: binarized pixels are ~87 % zeros, and with x in {0, 1} every
// product x*w is exact, so X W and X^T dY reduce to sums of selected rows, skipping the zeros.
// Owns: the index lists of a binary batch and the two products on them. Must not: decide when to use them (Layers do).
// Bit-identity: each output element is summed in the same order and depth blocks as ManagedBlas (ascending k within
// blocks of ManagedGemmKernels.DepthStep(k), the block sums added to C in order), so results equal the managed
// provider's dense sgemm bit for bit (tested; W and dY finite). Other providers round in their own order.
using System.Numerics.Tensors;

namespace Vae.Core.Numerics;

/// <summary>A binary [M, D] batch as index lists: the ones of each row (for X W) and of each column (for X^T dY).</summary>
public sealed class BinaryRows
{
    readonly int[] _rowStart, _cols;   // CSR: ones of row m are _cols[_rowStart[m] .. _rowStart[m+1])
    readonly int[] _colStart, _rows;   // CSC: ones of column p are _rows[_colStart[p] .. _colStart[p+1])
    readonly int[] _colCount;          // [D] scratch for the transpose

    /// <summary>Index lists for batches of up to maxRows rows of d columns (allocated once).</summary>
    public BinaryRows(int maxRows, int d)
    {
        if (maxRows <= 0 || d <= 0) throw new ArgumentException($"maxRows ({maxRows}) and D ({d}) must be positive");
        (MaxRows, D) = (maxRows, d);
        _rowStart = new int[maxRows + 1]; _cols = new int[maxRows * d];
        _colStart = new int[d + 1]; _rows = new int[maxRows * d]; _colCount = new int[d];
    }

    public int MaxRows { get; }
    public int D { get; }
    /// <summary>Rows of the batch last built.</summary>
    public int Rows { get; private set; }
    /// <summary>Ones in the batch last built.</summary>
    public int Ones => _rowStart[Rows];

    /// <summary>Indexes x [rows, D]; returns false (and keeps nothing) when any element is not exactly 0 or 1.</summary>
    public bool Build(ReadOnlySpan<float> x, int rows)
    {
        if (rows <= 0 || rows > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"rows ({rows}) must be in 1..{MaxRows}");
        if (x.Length < rows * D) throw new ArgumentException($"x holds {x.Length} floats, rows*D = {rows}*{D} needed");
        Rows = 0;
        int nnz = 0;
        Array.Clear(_colCount);
        for (int m = 0; m < rows; m++)
        {
            _rowStart[m] = nnz;
            var row = x.Slice(m * D, D);
            for (int p = 0; p < row.Length; p++)
            {
                float v = row[p];
                if (v == 0f && !float.IsNegative(v)) continue; // -0 would differ in sign after a skipped product
                if (v != 1f) return false;
                _cols[nnz++] = p; _colCount[p]++;
            }
        }
        _rowStart[rows] = nnz;
        _colStart[0] = 0;
        for (int p = 0; p < D; p++) _colStart[p + 1] = _colStart[p] + _colCount[p];
        for (int p = 0; p < D; p++) _colCount[p] = _colStart[p];
        for (int m = 0; m < rows; m++) // ascending m within each column, as the dense product sums them
            for (int i = _rowStart[m]; i < _rowStart[m + 1]; i++) _rows[_colCount[_cols[i]]++] = m;
        Rows = rows;
        return true;
    }

    /// <summary>y[Rows, n] = X w, w [D, n] row-major (sgemm with alpha 1, beta 0); acc: scratch of n floats.</summary>
    public void Multiply(ReadOnlySpan<float> w, int n, Span<float> y, Span<float> acc)
    {
        Check(w.Length, D, n, y.Length, Rows, acc.Length);
        int step = ManagedGemmKernels.DepthStep(D);
        acc = acc.Slice(0, n);
        for (int m = 0; m < Rows; m++)
        {
            var ym = y.Slice(m * n, n);
            int i = _rowStart[m], end = _rowStart[m + 1];
            for (int p0 = 0; p0 < D; p0 += step)
            {
                // The managed kernel sums each depth block from +0, then stores it (first block) or adds it to C.
                var dst = p0 == 0 ? ym : acc;
                dst.Clear();
                for (; i < end && _cols[i] < p0 + step; i++) TensorPrimitives.Add(dst, w.Slice(_cols[i] * n, n), dst);
                if (p0 > 0) TensorPrimitives.Add(ym, acc, ym);
            }
        }
    }

    /// <summary>dw[D, n] += X^T dy, dy [Rows, n] (sgemm transA with alpha 1, beta 1); acc: scratch of n floats.</summary>
    public void AccumulateTransposeProduct(ReadOnlySpan<float> dy, int n, Span<float> dw, Span<float> acc)
    {
        Check(dy.Length, Rows, n, dw.Length, D, acc.Length);
        int step = ManagedGemmKernels.DepthStep(Rows);
        acc = acc.Slice(0, n);
        for (int p = 0; p < D; p++)
        {
            var dwp = dw.Slice(p * n, n);
            int i = _colStart[p], end = _colStart[p + 1];
            for (int m0 = 0; m0 < Rows; m0 += step)
            {
                acc.Clear();
                for (; i < end && _rows[i] < m0 + step; i++) TensorPrimitives.Add(acc, dy.Slice(_rows[i] * n, n), acc);
                TensorPrimitives.Add(dwp, acc, dwp); // also for an empty block: -0 + +0 = +0, as the dense product
            }
        }
    }

    static void Check(int inLength, int inRows, int n, int outLength, int outRows, int accLength)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"columns ({n}) must be positive");
        if (inLength < inRows * n) throw new ArgumentException($"operand holds {inLength} floats, [{inRows}, {n}] needed");
        if (outLength < outRows * n) throw new ArgumentException($"result holds {outLength} floats, [{outRows}, {n}] needed");
        if (accLength < n) throw new ArgumentException($"scratch holds {accLength} floats, {n} needed");
    }
}
