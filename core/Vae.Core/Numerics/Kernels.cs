// Span-in / span-out elementwise kernels for the layers: bias, activations and their derivatives, column sums.
// Owns: allocation-free vectorised loops (TensorPrimitives / Vector<float>). Must not: know about models or GEMM.
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Vae.Core.Model;

namespace Vae.Core.Numerics;

/// <summary>Allocation-free kernels on row-major [rows, n] blocks.</summary>
public static class Kernels
{
    /// <summary>y[r, :] += b for every row r. y: [rows, n], b: [n].</summary>
    public static void AddBiasRows(Span<float> y, ReadOnlySpan<float> b, int rows)
    {
        int n = b.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * n, n);
            TensorPrimitives.Add(row, b, row);
        }
    }

    /// <summary>db += sum over rows of dy. dy: [rows, n], db: [n]. Vectorised over columns.</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> dy, int rows, Span<float> db)
    {
        int n = db.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = dy.Slice(r * n, n);
            TensorPrimitives.Add(db, row, db);
        }
    }

    /// <summary>h = act(h) in place.</summary>
    public static void ActivationForward(Activation act, Span<float> h)
    {
        switch (act)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(h, h); break;
            case Activation.Relu: TensorPrimitives.Max(h, 0f, h); break;
            case Activation.Softplus: Softplus(h); break;
            case Activation.Identity: break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>
    /// dh *= act'(pre), expressed through the OUTPUT h = act(pre) so the pre-activation need not be stored:
    /// tanh' = 1 - h^2; relu' = [h &gt; 0]; softplus' = sigmoid(pre) = 1 - exp(-h).
    /// </summary>
    public static void ActivationBackward(Activation act, ReadOnlySpan<float> h, Span<float> dh)
    {
        if (h.Length != dh.Length) throw new ArgumentException($"h ({h.Length}) and dh ({dh.Length}) lengths differ");
        switch (act)
        {
            case Activation.Tanh:
            {
                // dh * (1 - h*h) = dh - dh*h*h
                int i = 0, w = Vector<float>.Count;
                var hv = MemoryMarshal.Cast<float, Vector<float>>(h);
                var dv = MemoryMarshal.Cast<float, Vector<float>>(dh);
                for (int v = 0; v < hv.Length; v++) dv[v] *= Vector<float>.One - hv[v] * hv[v];
                for (i = hv.Length * w; i < h.Length; i++) dh[i] *= 1f - h[i] * h[i];
                break;
            }
            case Activation.Relu:
                for (int i = 0; i < h.Length; i++) if (h[i] <= 0f) dh[i] = 0f;
                break;
            case Activation.Softplus:
                for (int i = 0; i < h.Length; i++) dh[i] *= (float)(-ExpM1(-(double)h[i]));
                break;
            case Activation.Identity:
                break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "unknown activation");
        }
    }

    /// <summary>Numerically stable softplus in place: max(a, 0) + log1p(exp(-|a|)).</summary>
    public static void Softplus(Span<float> a)
    {
        for (int i = 0; i < a.Length; i++)
        {
            float v = a[i];
            a[i] = MathF.Max(v, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(v)));
        }
    }

    /// <summary>exp(x) - 1, accurate near 0 (x &lt;= 0 here, so 1 - exp(-h) keeps its digits for small h).</summary>
    static double ExpM1(double x) => Math.Abs(x) < 1e-5 ? x + 0.5 * x * x : Math.Exp(x) - 1.0;

    /// <summary>Stable softplus of one value in double.</summary>
    public static double Softplus(double a) => Math.Max(a, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(a)));
}
