// ONE DCGAN training step (Goodfellow et al. 2014 with the non-saturating generator loss; Radford et al. 2016's Adam
// lr 2e-4, beta1 0.5): a discriminator update on a real and a generated batch, then a generator update.
// Owns: both parameter / state / gradient buffers, both optimizers, the noise stream, the GAN losses. Must not: choose data,
// write files, or allocate per step. All objectives are ascent objectives (J, higher is better) like the rest of the engine.

namespace Vae.Core.Training;

/// <summary>The step's reported numbers: J_D = mean log D(x) + mean log(1 - D(G(z))) (the discriminator's objective, at most 0;
/// -2 ln 2 = -1.386 at the game's equilibrium), J_G = mean log D(G(z)) (after the D update), and the mean probabilities D gives.</summary>
public readonly record struct GanStepResult(double DiscriminatorObjective, double GeneratorObjective, double RealProbability, double FakeProbability);

/// <summary>The GAN's losses on logits l (D(x) = sigmoid(l)), in double.</summary>
public static class GanLoss
{
    /// <summary>J = (1/m) Σ log sigmoid(sign·l) (sign +1: "real" target, -1: "fake" target); dLogit = dJ/dl =
    /// sign·sigmoid(-sign·l)/m (overwritten). log sigmoid(a) = -softplus(-a), computed stably.</summary>
    public static double LogSigmoid(ReadOnlySpan<float> logits, int m, int sign, Span<float> dLogit)
    {
        double j = 0;
        for (int i = 0; i < m; i++)
        {
            double a = sign * (double)logits[i];
            j += a >= 0 ? -Math.Log(1 + Math.Exp(-a)) : a - Math.Log(1 + Math.Exp(a)); // absolute error ~1e-16: a log1p buys nothing here
            dLogit[i] = (float)(sign / (1 + Math.Exp(a)) / m);
        }
        return j / m;
    }

    /// <summary>Mean sigmoid(l) over m logits.</summary>
    public static double MeanProbability(ReadOnlySpan<float> logits, int m)
    {
        double s = 0;
        for (int i = 0; i < m; i++) s += 1 / (1 + Math.Exp(-(double)logits[i]));
        return s / m;
    }
}

/// <summary>A DCGAN's parameters, running statistics, optimizers and one step. Not thread-safe.</summary>
public sealed class GanStep
{
    readonly float[] _z;      // [M, Dz]
    readonly float[] _dLogit; // [M]
    readonly float[] _dFake;  // [M, D]

    public GanStep(DcganSpec spec, IBlas blas, int batchSize, OptimizerOptions optimizer, int datasetSize, Rng noise)
    {
        Spec = spec.Validate();
        if (batchSize < 2) throw new ArgumentException($"GAN batch size M ({batchSize}) must be at least 2 (batch norm)");
        BatchSize = batchSize;
        Generator = new DcganGenerator(spec, blas, batchSize);
        Discriminator = new DcganDiscriminator(spec, blas, batchSize);
        (ThetaG, StateG, ThetaD, StateD) = (new(spec.GeneratorLayout()), new(spec.GeneratorState()), new(spec.DiscriminatorLayout()), new(spec.DiscriminatorState()));
        (GradG, GradD) = (ThetaG.Like(), ThetaD.Like());
        OptimizerG = new Optimizer(optimizer, ThetaG.Data.Length, datasetSize);
        OptimizerD = new Optimizer(optimizer, ThetaD.Data.Length, datasetSize);
        Noise = noise;
        (_z, _dLogit, _dFake) = (new float[batchSize * spec.Dz], new float[batchSize], new float[batchSize * spec.D]);
    }

    public DcganSpec Spec { get; }
    public int BatchSize { get; }
    public DcganGenerator Generator { get; }
    public DcganDiscriminator Discriminator { get; }
    public ParameterSet ThetaG { get; }
    public ParameterSet StateG { get; }
    public ParameterSet ThetaD { get; }
    public ParameterSet StateD { get; }
    /// <summary>dJ_G/dθ_G and dJ_D/dθ_D of the last gradient calls.</summary>
    public ParameterSet GradG { get; }
    public ParameterSet GradD { get; }
    public Optimizer OptimizerG { get; }
    public Optimizer OptimizerD { get; }
    /// <summary>The stream z is drawn from (checkpoints save its state).</summary>
    public Rng Noise { get; }

    /// <summary>DCGAN initialisation: weights and biases ~ N(0, 0.02²); batch-norm scales 1, shifts 0; running statistics 0 / 1.</summary>
    public void Initialize(Rng rng)
    {
        ThetaG.Initialize(InitScheme.Normal, 0.02f, rng); ThetaD.Initialize(InitScheme.Normal, 0.02f, rng);
        StateG.Initialize(InitScheme.Normal, 0f, rng); StateD.Initialize(InitScheme.Normal, 0f, rng); // every state tensor has a fixed fill
    }

    /// <summary>Draws z, updates D on (real, G(z)), then G on the same z; returns the objectives (before each update).</summary>
    public GanStepResult Step(ReadOnlySpan<float> real, int m)
    {
        var z = _z.AsSpan(0, m * Spec.Dz);
        Noise.FillNormal(z);
        double jd = DiscriminatorGradient(real, z, m, out double pReal, out double pFake);
        OptimizerD.Step(ThetaD.Data, GradD.Data);
        double jg = GeneratorGradient(z, m, forward: false); // G's activations of this z are still in place
        OptimizerG.Step(ThetaG.Data, GradG.Data);
        if (!double.IsFinite(jd) || !double.IsFinite(jg))
            throw new TrainingDivergedException($"GAN step {OptimizerG.Steps}: objectives J_D = {jd}, J_G = {jg}");
        return new GanStepResult(jd, jg, pReal, pFake);
    }

    /// <summary>GradD = dJ_D/dθ_D with J_D = mean log D(real) + mean log(1 - D(G(z))) (G in train mode, not differentiated).</summary>
    public double DiscriminatorGradient(ReadOnlySpan<float> real, ReadOnlySpan<float> z, int m, out double pReal, out double pFake)
    {
        Check(real, z, m);
        Generator.Forward(ThetaG.Data, StateG.Data, z, m, train: true);
        Array.Clear(GradD.Data);
        var dl = _dLogit.AsSpan(0, m);
        Discriminator.Forward(ThetaD.Data, StateD.Data, real, m, train: true);
        pReal = GanLoss.MeanProbability(Discriminator.Logits, m);
        double j = GanLoss.LogSigmoid(Discriminator.Logits, m, +1, dl);
        Discriminator.Backward(ThetaD.Data, real, dl, GradD.Data, [], m);
        var fake = Generator.Output[..(m * Spec.D)];
        Discriminator.Forward(ThetaD.Data, StateD.Data, fake, m, train: true);
        pFake = GanLoss.MeanProbability(Discriminator.Logits, m);
        j += GanLoss.LogSigmoid(Discriminator.Logits, m, -1, dl);
        Discriminator.Backward(ThetaD.Data, fake, dl, GradD.Data, [], m);
        return j;
    }

    /// <summary>GradG = dJ_G/dθ_G with J_G = mean log D(G(z)) (the non-saturating loss), through D's input gradient.
    /// forward = false reuses the generator's last Forward, which must have been on this z (one G forward per step, as PyTorch's DCGAN).</summary>
    public double GeneratorGradient(ReadOnlySpan<float> z, int m, bool forward = true)
    {
        if (z.Length != m * Spec.Dz) throw new ArgumentException($"z holds {z.Length} floats, expected m * Dz = {m} * {Spec.Dz}");
        if (forward) Generator.Forward(ThetaG.Data, StateG.Data, z, m, train: true);
        var fake = Generator.Output[..(m * Spec.D)];
        Discriminator.Forward(ThetaD.Data, StateD.Data, fake, m, train: true);
        var dl = _dLogit.AsSpan(0, m);
        double j = GanLoss.LogSigmoid(Discriminator.Logits, m, +1, dl);
        var dFake = _dFake.AsSpan(0, m * Spec.D);
        dFake.Clear();
        Discriminator.Backward(ThetaD.Data, fake, dl, [], dFake, m);
        Array.Clear(GradG.Data);
        Generator.Backward(ThetaG.Data, z, dFake, GradG.Data, m);
        return j;
    }

    void Check(ReadOnlySpan<float> real, ReadOnlySpan<float> z, int m)
    {
        if (m < 2 || m > BatchSize) throw new ArgumentException($"GAN batch ({m}) must be in 2..{BatchSize}");
        if (real.Length != m * Spec.D) throw new ArgumentException($"real batch holds {real.Length} floats, expected m * D = {m} * {Spec.D}");
        if (z.Length != m * Spec.Dz) throw new ArgumentException($"z holds {z.Length} floats, expected m * Dz = {m} * {Spec.Dz}");
    }
}
