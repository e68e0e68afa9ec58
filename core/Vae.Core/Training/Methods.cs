// The learning methods beside AEVB, each a different step over the same TrainingStep unit (parameters, gradient
// buffer, noise stream, optimizer):
// wake-sleep (one combined update: wake gradient on the decoder, sleep gradient on the encoder) and Monte Carlo EM
// (paper Appendix E: one HMC transition per datapoint of the minibatch, then 5 optimizer updates of the decoder).
// Owns: each method's noise streams and persistent state, and their checkpoint names. Must not: derive maths
// (Inference does), loop over the budget or write files.
using System.Numerics.Tensors;

namespace Vae.Core.Training;

/// <summary>A method's step over the unit's parameters and optimizer; its own state goes into the trainer's checkpoint.</summary>
internal interface IMethodStep
{
    /// <summary>One step on minibatch x [M, D] (rows <paramref name="indices"/> of the training set): fills the unit's
    /// gradient and calls its Update; returns the number the curve's training column averages.</summary>
    double Step(TrainingStep unit, ReadOnlySpan<float> x, ReadOnlySpan<int> indices);
    void Save(List<NamedArray<float>> floats, Dictionary<string, RngState> rngs);
    void Restore(CheckpointData c);
}

/// <summary>Wake-sleep with the AEVB networks: z ~ q(z|x) from the trainer's noise (the same draws AEVB would use),
/// dreams from the Dream stream. Returns the wake minibatch's estimator-B bound.</summary>
internal sealed class WakeSleepStep : IMethodStep
{
    readonly WakeSleep _ws;
    readonly Rng _dream;
    readonly float[] _z, _u, _eps; // [M, Dz] prior draws, [M, D] dream noise, [L, M, Dz] wake noise
    readonly int _dz, _d, _l;

    public WakeSleepStep(TrainingStep unit, ulong seed)
    {
        _ws = new WakeSleep(unit.Sgvb);
        var spec = unit.Sgvb.Model.Spec;
        int m = unit.BatchSize;
        (_dz, _d, _l) = (spec.Dz, spec.D, unit.Samples);
        _dream = new Rng(seed, RngStream.Dream);
        _z = new float[m * spec.Dz]; _u = new float[m * spec.D]; _eps = new float[_l * m * spec.Dz];
    }

    public double Step(TrainingStep unit, ReadOnlySpan<float> x, ReadOnlySpan<int> indices)
    {
        int m = x.Length / _d;
        var theta = unit.Parameters.Data; var grad = unit.Gradient.Data;
        var eps = _eps.AsSpan(0, _l * m * _dz);
        unit.Noise.FillNormal(eps); // the draws AEVB's step would take
        Array.Clear(grad);
        double j = _ws.Wake(theta, x, m, eps, _l, grad);
        if (!double.IsFinite(j)) throw new TrainingDivergedException($"wake-sleep: the wake bound is {j}");
        var z = _z.AsSpan(0, m * _dz); var u = _u.AsSpan(0, m * _d);
        _dream.FillNormal(z);
        if (_ws.DreamNoiseIsUniform) _dream.FillUniform(u); else _dream.FillNormal(u);
        double lq = _ws.Sleep(theta, _z, _u, m, grad);
        if (!double.IsFinite(lq)) throw new TrainingDivergedException($"wake-sleep: the sleep objective log q(z|x) is {lq}");
        Methods.CheckGradient(grad, "wake-sleep");
        unit.MarkGradientReady();
        unit.Update();
        return j;
    }

    public void Save(List<NamedArray<float>> floats, Dictionary<string, RngState> rngs) => rngs["dream"] = _dream.State;
    public void Restore(CheckpointData c) => _dream.Restore(c.GetRng("dream"));
}

/// <summary>
/// Monte Carlo EM: each training point keeps a persistent HMC chain (z [N, Dz], started from the prior) and its own step
/// size, adapted towards 90 % acceptance at every visit (the posterior moves with theta, so adaptation never stops).
/// A step moves the minibatch's chains by one transition (10 leapfrog steps), then takes 5 optimizer updates of the
/// decoder on (1/M) sum log p(x, z). Returns the mean log p(x, z) at the new samples (not a bound).
/// </summary>
internal sealed class McemStep : IMethodStep
{
    /// <summary>Optimizer updates per posterior sample (paper Appendix E).</summary>
    public const int UpdatesPerSample = 5;
    readonly JointDensity _target;
    readonly Hmc _hmc;
    readonly Rng _rng;
    readonly int _dz;
    readonly float[] _z, _step;      // [N, Dz], [N] persistent chains
    readonly float[] _zb, _sb;       // [M, Dz], [M] the minibatch's chains
    readonly double[] _lp;           // [M]

    public McemStep(ModelSpec spec, IBlas blas, int n, int m, ulong seed)
    {
        _target = new JointDensity(spec, blas, m);
        _hmc = new Hmc(new HmcOptions(), spec.Dz, m);
        _dz = spec.Dz;
        _rng = new Rng(seed, RngStream.Hmc);
        _z = new float[n * _dz]; _step = new float[n];
        _rng.FillNormal(_z);
        _step.AsSpan().Fill((float)_hmc.Options.InitialStepSize);
        _zb = new float[m * _dz]; _sb = new float[m]; _lp = new double[m];
    }

    public double Step(TrainingStep unit, ReadOnlySpan<float> x, ReadOnlySpan<int> indices)
    {
        int m = indices.Length;
        var theta = unit.Parameters.Data; var grad = unit.Gradient.Data;
        for (int i = 0; i < m; i++)
        {
            _z.AsSpan(indices[i] * _dz, _dz).CopyTo(_zb.AsSpan(i * _dz, _dz));
            _sb[i] = _step[indices[i]];
        }
        _target.Condition(theta, x, m);
        _hmc.Transition(_target, _zb, _sb, _lp, m, _rng, adapt: true);
        for (int i = 0; i < m; i++)
        {
            _zb.AsSpan(i * _dz, _dz).CopyTo(_z.AsSpan(indices[i] * _dz, _dz));
            _step[indices[i]] = _sb[i];
        }
        double j = 0;
        for (int i = 0; i < m; i++) j += _lp[i];
        j /= m;
        if (!double.IsFinite(j)) throw new TrainingDivergedException($"mcem: log p(x, z) at the HMC samples is {j}");
        for (int u = 0; u < UpdatesPerSample; u++)
        {
            Array.Clear(grad);
            _target.AccumulateParameterGradient(_zb, m, _lp, grad);
            Methods.CheckGradient(grad, "mcem");
            unit.MarkGradientReady();
            unit.Update();
        }
        return j;
    }

    public void Save(List<NamedArray<float>> floats, Dictionary<string, RngState> rngs)
    {
        floats.Add(new("mcem.z", _z)); floats.Add(new("mcem.step", _step));
        rngs["hmc"] = _rng.State;
    }

    public void Restore(CheckpointData c)
    {
        c.CopyFloatsTo("mcem.z", _z); c.CopyFloatsTo("mcem.step", _step);
        _rng.Restore(c.GetRng("hmc"));
    }
}

internal static class Methods
{
    /// <summary>The method's step for the options (null for AEVB, which the trainer runs itself).</summary>
    public static IMethodStep? For(TrainOptions o, TrainingStep unit, IBlas blas, int n) => o.Method switch
    {
        TrainingMethod.Aevb => null,
        TrainingMethod.WakeSleep => new WakeSleepStep(unit, o.Seed),
        TrainingMethod.Mcem => new McemStep(o.Model, blas, n, o.BatchSize, o.Seed),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Method, "unknown training method"),
    };

    public static void CheckGradient(float[] grad, string method)
    {
        if (float.IsFinite(TensorPrimitives.Sum<float>(grad))) return;
        int i = Array.FindIndex(grad, g => !float.IsFinite(g));
        throw new TrainingDivergedException($"{method}: the gradient is non-finite (first at parameter index {i})");
    }
}
