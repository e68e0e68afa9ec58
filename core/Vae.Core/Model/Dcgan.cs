// DCGAN (Radford et al. 2016) for small square images on the conv layers: generator dense -> BN -> ReLU -> convT s2 -> BN
// -> ReLU -> convT s2 -> sigmoid; discriminator conv s2 -> LeakyReLU(0.2) -> conv s2 -> BN -> LeakyReLU -> dense -> logit.
// Owns: the spec, both layouts (theta and BN running-statistics state) and forward/backward side by side.
// Must not: hold losses or optimizers (Training/GanStep.cs). Backward ACCUMULATES into grad and dx; the owner zeroes.

namespace Vae.Core.Model;

/// <summary>Sizes of a DCGAN on Side x Side x 1 images (Side divisible by 4); NHWC throughout (an MNIST row is an image).</summary>
public sealed record DcganSpec
{
    public int Side { get; init; } = 28;
    /// <summary>Noise dimension Dz of z ~ N(0, I).</summary>
    public int Dz { get; init; } = 64;
    /// <summary>Generator channels at Side/4 (after the dense projection) and at Side/2.</summary>
    public int G1 { get; init; } = 64;
    public int G2 { get; init; } = 32;
    /// <summary>Discriminator channels at Side/2 and at Side/4.</summary>
    public int D1 { get; init; } = 32;
    public int D2 { get; init; } = 64;

    /// <summary>Pixels per image D = Side².</summary>
    public int D => Side * Side;
    int Base => Side / 4;

    public DcganSpec Validate()
    {
        if (Side <= 0 || Side % 4 != 0) throw new ArgumentException($"DCGAN image side ({Side}) must be a positive multiple of 4");
        foreach (var (n, v) in new[] { ("Dz", Dz), ("G1", G1), ("G2", G2), ("D1", D1), ("D2", D2) })
            if (v <= 0) throw new ArgumentException($"DCGAN {n} ({v}) must be positive");
        return this;
    }

    // Kernel 4, stride 2, padding 1 doubles (convT) or halves (conv) the side, as in the DCGAN paper.
    internal ConvGeometry GenCt1 => ConvTranspose2d.Geometry(Base, Base, G2, 4, 2, 1, 0);
    internal ConvGeometry GenCt2 => ConvTranspose2d.Geometry(Side / 2, Side / 2, 1, 4, 2, 1, 0);
    internal ConvGeometry DisC1 => ConvGeometry.Conv(Side, Side, 1, 4, 2, 1);
    internal ConvGeometry DisC2 => ConvGeometry.Conv(Side / 2, Side / 2, D1, 4, 2, 1);
    internal int GenProjected => Base * Base * G1;
    internal int DisFlat => Base * Base * D2;

    /// <summary>gen.fc (Dz -> Base²·G1), gen.bn0, gen.ct1, gen.bn1, gen.ct2.</summary>
    public ParameterLayout GeneratorLayout()
    {
        Validate();
        return ParameterLayout.Of([
            ("gen.fc.W", Dz, GenProjected, false, null), ("gen.fc.b", 1, GenProjected, true, null),
            .. BatchNorm.Tensors("gen.bn0", G1), .. ConvTranspose2d.Tensors("gen.ct1", GenCt1, G1).Select(Nofill),
            .. BatchNorm.Tensors("gen.bn1", G2), .. ConvTranspose2d.Tensors("gen.ct2", GenCt2, G2).Select(Nofill)]);
    }

    public ParameterLayout GeneratorState() => ParameterLayout.Of([.. BatchNorm.StateTensors("gen.bn0", G1), .. BatchNorm.StateTensors("gen.bn1", G2)]);

    /// <summary>dis.c1, dis.c2, dis.bn2, dis.fc (Base²·D2 -> 1).</summary>
    public ParameterLayout DiscriminatorLayout()
    {
        Validate();
        return ParameterLayout.Of([
            .. Conv2d.Tensors("dis.c1", DisC1, D1).Select(Nofill), .. Conv2d.Tensors("dis.c2", DisC2, D2).Select(Nofill),
            .. BatchNorm.Tensors("dis.bn2", D2), ("dis.fc.W", DisFlat, 1, false, null), ("dis.fc.b", 1, 1, true, null)]);
    }

    public ParameterLayout DiscriminatorState() => ParameterLayout.Of(BatchNorm.StateTensors("dis.bn2", D2));

    static (string, int, int, bool, float?) Nofill((string N, int R, int C, bool B) t) => (t.N, t.R, t.C, t.B, null);

    public override string ToString() => $"DCGAN {Side}x{Side}, z {Dz}, G {G1}-{G2}, D {D1}-{D2}";
}

/// <summary>z [M, Dz] -> images [M, Side²] in (0, 1). Workspaces for up to MaxRows images.</summary>
public sealed class DcganGenerator
{
    readonly IBlas _blas;
    readonly Dense _fc;
    readonly BatchNorm _bn0, _bn1;
    readonly ConvTranspose2d _ct1, _ct2;
    readonly float[] _h0, _a0, _da0, _dh0; // [M, Base²·G1] projection, after BN+ReLU, and their gradients
    readonly float[] _h1, _a1, _da1, _dh1; // [M, (Side/2)²·G2]
    readonly float[] _out, _dh2;           // [M, D] sigmoid output and d/d(logit)

    public DcganGenerator(DcganSpec spec, IBlas blas, int maxRows)
    {
        Spec = spec.Validate(); _blas = blas; MaxRows = maxRows;
        var layout = spec.GeneratorLayout(); var state = spec.GeneratorState();
        _fc = new Dense(layout, "gen.fc");
        _bn0 = new BatchNorm(layout, state, "gen.bn0"); _bn1 = new BatchNorm(layout, state, "gen.bn1");
        _ct1 = new ConvTranspose2d(layout, "gen.ct1", spec.GenCt1, spec.G1, maxRows);
        _ct2 = new ConvTranspose2d(layout, "gen.ct2", spec.GenCt2, spec.G2, maxRows);
        int p = maxRows * spec.GenProjected, q = maxRows * _ct1.OutSize;
        (_h0, _a0, _da0, _dh0) = (new float[p], new float[p], new float[p], new float[p]);
        (_h1, _a1, _da1, _dh1) = (new float[q], new float[q], new float[q], new float[q]);
        (_out, _dh2) = (new float[maxRows * spec.D], new float[maxRows * spec.D]);
    }

    public DcganSpec Spec { get; }
    public int MaxRows { get; }
    /// <summary>Images [rows, D] of the last Forward.</summary>
    public Span<float> Output => _out;

    /// <summary>Images of z [m, Dz]; train = batch statistics (and running-statistics updates in <paramref name="state"/>).</summary>
    public void Forward(ReadOnlySpan<float> theta, Span<float> state, ReadOnlySpan<float> z, int m, bool train)
    {
        Check(m);
        int b2 = Spec.Side * Spec.Side / 16;
        _fc.Forward(_blas, theta, z, _h0, m);
        _bn0.Forward(theta, state, _h0, _a0, m * b2, train, Activation.Relu);
        _ct1.Forward(_blas, theta, _a0, _h1, m);
        _bn1.Forward(theta, state, _h1, _a1, m * _ct1.G.H * _ct1.G.W, train, Activation.Relu);
        _ct2.Forward(_blas, theta, _a1, _out, m);
        var o = _out.AsSpan(0, m * Spec.D);
        for (int i = 0; i < o.Length; i++) o[i] = 1f / (1f + MathF.Exp(-o[i]));
    }

    /// <summary>grad += dJ/dtheta given dOut = dJ/d(images) [m, D] of the last Forward (z must be its input).</summary>
    public void Backward(ReadOnlySpan<float> theta, ReadOnlySpan<float> z, ReadOnlySpan<float> dOut, Span<float> grad, int m)
    {
        Check(m);
        int n2 = m * Spec.D, n1 = m * _ct1.OutSize, n0 = m * Spec.GenProjected;
        for (int i = 0; i < n2; i++) _dh2[i] = dOut[i] * _out[i] * (1f - _out[i]);
        _da1.AsSpan(0, n1).Clear();
        _ct2.Backward(_blas, theta, _a1, _dh2, grad, _da1, m);
        Kernels.ActivationBackward(Activation.Relu, _a1.AsSpan(0, n1), _da1.AsSpan(0, n1));
        _dh1.AsSpan(0, n1).Clear();
        _bn1.Backward(theta, _h1, _da1, grad, _dh1, m * _ct1.G.H * _ct1.G.W);
        _da0.AsSpan(0, n0).Clear();
        _ct1.Backward(_blas, theta, _a0, _dh1, grad, _da0, m);
        Kernels.ActivationBackward(Activation.Relu, _a0.AsSpan(0, n0), _da0.AsSpan(0, n0));
        _dh0.AsSpan(0, n0).Clear();
        _bn0.Backward(theta, _h0, _da0, grad, _dh0, m * Spec.Side * Spec.Side / 16);
        _fc.Backward(_blas, theta, z, _dh0, grad, [], m);
    }

    void Check(int m)
    {
        if (m < 2 || m > MaxRows) throw new ArgumentOutOfRangeException(nameof(m), $"generator batch ({m}) must be in 2..{MaxRows} (batch norm needs 2)");
    }
}

/// <summary>Images [M, Side²] -> one logit per image. Workspaces for up to MaxRows images.</summary>
public sealed class DcganDiscriminator
{
    readonly IBlas _blas;
    readonly Conv2d _c1, _c2;
    readonly BatchNorm _bn2;
    readonly Dense _fc;
    readonly float[] _a1, _da1;       // [M, (Side/2)²·D1] after LeakyReLU, gradient
    readonly float[] _h2, _a2, _dh2, _da2; // [M, Base²·D2] conv2 output, after BN+LeakyReLU, gradients
    readonly float[] _logit;          // [M]

    public DcganDiscriminator(DcganSpec spec, IBlas blas, int maxRows)
    {
        Spec = spec.Validate(); _blas = blas; MaxRows = maxRows;
        var layout = spec.DiscriminatorLayout(); var state = spec.DiscriminatorState();
        _c1 = new Conv2d(layout, "dis.c1", spec.DisC1, spec.D1, maxRows);
        _c2 = new Conv2d(layout, "dis.c2", spec.DisC2, spec.D2, maxRows);
        _bn2 = new BatchNorm(layout, state, "dis.bn2");
        _fc = new Dense(layout, "dis.fc");
        (_a1, _da1) = (new float[maxRows * _c1.OutSize], new float[maxRows * _c1.OutSize]);
        int q = maxRows * spec.DisFlat;
        (_h2, _a2, _dh2, _da2) = (new float[q], new float[q], new float[q], new float[q]);
        _logit = new float[maxRows];
    }

    public DcganSpec Spec { get; }
    public int MaxRows { get; }
    /// <summary>Logits [rows] of the last Forward.</summary>
    public ReadOnlySpan<float> Logits => _logit;

    /// <summary>Logits of images x [m, D]; train = batch statistics (and running-statistics updates in <paramref name="state"/>).</summary>
    public void Forward(ReadOnlySpan<float> theta, Span<float> state, ReadOnlySpan<float> x, int m, bool train)
    {
        Check(m);
        _c1.Forward(_blas, theta, x, _a1, m, Activation.LeakyRelu);
        _c2.Forward(_blas, theta, _a1, _h2, m);
        _bn2.Forward(theta, state, _h2, _a2, m * _c2.G.Patches, train, Activation.LeakyRelu);
        _fc.Forward(_blas, theta, _a2, _logit, m);
    }

    /// <summary>grad += dJ/dtheta (skipped when empty), dx[m, D] += dJ/dx (skipped when empty) given dLogit [m] of the last
    /// Forward (x must be its input).</summary>
    public void Backward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, ReadOnlySpan<float> dLogit, Span<float> grad, Span<float> dx, int m)
    {
        Check(m);
        int n2 = m * Spec.DisFlat, n1 = m * _c1.OutSize;
        _da2.AsSpan(0, n2).Clear();
        _fc.Backward(_blas, theta, _a2, dLogit, grad, _da2, m);
        Kernels.ActivationBackward(Activation.LeakyRelu, _a2.AsSpan(0, n2), _da2.AsSpan(0, n2));
        _dh2.AsSpan(0, n2).Clear();
        _bn2.Backward(theta, _h2, _da2, grad, _dh2, m * _c2.G.Patches);
        _da1.AsSpan(0, n1).Clear();
        _c2.Backward(_blas, theta, _a1, _dh2, grad, _da1, m);
        Kernels.ActivationBackward(Activation.LeakyRelu, _a1.AsSpan(0, n1), _da1.AsSpan(0, n1));
        if (!grad.IsEmpty || !dx.IsEmpty) _c1.Backward(_blas, theta, x, _da1, grad, dx, m);
    }

    void Check(int m)
    {
        if (m < 2 || m > MaxRows) throw new ArgumentOutOfRangeException(nameof(m), $"discriminator batch ({m}) must be in 2..{MaxRows} (batch norm needs 2)");
    }
}
