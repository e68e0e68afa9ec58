// The convolutional VAE's networks in the TensorFlow CVAE tutorial's shape, for 28x28x1 images (channels last):
// encoder conv F1 3x3/2 ReLU (13x13) -> conv F2 3x3/2 ReLU (6x6) -> flatten (the Gaussian heads are VaeModel's Dense);
// decoder dense 7*7*32 ReLU -> convT G1 3x3/2 "same" ReLU (14x14) -> convT G2 3x3/2 "same" ReLU (28x28) -> convT 1 3x3/1
// "same" -> Bernoulli logits. Owns: those shapes, their layout entries and activation workspaces. Must not: know about
// likelihoods or estimators. "same" for stride 2 is PyTorch's padding 1, output padding 1 (TF pads the bottom/right instead).

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

/// <summary>A trunk's activation workspaces: H[i] / DH[i] [maxRows, Widths[i]] for each layer's output (the last is the
/// network's Output / OutputGrad), shared by the encoder and decoder so each holds only its layers and their order.</summary>
public abstract class NetworkBuffers : INetwork
{
    readonly int[] _widths;
    protected readonly float[][] H, DH;
    protected readonly Activation Act;

    protected NetworkBuffers(int maxRows, Activation act, params int[] widths)
    {
        (MaxRows, Act, _widths) = (maxRows, act, widths);
        H = widths.Select(w => new float[maxRows * w]).ToArray();
        DH = widths.Select(w => new float[maxRows * w]).ToArray();
    }

    public int MaxRows { get; }
    public int OutWidth => _widths[^1];
    public Span<float> Output => H[^1];
    public Span<float> OutputGrad => DH[^1];

    public void ZeroGrad(int rows) { for (int i = 0; i < DH.Length; i++) DH[i].AsSpan(0, rows * _widths[i]).Clear(); }

    /// <summary>DH[i] *= act'(H[i]) on the first rows: the gradient w.r.t. layer i's pre-activation.</summary>
    protected void ActivationBackward(int i, int rows) =>
        Kernels.ActivationBackward(Act, H[i].AsSpan(0, rows * _widths[i]), DH[i].AsSpan(0, rows * _widths[i]));

    public abstract void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows);
    public abstract void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, Span<float> dx, int rows);
}

/// <summary>x [rows, 28*28] -> conv -> act -> conv -> act -> Output [rows, EncoderWidth] (NHWC flatten).</summary>
public sealed class ConvEncoder : NetworkBuffers
{
    readonly Conv2d _c0, _c1;

    public ConvEncoder(ParameterLayout layout, ModelSpec s, int maxRows)
        : this(new Conv2d(layout, "enc.conv0", ConvVae.Enc0(s), s.EncoderHidden[0], maxRows),
               new Conv2d(layout, "enc.conv1", ConvVae.Enc1(s), s.EncoderHidden[1], maxRows), s.Activation, maxRows) { }

    ConvEncoder(Conv2d c0, Conv2d c1, Activation act, int maxRows) : base(maxRows, act, c0.OutSize, c1.OutSize) => (_c0, _c1) = (c0, c1);

    public override void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows)
    {
        _c0.Forward(blas, theta, x, H[0], rows, Act);
        _c1.Forward(blas, theta, H[0], H[1], rows, Act);
    }

    public override void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, Span<float> dx, int rows)
    {
        ActivationBackward(1, rows);
        _c1.Backward(blas, theta, H[0], DH[1], grad, DH[0], rows);
        ActivationBackward(0, rows);
        _c0.Backward(blas, theta, x, DH[0], grad, dx, rows);
    }
}

/// <summary>z [rows, Dz] -> dense 7*7*32 -> act -> convT -> act -> convT -> act -> convT -> Output = logits [rows, 784].</summary>
public sealed class ConvDecoder : NetworkBuffers
{
    readonly Dense _d0;
    readonly ConvTranspose2d _t0, _t1, _t2;

    public ConvDecoder(ParameterLayout layout, ModelSpec s, int maxRows)
        : this(new Dense(layout, "dec.0"),
               new ConvTranspose2d(layout, "dec.convt0", ConvVae.Dec0(s), ConvVae.DenseChannels, maxRows),
               new ConvTranspose2d(layout, "dec.convt1", ConvVae.Dec1(s), s.DecoderHidden[0], maxRows),
               new ConvTranspose2d(layout, "dec.logits", ConvVae.Dec2(s), s.DecoderHidden[1], maxRows), s.Activation, maxRows) { }

    ConvDecoder(Dense d0, ConvTranspose2d t0, ConvTranspose2d t1, ConvTranspose2d t2, Activation act, int maxRows)
        : base(maxRows, act, d0.Out, t0.OutSize, t1.OutSize, t2.OutSize) => (_d0, _t0, _t1, _t2) = (d0, t0, t1, t2);

    public override void Forward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> z, int rows)
    {
        _d0.Forward(blas, theta, z, H[0].AsSpan(0, rows * _d0.Out), rows, Act);
        _t0.Forward(blas, theta, H[0], H[1], rows, Act);
        _t1.Forward(blas, theta, H[1], H[2], rows, Act);
        _t2.Forward(blas, theta, H[2], H[3], rows);
    }

    public override void Backward(IBlas blas, ReadOnlySpan<float> theta, ReadOnlySpan<float> z, Span<float> grad, Span<float> dz, int rows)
    {
        _t2.Backward(blas, theta, H[2], DH[3], grad, DH[2], rows);
        ActivationBackward(2, rows);
        _t1.Backward(blas, theta, H[1], DH[2], grad, DH[1], rows);
        ActivationBackward(1, rows);
        _t0.Backward(blas, theta, H[0], DH[1], grad, DH[0], rows);
        ActivationBackward(0, rows);
        _d0.Backward(blas, theta, z, DH[0], grad, dz, rows);
    }
}
