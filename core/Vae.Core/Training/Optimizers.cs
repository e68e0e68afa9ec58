// Optimizers over the ONE flat parameter buffer (ascent on the bound): SGD with momentum, Adagrad (the paper's),
// Adam; plus the optional weight prior N(0, I/precision) scaled per datapoint (paper §5 "weight decay" as MAP).
// Owns: update rules and their state. Must not: compute gradients or know the model's structure.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Vae.Core.Training;

public enum OptimizerKind { Sgd, Adagrad, Adam }

/// <summary>Optimizer settings. Defaults: Adam as in PyTorch (lr 1e-3, betas 0.9/0.999, eps 1e-8).</summary>
public sealed record OptimizerOptions
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;
    /// <summary>Step size. §5 (Adagrad): chosen from {0.01, 0.02, 0.1}.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>SGD momentum (0 = plain SGD).</summary>
    public double Momentum { get; init; } = 0.0;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Adam: 1e-8 (PyTorch). Adagrad: also added to sqrt(sum g^2); PyTorch uses 1e-10.</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>
    /// Precision of the Gaussian weight prior p(theta) = N(0, I / WeightPrior); 0 = none, 1 = the paper's N(0, I).
    /// Its log density is added once per dataset, so per datapoint the gradient gets -WeightPrior * theta / N.
    /// </summary>
    public double WeightPrior { get; init; } = 0.0;

    public OptimizerOptions Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"learning rate ({LearningRate}) must be positive and finite");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"momentum ({Momentum}) must be in [0, 1)");
        if (Beta1 < 0 || Beta1 >= 1 || Beta2 < 0 || Beta2 >= 1) throw new ArgumentException($"Adam betas ({Beta1}, {Beta2}) must be in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentException($"epsilon ({Epsilon}) must be positive");
        if (WeightPrior < 0) throw new ArgumentException($"weight prior precision ({WeightPrior}) must be >= 0");
        return this;
    }
}

/// <summary>One update rule with its state; ascends J given dJ/dtheta.</summary>
public sealed class Optimizer
{
    readonly OptimizerOptions _o;
    readonly float[] _s1, _s2; // [P] SGD: velocity; Adagrad: sum of g^2; Adam: first and second moments
    readonly float _priorScale; // WeightPrior / N

    /// <summary>Creates state for P parameters; datasetSize N scales the weight prior.</summary>
    public Optimizer(OptimizerOptions options, int parameterCount, int datasetSize)
    {
        _o = options.Validate();
        if (datasetSize <= 0) throw new ArgumentException($"dataset size ({datasetSize}) must be positive");
        _s1 = new float[parameterCount];
        _s2 = options.Kind == OptimizerKind.Adam ? new float[parameterCount] : [];
        _priorScale = (float)(options.WeightPrior / datasetSize);
    }

    public OptimizerOptions Options => _o;
    /// <summary>Number of steps taken (Adam's bias correction uses it).</summary>
    public long Steps { get; set; }

    /// <summary>Named state arrays (for checkpoints); restore by copying into them.</summary>
    public IReadOnlyList<(string Name, float[] Data)> State =>
        _o.Kind == OptimizerKind.Adam ? [("adam.m", _s1), ("adam.v", _s2)]
        : _o.Kind == OptimizerKind.Adagrad ? [("adagrad.sum", _s1)] : [("sgd.velocity", _s1)];

    /// <summary>theta += update(grad - prior * theta). grad is dJ/dtheta (ascent); it is modified when a prior is set.</summary>
    public void Step(Span<float> theta, Span<float> grad)
    {
        if (theta.Length != _s1.Length || grad.Length != _s1.Length)
            throw new ArgumentException($"theta ({theta.Length}) and grad ({grad.Length}) must both hold {_s1.Length} parameters");
        Steps++;
        if (_priorScale != 0f) for (int i = 0; i < grad.Length; i++) grad[i] -= _priorScale * theta[i];
        float lr = (float)_o.LearningRate, eps = (float)_o.Epsilon;
        switch (_o.Kind)
        {
            case OptimizerKind.Sgd:
            {
                float mom = (float)_o.Momentum;
                for (int i = 0; i < theta.Length; i++) { _s1[i] = mom * _s1[i] + grad[i]; theta[i] += lr * _s1[i]; }
                break;
            }
            case OptimizerKind.Adagrad:
                for (int i = 0; i < theta.Length; i++)
                {
                    float g = grad[i];
                    _s1[i] += g * g;
                    theta[i] += lr * g / (MathF.Sqrt(_s1[i]) + eps);
                }
                break;
            case OptimizerKind.Adam:
                AdamStep(theta, grad, lr, eps);
                break;
        }
    }

    void AdamStep(Span<float> theta, ReadOnlySpan<float> grad, float lr, float eps)
    {
        // PyTorch's form: denom = sqrt(v) / sqrt(1 - b2^t) + eps; theta -= lr / (1 - b1^t) * m / denom (here: ascent).
        float b1 = (float)_o.Beta1, b2 = (float)_o.Beta2;
        float bc1 = (float)(1 - Math.Pow(_o.Beta1, Steps)), bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(_o.Beta2, Steps));
        float stepSize = lr / bc1, invBc2 = 1f / bc2Sqrt;
        var tv = MemoryMarshal.Cast<float, Vector<float>>(theta);
        var gv = MemoryMarshal.Cast<float, Vector<float>>(grad);
        var mv = MemoryMarshal.Cast<float, Vector<float>>(_s1.AsSpan());
        var vv = MemoryMarshal.Cast<float, Vector<float>>(_s2.AsSpan());
        var vb1 = new Vector<float>(b1); var vb1c = new Vector<float>(1 - b1);
        var vb2 = new Vector<float>(b2); var vb2c = new Vector<float>(1 - b2);
        var vInv = new Vector<float>(invBc2); var vEps = new Vector<float>(eps); var vStep = new Vector<float>(stepSize);
        for (int k = 0; k < tv.Length; k++)
        {
            var g = gv[k];
            var m = vb1 * mv[k] + vb1c * g; mv[k] = m;
            var v = vb2 * vv[k] + vb2c * g * g; vv[k] = v;
            tv[k] += vStep * m / (Vector.SquareRoot(v) * vInv + vEps);
        }
        for (int i = tv.Length * Vector<float>.Count; i < theta.Length; i++)
        {
            float g = grad[i];
            float m = b1 * _s1[i] + (1 - b1) * g; _s1[i] = m;
            float v = b2 * _s2[i] + (1 - b2) * g * g; _s2[i] = v;
            theta[i] += stepSize * m / (MathF.Sqrt(v) * invBc2 + eps);
        }
    }
}
