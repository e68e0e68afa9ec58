// Optimizers over the ONE flat parameter buffer (ascent on the bound): SGD with momentum, Adagrad (the paper's),
// Adam; plus the optional weight prior N(0, I/precision) scaled per datapoint (paper §5 "weight decay" as MAP).
// Owns: the options, the state and the step count (the vectorised loops live in UpdateRules.cs).
// Must not: compute gradients or know the model's structure.
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
        float lr = (float)_o.LearningRate, eps = (float)_o.Epsilon;
        switch (_o.Kind)
        {
            case OptimizerKind.Sgd:
                UpdateRules.Sgd(theta, grad, _s1, _priorScale, lr, (float)_o.Momentum);
                break;
            case OptimizerKind.Adagrad:
                UpdateRules.Adagrad(theta, grad, _s1, _priorScale, lr, eps);
                break;
            case OptimizerKind.Adam:
            {
                // PyTorch's form: denom = sqrt(v) / sqrt(1 - b2^t) + eps; theta -= lr / (1 - b1^t) * m / denom (here: ascent).
                float bc1 = (float)(1 - Math.Pow(_o.Beta1, Steps)), bc2Sqrt = (float)Math.Sqrt(1 - Math.Pow(_o.Beta2, Steps));
                UpdateRules.Adam(theta, grad, _s1, _s2, _priorScale, (float)_o.Beta1, (float)_o.Beta2, lr / bc1, 1f / bc2Sqrt, eps);
                break;
            }
        }
    }
}
