// A small MLP image classifier (softmax over classes) whose penultimate layer gives the features of the Fréchet
// distance (Inference/Frechet.cs). Owns: its spec, layout and forward/backward side by side; the log-likelihood
// objective J = mean log softmax(logits)[y] and dJ/dlogits. Must not: train (Training/ClassifierTraining.cs) or load data.

namespace Vae.Core.Model;

/// <summary>D -> Hidden[0] -> ... -> Hidden[^1] (ReLU) -> Classes logits. Default 784-256-128-10 for MNIST.</summary>
public sealed record ClassifierSpec
{
    /// <summary>Input dimension D.</summary>
    public int D { get; init; } = 784;
    /// <summary>Hidden sizes, input side first; the last one is the feature width F.</summary>
    public IReadOnlyList<int> Hidden { get; init; } = [256, 128];
    /// <summary>Number of classes C.</summary>
    public int Classes { get; init; } = 10;

    /// <summary>Throws ArgumentException naming the offending value.</summary>
    public ClassifierSpec Validate()
    {
        if (D <= 0) throw new ArgumentException($"ClassifierSpec.D ({D}) must be positive");
        if (Classes < 2) throw new ArgumentException($"ClassifierSpec.Classes ({Classes}) must be at least 2");
        if (Hidden.Count == 0 || Hidden.Any(h => h <= 0))
            throw new ArgumentException($"ClassifierSpec.Hidden ({string.Join(",", Hidden)}) needs at least one positive size");
        return this;
    }

    /// <summary>Feature width F (the last hidden layer).</summary>
    public int Features => Hidden[^1];

    /// <summary>cls.{i}.W/b for the hidden layers, then cls.out.W/b; W stored [in, out].</summary>
    public ParameterLayout Layout()
    {
        Validate();
        var t = new List<(string, int, int, bool)>();
        int prev = D;
        for (int i = 0; i < Hidden.Count; i++) { t.Add(($"cls.{i}.W", prev, Hidden[i], false)); t.Add(($"cls.{i}.b", 1, Hidden[i], true)); prev = Hidden[i]; }
        t.Add(("cls.out.W", prev, Classes, false)); t.Add(("cls.out.b", 1, Classes, true));
        return ParameterLayout.Of(t);
    }

    public override string ToString() => $"{D}-{string.Join("-", Hidden)}-{Classes} relu softmax";
}

/// <summary>Forward / backward of the classifier with workspaces for up to MaxRows rows (no allocation per call).</summary>
public sealed class Classifier
{
    readonly IBlas _blas;
    readonly Mlp _body;
    readonly Dense _head;
    readonly float[] _logits;  // [maxRows, C] logits, then (after LogLikelihood) softmax probabilities
    readonly float[] _dlogits; // [maxRows, C] dJ/dlogits

    public Classifier(ClassifierSpec spec, IBlas blas, int maxRows)
    {
        Spec = spec.Validate();
        Layout = spec.Layout();
        _blas = blas;
        _body = new Mlp(Layout, "cls", spec.Hidden.Count, Activation.Relu, maxRows);
        _head = new Dense(Layout, "cls.out");
        _logits = new float[maxRows * spec.Classes];
        _dlogits = new float[maxRows * spec.Classes];
    }

    public ClassifierSpec Spec { get; }
    public ParameterLayout Layout { get; }
    public int MaxRows => _body.MaxRows;
    /// <summary>Penultimate activations [rows, F] of the last Forward: the Fréchet features.</summary>
    public ReadOnlySpan<float> Features => _body.Output;
    /// <summary>Logits [rows, C] of the last Forward (softmax probabilities after <see cref="Softmax"/> or <see cref="LogLikelihood"/>).</summary>
    public ReadOnlySpan<float> Logits => _logits;

    /// <summary>logits[rows, C] = head(relu MLP(x[rows, D])).</summary>
    public void Forward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, int rows)
    {
        CheckTheta(theta);
        _body.Forward(_blas, theta, x, rows);
        _head.Forward(_blas, theta, _body.Output, _logits, rows);
    }

    /// <summary>Turns the logits of the last Forward into softmax probabilities in place (max-shifted, sums in double).</summary>
    public void Softmax(int rows)
    {
        int c = Spec.Classes;
        for (int r = 0; r < rows; r++)
        {
            var row = _logits.AsSpan(r * c, c);
            float max = row[0];
            for (int k = 1; k < c; k++) max = Math.Max(max, row[k]);
            double sum = 0;
            for (int k = 0; k < c; k++) { row[k] = MathF.Exp(row[k] - max); sum += row[k]; }
            float inv = (float)(1 / sum);
            for (int k = 0; k < c; k++) row[k] *= inv;
        }
    }

    /// <summary>
    /// J = (1/rows) Σ_m log softmax(logits_m)[y_m] (double), and dJ/dlogits = (onehot(y) - p) / rows for <see cref="Backward"/>.
    /// Leaves the probabilities in <see cref="Logits"/>. Labels must be in 0..C-1.
    /// </summary>
    public double LogLikelihood(ReadOnlySpan<int> labels, int rows)
    {
        int c = Spec.Classes;
        if (labels.Length < rows) throw new ArgumentException($"labels hold {labels.Length} values, need {rows}");
        double j = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = _logits.AsSpan(r * c, c);
            int y = labels[r];
            if ((uint)y >= (uint)c) throw new ArgumentException($"label {y} at row {r} outside 0..{c - 1}");
            float max = row[0];
            for (int k = 1; k < c; k++) max = Math.Max(max, row[k]);
            double sum = 0;
            for (int k = 0; k < c; k++) sum += Math.Exp(row[k] - max);
            j += row[y] - max - Math.Log(sum);
            var d = _dlogits.AsSpan(r * c, c);
            float inv = (float)(1 / sum), scale = 1f / rows;
            for (int k = 0; k < c; k++)
            {
                row[k] = MathF.Exp(row[k] - max) * inv;
                d[k] = ((k == y ? 1f : 0f) - row[k]) * scale;
            }
        }
        return j / rows;
    }

    /// <summary>grad += dJ/dtheta of the last LogLikelihood (x must be the last Forward's input). Accumulates; the owner zeroes.</summary>
    public void Backward(ReadOnlySpan<float> theta, ReadOnlySpan<float> x, Span<float> grad, int rows)
    {
        CheckTheta(theta);
        if (grad.Length != Layout.Count) throw new ArgumentException($"gradient holds {grad.Length} floats, the classifier {Layout.Count}");
        _body.ZeroGrad(rows);
        _head.Backward(_blas, theta, _body.Output, _dlogits, grad, _body.OutputGrad, rows);
        _body.Backward(_blas, theta, x, grad, [], rows);
    }

    void CheckTheta(ReadOnlySpan<float> theta)
    {
        if (theta.Length != Layout.Count)
            throw new ArgumentException($"classifier parameters hold {theta.Length} floats, the model {Spec} has {Layout.Count}");
    }
}
