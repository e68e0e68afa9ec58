// The VAE's two networks (paper Appendix C): Gaussian MLP encoder x -> (Mu, LogVar) and MLP decoder z -> head(s),
// with workspaces sized once. Owns: encoder/decoder forward and backward, head buffers, log p(x|z) per row.
// Must not: sample noise, combine terms into estimators (Sgvb does) or update parameters.

namespace Vae.Core.Model;

/// <summary>Encoder and decoder of a VAE over one flat parameter buffer. Not thread-safe (owns workspaces).</summary>
public sealed class VaeModel
{
    readonly IBlas _blas;
    readonly INetwork _enc, _dec;
    readonly Mlp? _encMlp;                           // the MLP encoder (its exact sparse path for 0/1 batches)
    readonly bool _conv;                             // Conv: the decoder network outputs the logits itself (no head)
    readonly Dense _muHead, _lvHead, _headA, _headB; // _headB: Gaussian log-variance head only
    readonly float[] _mu, _logVar;                   // [maxM, Dz]
    readonly float[] _dMu, _dLogVar;                 // [maxM, Dz]
    readonly float[] _head, _head2;                  // [maxRows, D]  Bernoulli logits | Gaussian mean, log-variance
    readonly float[] _dHead, _dHead2;                // [maxRows, D]

    /// <summary>Sizes every workspace: up to maxBatch encoder rows and maxDecodeRows decoder rows.</summary>
    public VaeModel(ModelSpec spec, IBlas blas, int maxBatch, int maxDecodeRows)
    {
        Spec = spec.Validate();
        _blas = blas ?? throw new ArgumentNullException(nameof(blas));
        if (maxBatch <= 0 || maxDecodeRows <= 0)
            throw new ArgumentException($"maxBatch ({maxBatch}) and maxDecodeRows ({maxDecodeRows}) must be positive");
        Layout = ModelLayout.For(spec);
        (MaxBatch, MaxDecodeRows) = (maxBatch, maxDecodeRows);
        int dz = spec.Dz, d = spec.D;
        _conv = spec.Architecture == Architecture.Conv;
        if (_conv)
        {
            _enc = new ConvEncoder(Layout, spec, maxBatch);
            _dec = new ConvDecoder(Layout, spec, maxDecodeRows);
        }
        else
        {
            _enc = _encMlp = new Mlp(Layout, "enc", spec.EncoderHidden.Count, spec.Activation, maxBatch, sparseBinaryInput: true);
            _dec = new Mlp(Layout, "dec", spec.DecoderHidden.Count, spec.Activation, maxDecodeRows);
        }
        _muHead = new Dense(Layout, "enc.mu"); _lvHead = new Dense(Layout, "enc.logvar");
        bool gauss = spec.Likelihood == Likelihood.Gaussian;
        _headA = _conv ? default : new Dense(Layout, gauss ? "dec.mean" : "dec.logits");
        _headB = gauss ? new Dense(Layout, "dec.logvar") : default;
        _mu = new float[maxBatch * dz]; _logVar = new float[maxBatch * dz];
        _dMu = new float[maxBatch * dz]; _dLogVar = new float[maxBatch * dz];
        _head = new float[maxDecodeRows * d]; _dHead = new float[maxDecodeRows * d];
        _head2 = gauss ? new float[maxDecodeRows * d] : []; _dHead2 = gauss ? new float[maxDecodeRows * d] : [];
    }

    /// <summary>Exact sparse products in the encoder's first layer for 0/1 batches (default on; off = dense GEMM).</summary>
    public bool SparseBinaryInput
    {
        get => _encMlp?.UseSparseBinaryInput ?? false;
        set { if (_encMlp is not null) _encMlp.UseSparseBinaryInput = value; }
    }
    /// <summary>True when the last Encode took the sparse path (its batch was all 0/1; never for the conv encoder).</summary>
    public bool LastBatchWasBinary => _encMlp?.LastInputWasBinary ?? false;

    public ModelSpec Spec { get; }
    public ParameterLayout Layout { get; }
    public int MaxBatch { get; }
    public int MaxDecodeRows { get; }

    /// <summary>Posterior means [M, Dz] after Encode.</summary>
    public Span<float> Mu => _mu;
    /// <summary>Posterior log-variances [M, Dz] after Encode.</summary>
    public Span<float> LogVar => _logVar;
    /// <summary>dJ/dMu [M, Dz]: the caller fills it before EncodeBackward.</summary>
    public Span<float> MuGrad => _dMu;
    /// <summary>dJ/dLogVar [M, Dz]: the caller fills it before EncodeBackward.</summary>
    public Span<float> LogVarGrad => _dLogVar;
    /// <summary>Decoder output [rows, D]: Bernoulli logits, or the Gaussian mean (after the sigmoid, if any) once LogLikelihood ran.</summary>
    public Span<float> Head => _head;
    /// <summary>Gaussian decoder log-variance head [rows, D] (empty for Bernoulli).</summary>
    public Span<float> HeadLogVar => _head2;

    /// <summary>q(z|x): Mu, LogVar [M, Dz] from x [M, D]. Paper eq. (12): mu = W4 h + b4, log sigma^2 = W5 h + b5.</summary>
    public void Encode(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int m)
    {
        CheckTheta(theta); CheckRows(m, MaxBatch, "batch");
        _enc.Forward(_blas, theta, x, m);
        var h = _enc.Output.Slice(0, m * _enc.OutWidth);
        _muHead.Forward(_blas, theta, h, _mu, m);
        _lvHead.Forward(_blas, theta, h, _logVar, m);
    }

    /// <summary>grad += dJ/dtheta of the encoder, from MuGrad and LogVarGrad.</summary>
    public void EncodeBackward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, int m)
    {
        _enc.ZeroGrad(m);
        var h = _enc.Output.Slice(0, m * _enc.OutWidth);
        var dh = _enc.OutputGrad;
        _muHead.Backward(_blas, theta, h, _dMu, grad, dh, m);
        _lvHead.Backward(_blas, theta, h, _dLogVar, grad, dh, m);
        _enc.Backward(_blas, theta, x, grad, Span<float>.Empty, m);
    }

    /// <summary>p(x|z): decoder heads [rows, D] from z [rows, Dz].</summary>
    public void Decode(ReadOnlySpan<float> theta, ReadOnlySpan<float> z, int rows)
    {
        CheckTheta(theta); CheckRows(rows, MaxDecodeRows, "decoder");
        _dec.Forward(_blas, theta, z, rows);
        var h = _dec.Output.Slice(0, rows * _dec.OutWidth);
        if (_conv) { h.CopyTo(_head); return; }
        _headA.Forward(_blas, theta, h, _head, rows);
        if (Spec.Likelihood == Likelihood.Gaussian) _headB.Forward(_blas, theta, h, _head2, rows);
    }

    /// <summary>
    /// log p(x_{r mod M} | z_r) for each decoder row into logp [rows]; when withGrad, the head gradients are set to
    /// scale * d log p / d head (ready for DecodeBackward).
    /// </summary>
    public void LogLikelihood(ReadOnlySpan<float> x, int m, int rows, Span<double> logp, bool withGrad, float scale)
    {
        int n = rows * Spec.D;
        if (Spec.Likelihood == Likelihood.Bernoulli)
            Likelihoods.Bernoulli(x.Slice(0, m * Spec.D), m, _head.AsSpan(0, n), rows, logp,
                                  withGrad ? _dHead.AsSpan(0, n) : Span<float>.Empty, scale);
        else
            Likelihoods.Gaussian(x.Slice(0, m * Spec.D), m, _head.AsSpan(0, n), _head2.AsSpan(0, n), rows, Spec.SigmoidMean, logp,
                                 withGrad ? _dHead.AsSpan(0, n) : Span<float>.Empty,
                                 withGrad ? _dHead2.AsSpan(0, n) : Span<float>.Empty, scale);
    }

    /// <summary>
    /// Draws x [rows, D] from p(x|z) for the last Decode (call it before LogLikelihood, which overwrites a sigmoid mean):
    /// Bernoulli x = 1 if u &lt; sigmoid(logit) else 0, with u ~ U(0, 1); Gaussian x = mean + exp(logvar / 2) u, with
    /// u ~ N(0, 1). The noise u [rows, D] is an input (wake-sleep's dreams).
    /// </summary>
    public void SampleData(ReadOnlySpan<float> u, Span<float> x, int rows)
    {
        int n = rows * Spec.D;
        if (u.Length < n || x.Length < n) throw new ArgumentException($"noise ({u.Length}) and x ({x.Length}) need rows*D = {n} floats");
        if (Spec.Likelihood == Likelihood.Bernoulli)
            for (int i = 0; i < n; i++) x[i] = u[i] < 1 / (1 + MathF.Exp(-_head[i])) ? 1f : 0f;
        else
            for (int i = 0; i < n; i++)
            {
                float mean = Spec.SigmoidMean ? 1 / (1 + MathF.Exp(-_head[i])) : _head[i];
                x[i] = mean + MathF.Exp(0.5f * _head2[i]) * u[i];
            }
    }

    /// <summary>grad += dJ/dtheta of the decoder (skipped when grad is empty); dz [rows, Dz] += dJ/dz (skipped when
    /// empty). Uses the head gradients set by LogLikelihood.</summary>
    public void DecodeBackward(ReadOnlySpan<float> theta, ReadOnlySpan<float> z, Span<float> grad, Span<float> dz, int rows)
    {
        _dec.ZeroGrad(rows);
        var h = _dec.Output.Slice(0, rows * _dec.OutWidth);
        var dh = _dec.OutputGrad;
        if (_conv) _dHead.AsSpan(0, rows * Spec.D).CopyTo(dh);
        else _headA.Backward(_blas, theta, h, _dHead, grad, dh, rows);
        if (Spec.Likelihood == Likelihood.Gaussian) _headB.Backward(_blas, theta, h, _dHead2, grad, dh, rows);
        _dec.Backward(_blas, theta, z, grad, dz, rows);
    }

    void CheckTheta(ReadOnlySpan<float> theta)
    {
        if (theta.Length != Layout.Count)
            throw new ArgumentException($"parameter buffer has {theta.Length} floats, the model {Spec} needs {Layout.Count}");
    }

    static void CheckRows(int rows, int max, string what)
    {
        if (rows <= 0 || rows > max) throw new ArgumentOutOfRangeException(nameof(rows), $"{what} rows ({rows}) must be in 1..{max}");
    }
}
