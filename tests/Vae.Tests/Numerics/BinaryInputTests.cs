// Exact sparsity of 0/1 inputs: the first layer's forward product and weight gradient on index lists equal the managed
// provider's dense sgemm BIT FOR BIT (both kernels, one and several depth blocks, odd shapes, accumulation onto
// non-zero and -0 gradients), a whole training step's gradient is bit-identical with the sparse path on and off, and
// any non-0/1 value makes the model fall back to the dense GEMM.
using Vae.Core.Inference;
using Vae.Core.Model;
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Tests.Numerics;

public class BinaryInputTests
{
    static float[] Binary(int n, double p, ulong seed)
    {
        var x = new float[n]; var r = new Rng(seed, RngStream.Split);
        for (int i = 0; i < n; i++) x[i] = r.NextDouble() < p ? 1f : 0f;
        return x;
    }

    static float[] Uniform(int n, ulong seed)
    {
        var x = new float[n]; new Rng(seed, RngStream.Init).FillUniform(x, -1f, 1f);
        return x;
    }

    static void AssertBitEqual(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i}: dense {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):x8}), " +
                            $"sparse {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):x8})");
    }

    public static TheoryData<int, int, int, double, bool> Shapes() => new()
    {
        { 100, 784, 500, 0.13, false }, // the MNIST step: 4 depth blocks of 196
        { 100, 784, 500, 0.13, true },
        { 37, 200, 45, 0.5, false },    // one depth block, edge tiles
        { 300, 600, 33, 0.02, false },  // 3 blocks of 200 in the forward, 2 of 150 in the gradient
        { 5, 9, 3, 1.0, false },        // all ones
        { 5, 9, 3, 0.0, false },        // all zeros
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sparse_products_equal_the_managed_dense_sgemm_bit_for_bit(int m, int d, int n, double density, bool wide)
    {
        // Without AVX-512 the 256-bit kernel stands in for the wide one (the summation order is the same).
        var kernel = wide && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? ManagedKernel.Vector512 : ManagedKernel.Vector256;
        using var blas = new ManagedBlas(2, kernel, parallelMinWork: 0);
        float[] x = Binary(m * d, density, 1), w = Uniform(d * n, 2), dy = Uniform(m * n, 3);
        var rows = new BinaryRows(m, d);
        Assert.True(rows.Build(x, m));
        var scratch = new float[n];

        var yDense = new float[m * n]; var ySparse = new float[m * n];
        Array.Fill(ySparse, float.NaN); // beta 0: whatever was there must not survive
        blas.Sgemm(false, false, m, n, d, 1f, x, d, w, n, 0f, yDense, n);
        rows.Multiply(w, n, ySparse, scratch);
        AssertBitEqual(yDense, ySparse, $"X W [{m}x{d}]x[{d}x{n}]");

        // dW += X^T dY onto a gradient holding values, +0 and -0 (the dense product turns -0 + +0 into +0).
        var g0 = Uniform(d * n, 4);
        for (int i = 0; i < g0.Length; i += 7) g0[i] = i % 2 == 0 ? 0f : -0f;
        var gDense = (float[])g0.Clone(); var gSparse = (float[])g0.Clone();
        blas.Sgemm(true, false, d, n, m, 1f, x, d, dy, n, 1f, gDense, n);
        rows.AccumulateTransposeProduct(dy, n, gSparse, scratch);
        AssertBitEqual(gDense, gSparse, $"dW += X^T dY [{d}x{m}]x[{m}x{n}]");
        Assert.Equal(x.Count(v => v == 1f), rows.Ones);
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(-0f)]
    [InlineData(2f)]
    [InlineData(float.NaN)]
    public void A_value_other_than_0_or_1_refuses_the_sparse_path(float odd)
    {
        var x = Binary(4 * 10, 0.3, 5);
        x[17] = odd;
        Assert.False(new BinaryRows(4, 10).Build(x, 4));
    }

    [Theory]
    [InlineData(Estimator.A, 2)]
    [InlineData(Estimator.B, 1)]
    public void A_training_step_is_bit_identical_with_the_sparse_path_on_and_off(Estimator est, int l)
    {
        var spec = new ModelSpec { D = 784, Dz = 20, EncoderHidden = [64], DecoderHidden = [64] };
        const int m = 50;
        var theta = new ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.TorchUniform, 0.01f, new Rng(1, RngStream.Init));
        var x = Binary(m * spec.D, 0.13, 6);
        var eps = new float[l * m * spec.Dz]; new Rng(7, RngStream.Noise).FillNormal(eps);
        using var blas = new ManagedBlas(2, ManagedKernel.Auto, parallelMinWork: 0);
        (double J, float[] Grad, bool Sparse) Run(bool sparse)
        {
            var sgvb = new Sgvb(spec, blas, m, l);
            sgvb.Model.SparseBinaryInput = sparse;
            var grad = new float[theta.Data.Length];
            double j = sgvb.Forward(theta.Data, x, m, eps, l, est);
            sgvb.Backward(theta.Data, grad);
            return (j, grad, sgvb.Model.LastBatchWasBinary);
        }
        var dense = Run(false); var sparse = Run(true);
        Assert.False(dense.Sparse); Assert.True(sparse.Sparse);
        Assert.Equal(BitConverter.DoubleToInt64Bits(dense.J), BitConverter.DoubleToInt64Bits(sparse.J));
        AssertBitEqual(dense.Grad, sparse.Grad, $"gradient, estimator {est}");
    }

    [Fact]
    public void Grey_inputs_take_the_dense_path()
    {
        var spec = new ModelSpec { D = 30, Dz = 2, EncoderHidden = [8], DecoderHidden = [8] };
        var theta = new ParameterSet(ModelLayout.For(spec));
        theta.Initialize(InitScheme.TorchUniform, 0.01f, new Rng(1, RngStream.Init));
        var model = new VaeModel(spec, new ManagedBlas(1), 4, 4);
        var x = Binary(4 * 30, 0.4, 8); x[3] = 0.25f;
        model.Encode(theta.Data, x, 4);
        Assert.False(model.LastBatchWasBinary);
        x[3] = 1f;
        model.Encode(theta.Data, x, 4);
        Assert.True(model.LastBatchWasBinary);
    }
}
