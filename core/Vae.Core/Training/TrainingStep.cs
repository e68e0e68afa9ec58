// ONE training step of Algorithm 1 on a caller-supplied minibatch: draw noise, SGVB forward, backward, optimizer.
// Owns: the parameters, the gradient buffer, the noise stream and buffer, the SGVB workspaces and the optimizer, plus the
// divergence checks every step gets. Used by the Trainer, the benchmarks, the gradient-variance study and the tests.
// Must not: choose data (batching, epochs, evaluation cadence belong to the Trainer) or allocate per step.
using System.Numerics.Tensors;

namespace Vae.Core.Training;

/// <summary>
/// One minibatch step of the paper's Algorithm 1 (AEVB): ε ~ p(ε) (noise stream), g = ∇θ,φ L̃(θ, φ; X^M, ε) (eq. 6 or 7
/// with the minibatch scaling of eq. 8 as a per-datapoint mean), then the optimizer's update. The phases are public so a
/// caller can time them or stop after the gradient: <see cref="Step"/> = <see cref="Forward(ReadOnlySpan{float})"/> + <see cref="Backward"/>
/// + <see cref="Update"/>. A method with another objective (wake-sleep, MCEM) may fill <see cref="Gradient"/> itself and
/// call <see cref="Update"/>. No managed allocation per step. Not thread-safe; one instance per run.
/// </summary>
/// <remarks>
/// Bits: the same options, seed and BLAS provider give the same parameters bit for bit; a checkpoint of
/// <see cref="Parameters"/>, <see cref="Optimizer"/> state and <see cref="Noise"/> state resumes bit-exactly.
/// </remarks>
public sealed class TrainingStep
{
    readonly ModelSpec _spec;
    readonly Sgvb _sgvb;
    readonly float[] _eps; // [L, M, Dz] the noise of the current step, sample-major (row = l*M + m)
    readonly Estimator _estimator;
    readonly int _samples;
    bool _gradientReady;

    /// <summary>
    /// A step for minibatches of up to <paramref name="batchSize"/> rows (M) with <paramref name="samples"/> noise samples
    /// each (L). Parameters start at zero: initialise <see cref="Parameters"/> (or copy trained values in) before stepping.
    /// <paramref name="datasetSize"/> N scales the optimizer's weight prior (per-datapoint, paper §5).
    /// <paramref name="noise"/> is the stream ε is drawn from (normally <c>new Rng(seed, RngStream.Noise)</c>).
    /// </summary>
    public TrainingStep(ModelSpec model, IBlas blas, Estimator estimator, int batchSize, int samples,
                        OptimizerOptions optimizer, int datasetSize, Rng noise)
    {
        model.Validate();
        if (batchSize <= 0) throw new ArgumentException($"batch size M ({batchSize}) must be at least 1");
        if (samples <= 0) throw new ArgumentException($"samples L ({samples}) must be at least 1");
        (_spec, _estimator, _samples, BatchSize) = (model, estimator, samples, batchSize);
        _sgvb = new Sgvb(model, blas, batchSize, samples);
        Parameters = new ParameterSet(_sgvb.Model.Layout);
        Gradient = Parameters.Like();
        Optimizer = new Optimizer(optimizer, Parameters.Data.Length, datasetSize);
        Noise = noise;
        _eps = new float[samples * batchSize * model.Dz];
    }

    /// <summary>
    /// The step a run's options describe: parameters initialised from <c>(Seed, Init)</c> with <c>Init</c>/<c>InitStd</c>
    /// (or read from <c>InitFrom</c>, a safetensors file of the same model), noise from <c>(Seed, Noise)</c>;
    /// <paramref name="datasetSize"/> N scales the weight prior.
    /// </summary>
    public static TrainingStep For(TrainOptions options, IBlas blas, int datasetSize)
    {
        var step = new TrainingStep(options.Model, blas, options.Estimator, options.BatchSize, options.Samples,
                                    options.Optimizer, datasetSize, new Rng(options.Seed, RngStream.Noise));
        if (options.InitFrom is null) step.Parameters.Initialize(options.Init, options.InitStd, new Rng(options.Seed, RngStream.Init));
        else
        {
            var (spec, theta) = ModelWeights.Load(options.InitFrom);
            if (!spec.Equals(options.Model))
                throw new ArgumentException($"--init-from {options.InitFrom}: the file holds model {spec}, this run trains {options.Model}");
            theta.CopyTo(step.Parameters.Data, 0);
        }
        return step;
    }

    /// <summary>θ and φ, flat [P] in the model's layout (<see cref="ParameterSet.Layout"/>).</summary>
    public ParameterSet Parameters { get; }
    /// <summary>dJ/dθ [P] of the last <see cref="Backward"/> (ascent direction; J = per-datapoint mean bound).</summary>
    public ParameterSet Gradient { get; }
    /// <summary>The update rule and its state (checkpoints save <see cref="Optimizer.State"/> and <see cref="Optimizer.Steps"/>).</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The stream ε is drawn from (checkpoints save its state).</summary>
    public Rng Noise { get; }
    /// <summary>The SGVB workspaces: per-datapoint terms, log-weights and latents of the last forward.</summary>
    public Sgvb Sgvb => _sgvb;
    /// <summary>Largest minibatch M.</summary>
    public int BatchSize { get; }
    /// <summary>Noise samples per datapoint L.</summary>
    public int Samples => _samples;
    /// <summary>SGVB estimator A (eq. 6) or B (eq. 7).</summary>
    public Estimator Estimator => _estimator;
    /// <summary>Optimizer updates taken so far.</summary>
    public long Steps => Optimizer.Steps;

    /// <summary>Noise, forward, backward and update on x [m, D] (m ≤ M); returns the minibatch bound J before the update
    /// (nats per datapoint). Throws <see cref="TrainingDivergedException"/> before touching θ if J or a gradient is non-finite.</summary>
    public double Step(ReadOnlySpan<float> x)
    {
        double j = Forward(x);
        Backward();
        Update();
        return j;
    }

    /// <summary>Draws ε [L, m, Dz] from <see cref="Noise"/> and runs the SGVB forward on x [m, D] (m = x.Length / D ≤ M);
    /// returns J = (1/m) Σ Elbo_m (eq. 6 for estimator A, eq. 7 for B).</summary>
    public double Forward(ReadOnlySpan<float> x)
    {
        int m = Rows(x);
        var eps = _eps.AsSpan(0, _samples * m * _spec.Dz);
        Noise.FillNormal(eps);
        return Forward(x, eps);
    }

    /// <summary>The same with the noise given: eps [L, m, Dz] (sample-major); <see cref="Noise"/> is not advanced.</summary>
    public double Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> eps)
    {
        int m = Rows(x);
        if (eps.Length != _samples * m * _spec.Dz)
            throw new ArgumentException($"noise holds {eps.Length} floats; expected L*m*Dz = {_samples}*{m}*{_spec.Dz}");
        _gradientReady = false;
        double j = _sgvb.Forward(Parameters.Data, x, m, eps, _samples, _estimator);
        if (!double.IsFinite(j)) throw new TrainingDivergedException($"step {Steps + 1}: the bound is {j} (Elbo terms non-finite)");
        return j;
    }

    int Rows(ReadOnlySpan<float> x)
    {
        int d = _spec.D;
        if (x.Length == 0 || x.Length % d != 0 || x.Length / d > BatchSize)
            throw new ArgumentException($"minibatch holds {x.Length} floats; expected m*D with 1 <= m <= {BatchSize} and D = {d}");
        return x.Length / d;
    }

    /// <summary>Sets <see cref="Gradient"/> to dJ/dθ of the last <see cref="Forward(ReadOnlySpan{float})"/> (zeroes it, then accumulates).
    /// Throws <see cref="TrainingDivergedException"/> naming the tensor if a component is non-finite.</summary>
    public void Backward()
    {
        Array.Clear(Gradient.Data);
        _sgvb.Backward(Parameters.Data, Gradient.Data);
        if (!float.IsFinite(TensorPrimitives.Sum<float>(Gradient.Data))) ThrowNonFiniteGradient();
        _gradientReady = true;
    }

    /// <summary>θ += optimizer update of <see cref="Gradient"/> (modified in place when a weight prior is set).</summary>
    public void Update()
    {
        if (!_gradientReady) throw new InvalidOperationException("Update needs a gradient: call Backward (or fill Gradient and call MarkGradientReady)");
        Optimizer.Step(Parameters.Data, Gradient.Data);
        _gradientReady = false;
    }

    /// <summary>For methods that compute <see cref="Gradient"/> themselves (ascent direction, same layout) before <see cref="Update"/>.</summary>
    public void MarkGradientReady() => _gradientReady = true;

    void ThrowNonFiniteGradient()
    {
        foreach (var p in Parameters.Layout.Params)
        {
            var g = Gradient.Data.AsSpan(p.Offset, p.Length);
            for (int i = 0; i < g.Length; i++)
                if (!float.IsFinite(g[i]))
                    throw new TrainingDivergedException($"step {Steps + 1}: gradient of {p.Name} is {g[i]} at index {i}");
        }
        throw new TrainingDivergedException($"step {Steps + 1}: gradient sum overflowed");
    }
}
