// The convolutional VAE's networks in the TensorFlow CVAE tutorial's shape, for 28x28x1 images (channels last):
// encoder conv F1 3x3/2 ReLU (13x13) -> conv F2 3x3/2 ReLU (6x6) -> flatten (the Gaussian heads are VaeModel's Dense);
// decoder dense 7*7*32 ReLU -> convT G1 3x3/2 "same" ReLU (14x14) -> convT G2 3x3/2 "same" ReLU (28x28) -> convT 1 3x3/1
// "same" -> Bernoulli logits. Owns: those shapes, their layout entries and activation workspaces. Must not: know about
// likelihoods or estimators. "same" for stride 2 is PyTorch's padding 1, output padding 1 (TF pads the bottom/right instead).
using Vae.Core.Numerics;
using Vae.Core.Tensors;

namespace Vae.Core.Model;

/// <summary>A trunk network: x [rows, In] -> Output [rows, OutWidth]; backward from OutputGrad (filled by the caller).</summary>
public interface INetwork
{
    int MaxRows { get; }
    int OutWidth { get; }
    Span<float> Output { get; }
    Span<float> OutputGrad { get; }
    void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows);
    void ZeroGrad(int rows);
    void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, Span<float> dx, int rows);
}

/// <summary>Shapes and layout of the convolutional VAE.</summary>
public static class ConvVae
{
    /// <summary>Image side and channels the architecture takes (MNIST).</summary>
    public const int Side = 28, Channels = 1, Kernel = 3, DenseSide = 7, DenseChannels = 32;

    public static ConvGeometry Enc0(ModelSpec s) => ConvGeometry.Conv(Side, Side, Channels, Kernel, 2, 0);
    public static ConvGeometry Enc1(ModelSpec s) { var g = Enc0(s); return ConvGeometry.Conv(g.Ho, g.Wo, s.EncoderHidden[0], Kernel, 2, 0); }
    public static ConvGeometry Dec0(ModelSpec s) => ConvTranspose2d.Geometry(DenseSide, DenseSide, s.DecoderHidden[0], Kernel, 2, 1, 1);
    public static ConvGeometry Dec1(ModelSpec s) => ConvTranspose2d.Geometry(2 * DenseSide, 2 * DenseSide, s.DecoderHidden[1], Kernel, 2, 1, 1);
    public static ConvGeometry Dec2(ModelSpec s) => ConvTranspose2d.Geometry(Side, Side, Channels, Kernel, 1, 1, 0);
    /// <summary>Width of the flattened encoder output, Ho*Wo*F2 (6*6*64 = 2304 for the tutorial's filters).</summary>
    public static int EncoderWidth(ModelSpec s) => Enc1(s).Patches * s.EncoderHidden[1];

    /// <summary>Throws ArgumentException unless spec fits the architecture.</summary>
    public static void Check(ModelSpec s)
    {
        if (s.D != Side * Side * Channels)
            throw new ArgumentException($"the convolutional VAE takes {Side}x{Side}x{Channels} images (D = {Side * Side * Channels}); this data has D = {s.D}");
        if (s.Likelihood != Likelihood.Bernoulli)
            throw new ArgumentException($"the convolutional VAE has a Bernoulli decoder (logits); found likelihood {s.Likelihood}");
        if (s.EncoderHidden.Count != 2 || s.DecoderHidden.Count != 2)
            throw new ArgumentException($"the convolutional VAE takes two encoder and two decoder filter counts (e.g. 32,64); found " +
                                        $"[{string.Join(",", s.EncoderHidden)}] and [{string.Join(",", s.DecoderHidden)}]");
    }

    /// <summary>E.g. "conv 28x28x1-c32-c64-20 dec 1568-t64-t32-t1 relu Bernoulli".</summary>
    public static string Describe(ModelSpec s) =>
        $"conv {Side}x{Side}x{Channels}-c{s.EncoderHidden[0]}-c{s.EncoderHidden[1]}-{s.Dz} dec {DenseSide * DenseSide * DenseChannels}" +
        $"-t{s.DecoderHidden[0]}-t{s.DecoderHidden[1]}-t{Channels} {s.Activation.ToString().ToLowerInvariant()} {s.Likelihood}";

    /// <summary>enc.conv0, enc.conv1, enc.mu, enc.logvar, dec.0 (dense), dec.convt0, dec.convt1, dec.logits (W, b each).</summary>
    public static IEnumerable<(string, int, int, bool)> Tensors(ModelSpec s)
    {
        int h = EncoderWidth(s), dense = DenseSide * DenseSide * DenseChannels;
        return Conv2d.Tensors("enc.conv0", Enc0(s), s.EncoderHidden[0])
            .Concat(Conv2d.Tensors("enc.conv1", Enc1(s), s.EncoderHidden[1]))
            .Concat([("enc.mu.W", h, s.Dz, false), ("enc.mu.b", 1, s.Dz, true), ("enc.logvar.W", h, s.Dz, false), ("enc.logvar.b", 1, s.Dz, true),
                     ("dec.0.W", s.Dz, dense, false), ("dec.0.b", 1, dense, true)])
            .Concat(ConvTranspose2d.Tensors("dec.convt0", Dec0(s), DenseChannels))
            .Concat(ConvTranspose2d.Tensors("dec.convt1", Dec1(s), s.DecoderHidden[0]))
            .Concat(ConvTranspose2d.Tensors("dec.logits", Dec2(s), s.DecoderHidden[1]));
    }
}

/// <summary>x [rows, 28*28] -> conv -> act -> conv -> act -> Output [rows, EncoderWidth] (NHWC flatten).</summary>
public sealed class ConvEncoder : INetwork
{
    readonly Conv2d _c0, _c1;
    readonly float[] _h0, _dh0, _h1, _dh1; // [maxRows, 13*13*F1], [maxRows, 6*6*F2]
    readonly Activation _act;

    public ConvEncoder(ParameterLayout layout, ModelSpec s, int maxRows)
    {
        _c0 = new Conv2d(layout, "enc.conv0", ConvVae.Enc0(s), s.EncoderHidden[0], maxRows);
        _c1 = new Conv2d(layout, "enc.conv1", ConvVae.Enc1(s), s.EncoderHidden[1], maxRows);
        (_act, MaxRows) = (s.Activation, maxRows);
        _h0 = new float[maxRows * _c0.OutSize]; _dh0 = new float[_h0.Length];
        _h1 = new float[maxRows * _c1.OutSize]; _dh1 = new float[_h1.Length];
    }

    public int MaxRows { get; }
    public int OutWidth => _c1.OutSize;
    public Span<float> Output => _h1;
    public Span<float> OutputGrad => _dh1;

    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows)
    {
        _c0.Forward(blas, theta, x, _h0, rows, _act);
        _c1.Forward(blas, theta, _h0, _h1, rows, _act);
    }

    public void ZeroGrad(int rows) { _dh0.AsSpan(0, rows * _c0.OutSize).Clear(); _dh1.AsSpan(0, rows * _c1.OutSize).Clear(); }

    public void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, Span<float> dx, int rows)
    {
        int n1 = rows * _c1.OutSize, n0 = rows * _c0.OutSize;
        Kernels.ActivationBackward(_act, _h1.AsSpan(0, n1), _dh1.AsSpan(0, n1));
        _c1.Backward(blas, theta, _h0, _dh1, grad, _dh0, rows);
        Kernels.ActivationBackward(_act, _h0.AsSpan(0, n0), _dh0.AsSpan(0, n0));
        _c0.Backward(blas, theta, x, _dh0, grad, dx, rows);
    }
}

/// <summary>z [rows, Dz] -> dense 7*7*32 -> act -> convT -> act -> convT -> act -> convT -> Output = logits [rows, 784].</summary>
public sealed class ConvDecoder : INetwork
{
    readonly Dense _d0;
    readonly ConvTranspose2d _t0, _t1, _t2;
    readonly float[] _h0, _dh0, _h1, _dh1, _h2, _dh2, _h3, _dh3; // [maxRows, 7*7*32 | 14*14*G1 | 28*28*G2 | 784]
    readonly Activation _act;

    public ConvDecoder(ParameterLayout layout, ModelSpec s, int maxRows)
    {
        _d0 = new Dense(layout, "dec.0");
        _t0 = new ConvTranspose2d(layout, "dec.convt0", ConvVae.Dec0(s), ConvVae.DenseChannels, maxRows);
        _t1 = new ConvTranspose2d(layout, "dec.convt1", ConvVae.Dec1(s), s.DecoderHidden[0], maxRows);
        _t2 = new ConvTranspose2d(layout, "dec.logits", ConvVae.Dec2(s), s.DecoderHidden[1], maxRows);
        (_act, MaxRows) = (s.Activation, maxRows);
        _h0 = new float[maxRows * _d0.Out]; _dh0 = new float[_h0.Length];
        _h1 = new float[maxRows * _t0.OutSize]; _dh1 = new float[_h1.Length];
        _h2 = new float[maxRows * _t1.OutSize]; _dh2 = new float[_h2.Length];
        _h3 = new float[maxRows * _t2.OutSize]; _dh3 = new float[_h3.Length];
    }

    public int MaxRows { get; }
    public int OutWidth => _t2.OutSize;
    public Span<float> Output => _h3;
    public Span<float> OutputGrad => _dh3;

    public void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> z, int rows)
    {
        _d0.Forward(blas, theta, z, _h0.AsSpan(0, rows * _d0.Out), rows, _act);
        _t0.Forward(blas, theta, _h0, _h1, rows, _act);
        _t1.Forward(blas, theta, _h1, _h2, rows, _act);
        _t2.Forward(blas, theta, _h2, _h3, rows);
    }

    public void ZeroGrad(int rows)
    {
        _dh0.AsSpan(0, rows * _d0.Out).Clear(); _dh1.AsSpan(0, rows * _t0.OutSize).Clear();
        _dh2.AsSpan(0, rows * _t1.OutSize).Clear(); _dh3.AsSpan(0, rows * _t2.OutSize).Clear();
    }

    public void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> z, Span<float> grad, Span<float> dz, int rows)
    {
        _t2.Backward(blas, theta, _h2, _dh3, grad, _dh2, rows);
        Kernels.ActivationBackward(_act, _h2.AsSpan(0, rows * _t1.OutSize), _dh2.AsSpan(0, rows * _t1.OutSize));
        _t1.Backward(blas, theta, _h1, _dh2, grad, _dh1, rows);
        Kernels.ActivationBackward(_act, _h1.AsSpan(0, rows * _t0.OutSize), _dh1.AsSpan(0, rows * _t0.OutSize));
        _t0.Backward(blas, theta, _h0, _dh1, grad, _dh0, rows);
        Kernels.ActivationBackward(_act, _h0.AsSpan(0, rows * _d0.Out), _dh0.AsSpan(0, rows * _d0.Out));
        _d0.Backward(blas, theta, z, _dh0, grad, dz, rows);
    }
}
