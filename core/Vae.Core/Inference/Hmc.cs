// Hamiltonian (hybrid) Monte Carlo over a batch of independent chains, one per row (paper Appendix D/E): leapfrog
// with a step size per chain, adapted towards a target acceptance probability (~0.9) while adapt is on, then fixed.
// Owns: leapfrog, Metropolis accept/reject and the adaptation rule. Must not: own chain state between calls (the caller
// keeps z, step sizes and RNG, so they can be checkpointed) or know what the target is.

namespace Vae.Core.Inference;

/// <summary>HMC settings. Defaults: the paper's 10 leapfrog steps and 90 % acceptance (Appendix E).</summary>
public sealed record HmcOptions
{
    /// <summary>Leapfrog steps per transition (paper Appendix E: 10).</summary>
    public int LeapfrogSteps { get; init; } = 10;
    /// <summary>Acceptance probability the step size is adapted towards (paper: 0.9).</summary>
    public double TargetAcceptance { get; init; } = 0.9;
    /// <summary>Starting step size of every chain.</summary>
    public double InitialStepSize { get; init; } = 0.05;
    /// <summary>Adaptation gain: log step += rate * (acceptance probability - target) per transition.</summary>
    public double AdaptationRate { get; init; } = 0.5;

    public HmcOptions Validate()
    {
        if (LeapfrogSteps <= 0) throw new ArgumentException($"HMC leapfrog steps ({LeapfrogSteps}) must be at least 1");
        if (!(TargetAcceptance > 0 && TargetAcceptance < 1)) throw new ArgumentException($"HMC target acceptance ({TargetAcceptance}) must be in (0, 1)");
        if (!(InitialStepSize > 0) || double.IsInfinity(InitialStepSize)) throw new ArgumentException($"HMC initial step size ({InitialStepSize}) must be positive and finite");
        if (!(AdaptationRate >= 0) || double.IsInfinity(AdaptationRate)) throw new ArgumentException($"HMC adaptation rate ({AdaptationRate}) must be >= 0 and finite");
        return this;
    }
}

/// <summary>Batched HMC transitions with workspaces for up to maxRows chains. Not thread-safe.</summary>
public sealed class Hmc
{
    const float MinStep = 1e-6f, MaxStep = 10f;
    readonly HmcOptions _o;
    readonly int _dim;
    readonly float[] _z0, _p, _g;          // [maxRows, Dim] start state, momentum, gradient
    readonly double[] _lp0, _lp1, _k0;     // [maxRows] log density at start / proposal, initial kinetic energy

    public Hmc(HmcOptions options, int dim, int maxRows)
    {
        _o = options.Validate();
        if (dim <= 0 || maxRows <= 0) throw new ArgumentException($"HMC dimension ({dim}) and chains ({maxRows}) must be positive");
        (_dim, MaxRows) = (dim, maxRows);
        _z0 = new float[maxRows * dim]; _p = new float[maxRows * dim]; _g = new float[maxRows * dim];
        _lp0 = new double[maxRows]; _lp1 = new double[maxRows]; _k0 = new double[maxRows];
    }

    public HmcOptions Options => _o;
    public int MaxRows { get; }

    /// <summary>
    /// One HMC transition of each of <paramref name="rows"/> chains: z [rows, Dim] and stepSize [rows] are updated in place,
    /// logp [rows] receives the target's log density at the returned states. With adapt, each chain's step size moves by
    /// exp(rate * (a - target)) where a is its acceptance probability. Returns the mean acceptance probability.
    /// Random draws (momenta [rows, Dim], then one uniform per row) come from rng in a fixed order.
    /// </summary>
    public double Transition(ILogDensity target, Span<float> z, Span<float> stepSize, Span<double> logp, int rows, Rng rng, bool adapt)
    {
        if (target.Dim != _dim) throw new ArgumentException($"target dimension ({target.Dim}) differs from the sampler's ({_dim})");
        if (rows <= 0 || rows > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"chains ({rows}) must be in 1..{MaxRows}");
        int n = rows * _dim;
        if (z.Length < n || stepSize.Length < rows || logp.Length < rows)
            throw new ArgumentException($"z ({z.Length}), step sizes ({stepSize.Length}) and logp ({logp.Length}) must hold {n}, {rows}, {rows} values");
        var zs = z.Slice(0, n); var z0 = _z0.AsSpan(0, n); var p = _p.AsSpan(0, n); var g = _g.AsSpan(0, n);
        zs.CopyTo(z0);
        target.Evaluate(z0, rows, _lp0, g);
        rng.FillNormal(p);
        for (int r = 0; r < rows; r++) _k0[r] = Kinetic(p, r);

        Kick(p, g, stepSize, rows, 0.5f);
        for (int s = 1; s <= _o.LeapfrogSteps; s++)
        {
            for (int r = 0; r < rows; r++)
            {
                float e = stepSize[r];
                for (int j = 0; j < _dim; j++) zs[r * _dim + j] += e * p[r * _dim + j];
            }
            target.Evaluate(zs, rows, _lp1, g);
            Kick(p, g, stepSize, rows, s < _o.LeapfrogSteps ? 1f : 0.5f);
        }

        double sumA = 0;
        for (int r = 0; r < rows; r++)
        {
            double logA = (_lp1[r] - Kinetic(p, r)) - (_lp0[r] - _k0[r]);
            double a = double.IsNaN(logA) ? 0 : Math.Min(1, Math.Exp(logA));
            if (rng.NextDouble() < a) logp[r] = _lp1[r];
            else { z0.Slice(r * _dim, _dim).CopyTo(zs.Slice(r * _dim, _dim)); logp[r] = _lp0[r]; }
            sumA += a;
            if (adapt)
                stepSize[r] = Math.Clamp((float)(stepSize[r] * Math.Exp(_o.AdaptationRate * (a - _o.TargetAcceptance))), MinStep, MaxStep);
        }
        return sumA / rows;
    }

    void Kick(Span<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> stepSize, int rows, float fraction)
    {
        for (int r = 0; r < rows; r++)
        {
            float e = fraction * stepSize[r];
            for (int j = 0; j < _dim; j++) p[r * _dim + j] += e * g[r * _dim + j];
        }
    }

    double Kinetic(ReadOnlySpan<float> p, int r)
    {
        double k = 0;
        for (int j = 0; j < _dim; j++) { double v = p[r * _dim + j]; k += v * v; }
        return 0.5 * k;
    }
}
