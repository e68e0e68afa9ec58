// The paper's Algorithm 1 (minibatch AEVB): batches -> noise -> SGVB forward/backward -> optimizer step, with periodic
// held-out evaluation, divergence guards and bit-exact snapshots. Owns: the training loop and its state.
// Must not: parse arguments, print, or write result files (callers do, via callbacks); it never re-derives maths.
using System.Numerics.Tensors;

namespace Vae.Core.Training;

/// <summary>Progress of a run, for progress bars and logs.</summary>
public sealed record TrainProgress(long Step, long TotalSteps, long Samples, int Epoch, double Seconds, double RunningElbo);

/// <summary>Where a run's wall time went (seconds, this process): drawing batches, the step's compute (noise, forward,
/// backward, optimizer), and the held-out evaluations at curve points. Epoch overhead = wall / StepSeconds.</summary>
public readonly record struct TrainTimings(double BatchSeconds, double ComputeSeconds, double EvalSeconds)
{
    /// <summary>Batches + compute: everything a training step costs.</summary>
    public double StepSeconds => BatchSeconds + ComputeSeconds;
    public static TrainTimings operator -(TrainTimings a, TrainTimings b) =>
        new(a.BatchSeconds - b.BatchSeconds, a.ComputeSeconds - b.ComputeSeconds, a.EvalSeconds - b.EvalSeconds);
}


/// <summary>Raised when the bound, a gradient, a parameter or the test bound becomes NaN/Inf; names the tensor and the step.</summary>
public sealed class TrainingDivergedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Raised when training changed no parameter at all (e.g. a step size too small for float32): a no-op is not a run.</summary>
public sealed class NoOpTrainingException(string message) : ArgumentException(message);

/// <summary>Trains one VAE on prepared data. Not thread-safe; one instance per run.</summary>
public sealed class Trainer
{
    readonly TrainingStep _unit;
    readonly BatchIterator _batches;
    readonly float[] _x;   // [M, D]     current minibatch
    readonly Evaluator _eval;
    readonly IMethodStep? _method; // wake-sleep or MCEM over the same unit; null = AEVB
    long _step, _samples;
    double _runSum; long _runCount; // running training bound since the last curve point
    long _ticksBatch, _ticksCompute, _ticksEval; // Stopwatch ticks, see Timings
    readonly IBlas _blas;

    /// <summary>Builds the model, initialises parameters from the Init stream and positions the data at epoch 0.</summary>
    public Trainer(TrainOptions options, IBlas blas, PreparedData data)
    {
        Options = options.Validate();
        options.ValidateAgainst(data);
        if (options.TrainLimit > 0 && options.TrainLimit < data.Train.N) data = data with { Train = data.Train.Slice(0, options.TrainLimit) };
        Data = data;
        _unit = TrainingStep.For(options, blas, data.Train.N);
        // Prefetch: the next batch (shuffle, binarization) is drawn on a pool thread during this step (issue 11).
        _batches = new BatchIterator(data.Train, options.BatchSize, options.Seed, data.BinarizeBatches, prefetch: true);
        _x = new float[options.BatchSize * options.Model.D];
        _blas = blas;
        // L = 1 bounds only: decoder workspaces of 100 rows. The importance sampler (per worker 500 decoder rows, a few MB)
        // exists only while TestLogLikelihood runs (issue 11: MNIST training peaks <= 400 MB).
        _eval = new Evaluator(options.Model, blas, batch: 100, kChunk: 1);
        _method = Methods.For(options, _unit, blas, data.Train.N);
    }

    public TrainOptions Options { get; }
    public PreparedData Data { get; }
    /// <summary>All parameters, flat [P], in the layout of <see cref="Layout"/>.</summary>
    public float[] Theta => _unit.Parameters.Data;
    public ParameterLayout Layout => _unit.Parameters.Layout;
    public long Step => _step;
    public long SamplesSeen => _samples;
    public int Epoch => _batches.Epoch;
    public int StepsPerEpoch => _batches.BatchesPerEpoch;
    /// <summary>Cumulative time split of this process's training so far.</summary>
    public TrainTimings Timings => new(Seconds(_ticksBatch), Seconds(_ticksCompute), Seconds(_ticksEval));
    static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
    /// <summary>Total optimizer steps the options ask for.</summary>
    public long TotalSteps => Options.MaxTrainingSamples > 0
        ? (Options.MaxTrainingSamples + Options.BatchSize - 1) / Options.BatchSize
        : (long)Options.Epochs * _batches.BatchesPerEpoch;

    /// <summary>One step of Algorithm 1; returns the minibatch bound J (nats per datapoint). No allocation.</summary>
    public double TrainStep()
    {
        long t0 = Stopwatch.GetTimestamp();
        _batches.Next(_x);
        long t1 = Stopwatch.GetTimestamp();
        double j = _method is null ? _unit.Step(_x) : _method.Step(_unit, _x, _batches.LastIndices);
        _ticksBatch += t1 - t0; _ticksCompute += Stopwatch.GetTimestamp() - t1;
        _step++; _samples += Options.BatchSize;
        _runSum += j; _runCount++;
        return j;
    }

    /// <summary>Runs n steps (tests and benchmarks).</summary>
    public void TrainSteps(long n) { for (long i = 0; i < n; i++) TrainStep(); }

    /// <summary>
    /// Trains to the budget, evaluating the test bound at each curve point (every epoch or EvalEverySamples) and calling
    /// onCurve, then checkpoint (if given) AFTER the point so the last checkpoint is always a good state: a point whose
    /// parameters or test bound are not finite throws <see cref="TrainingDivergedException"/> before either callback, and a
    /// first point with every parameter unchanged throws <see cref="NoOpTrainingException"/>.
    /// </summary>
    public void Run(Action<CurvePoint>? onCurve = null, Action<TrainProgress>? onProgress = null,
                    Action<Trainer>? checkpoint = null, CancellationToken cancel = default)
    {
        var sw = Stopwatch.StartNew();
        long total = TotalSteps;
        long evalEvery = Options.EvalEverySamples > 0 ? Math.Max(1, Options.EvalEverySamples / Options.BatchSize) : _batches.BatchesPerEpoch;
        var logSteps = Options.EvalPerDecade > 0 ? LogSpacedSteps(evalEvery, Options.EvalPerDecade, total) : null;
        var lastReport = TimeSpan.Zero;
        float[]? before = _step < total ? (float[])Theta.Clone() : null; // for the no-op check; once per Run, not per step
        while (_step < total)
        {
            cancel.ThrowIfCancellationRequested();
            TrainStep();
            if (onProgress != null && (sw.Elapsed - lastReport).TotalMilliseconds >= 250)
            {
                lastReport = sw.Elapsed;
                onProgress(new TrainProgress(_step, total, _samples, _batches.Epoch, sw.Elapsed.TotalSeconds, RunningElbo));
            }
            if ((logSteps is null ? _step % evalEvery == 0 : logSteps.Contains(_step)) || _step == total)
            {
                double seconds = sw.Elapsed.TotalSeconds; // the point's time excludes its own evaluation (as before)
                // The bound and gradients are checked every step; the parameters only here (a sum per step would cost
                // ~5 % of a step), which still comes before anything is logged or checkpointed.
                CheckParameters();
                if (before is not null)
                {
                    if (before.AsSpan().SequenceEqual(Theta))
                        throw new NoOpTrainingException($"the learning rate (--lr, LearningRate) {Options.Optimizer.LearningRate} is too small for " +
                                                        $"{Options.Optimizer.Kind}: after {_step} steps no parameter has changed (every update is below " +
                                                        "float32 resolution), so training would be a no-op");
                    before = null;
                }
                long te = Stopwatch.GetTimestamp();
                double testElbo = TestElbo().Elbo;
                _ticksEval += Stopwatch.GetTimestamp() - te;
                if (!double.IsFinite(testElbo))
                    throw new TrainingDivergedException($"step {_step}: the test ELBO is {testElbo} (curve point at {_samples} samples)");
                var point = new CurvePoint(_samples, _batches.Epoch + (_batches.EpochComplete ? 1 : 0), _step, seconds,
                                           RunningElbo, testElbo);
                _runSum = 0; _runCount = 0;
                onCurve?.Invoke(point);
                checkpoint?.Invoke(this);
            }
        }
        onProgress?.Invoke(new TrainProgress(_step, total, _samples, _batches.Epoch, sw.Elapsed.TotalSeconds, RunningElbo));
    }

    /// <summary>Steps first x 10^(i/perDecade), rounded, i = 0, 1, ... below total (duplicates merged): the curve's
    /// log-spaced evaluation points. A function of the options only, so a resumed run keeps the same points.</summary>
    public static HashSet<long> LogSpacedSteps(long first, int perDecade, long total)
    {
        var steps = new HashSet<long>();
        for (int i = 0; ; i++)
        {
            long s = (long)Math.Round(first * Math.Pow(10, (double)i / perDecade));
            if (s >= total) break;
            steps.Add(Math.Max(1, s));
        }
        return steps;
    }

    double RunningElbo => _runCount == 0 ? double.NaN : _runSum / _runCount;

    /// <summary>Single-sample estimator-B bound on the whole test split, with fixed evaluation noise (comparable across calls).</summary>
    public ElboResult TestElbo(int limit = 0) => _eval.Elbo(Theta, Rows(Data.Test, limit), new Rng(Options.Seed, RngStream.Eval));

    /// <summary>The same on the training split (dynamically binarized data is evaluated on grey levels binarized once, seeded).</summary>
    /// <remarks>The split is read (and binarized) 1,000 rows at a time, with the same draws as DataVariants.BinarizeFixed on
    /// the whole split and the same bits as one Elbo call: no full-size float copy (MNIST's would be 188 MB).</remarks>
    public ElboResult TrainElbo(int limit = 0)
    {
        var noise = new Rng(Options.Seed, RngStream.Eval);
        var train = Data.Train;
        int n = limit > 0 ? Math.Min(limit, train.N) : train.N, piece = 1000;
        var binarize = new Rng(Options.Seed, DataVariants.FixedStream(DataSplit.Train));
        var buf = new float[Math.Min(piece, n) * train.D];
        var sums = new ElboSums();
        for (int start = 0; start < n; start += piece)
        {
            int count = Math.Min(piece, n - start);
            var x = buf.AsSpan(0, count * train.D);
            train.CopyRows(start, count, x);
            if (Data.BinarizeBatches) binarize.FillBernoulli(x, x); // in place: each p is read before its draw is stored
            _eval.Accumulate(Theta, x, noise, ref sums);
        }
        return sums.Result(1);
    }

    /// <summary>Importance-sampled log p(x) on the test split with K samples; progress gets (rows done, rows in total).</summary>
    public LogLikelihoodResult TestLogLikelihood(int k, int limit = 0, Action<int, int>? progress = null) =>
        new ImportanceSampler(Options.Model, _blas, batch: 100, kChunk: 100) // the noise Evaluator(100, 100) draws: same estimates
            .LogLikelihood(Theta, Rows(Data.Test, limit), k, new Rng(Options.Seed ^ 0x5EED, RngStream.Eval), progress: progress);

    /// <summary>The Appendix D (HMC) estimate of log p(x) on the test split with k posterior samples per datapoint.</summary>
    public AppendixDResult TestLogLikelihoodHmc(int k, int limit = 0, Action<int, int>? progress = null) =>
        new AppendixDEstimator(Options.Model, _blas, new AppendixDOptions { Samples = k })
            .Estimate(Theta, Rows(Data.Test, limit), new Rng(Options.Seed ^ 0xA99D, RngStream.Eval), progress: progress);

    /// <summary>Active units and KL per unit on the test split.</summary>
    public LatentDiagnostics Diagnose(int limit = 0) => _eval.Diagnose(Theta, Rows(Data.Test, limit));

    static ReadOnlySpan<float> Rows(ImageSet set, int limit) =>
        set.X.AsSpan(0, (limit > 0 ? Math.Min(limit, set.N) : set.N) * set.D);

    /// <summary>Throws <see cref="TrainingDivergedException"/> naming the first parameter tensor holding a NaN or infinity.</summary>
    public void CheckParameters()
    {
        if (float.IsFinite(TensorPrimitives.Sum<float>(Theta))) return;
        foreach (var p in Layout.Params)
        {
            var v = Theta.AsSpan(p.Offset, p.Length);
            for (int i = 0; i < v.Length; i++)
                if (!float.IsFinite(v[i]))
                    throw new TrainingDivergedException($"step {_step}: parameter {p.Name} is {v[i]} at index {i} after the optimizer step");
        }
    }

    /// <summary>Everything needed to continue bit-exactly: parameters, optimizer state, RNGs, data position, counters.</summary>
    public CheckpointData Snapshot()
    {
        var floats = new List<NamedArray<float>> { new("theta", Theta) };
        floats.AddRange(_unit.Optimizer.State.Select(s => new NamedArray<float>(s.Name, s.Data)));
        var b = _batches.State;
        var rngs = new Dictionary<string, RngState> { ["noise"] = _unit.Noise.State, ["batch.shuffle"] = b.ShuffleAtEpochStart, ["batch.binarize"] = b.Binarize };
        _method?.Save(floats, rngs);
        return new CheckpointData(Options.ToJson(), floats, [], rngs,
            new Dictionary<string, long>
            {
                ["step"] = _step, ["samples"] = _samples, ["optimizer.steps"] = _unit.Optimizer.Steps,
                ["batch.epoch"] = b.Epoch, ["batch.index"] = b.Index, ["batch.n"] = b.N, ["batch.size"] = b.BatchSize,
                // The curve's running train bound, so a checkpoint between curve points (an interrupted run) resumes it exactly.
                ["train.running.sum.bits"] = BitConverter.DoubleToInt64Bits(_runSum), ["train.running.count"] = _runCount,
            });
    }

    /// <summary>Continues from a snapshot taken by a trainer with the same options and data.</summary>
    public void Restore(CheckpointData c)
    {
        var saved = TrainOptions.FromJson(c.SpecJson);
        if (saved is null || !saved.Model.Equals(Options.Model))
            throw new CheckpointFormatException(c.Source ?? "<memory>", $"checkpoint model {saved?.Model} differs from this run's model {Options.Model}");
        if (saved.Method != Options.Method)
            throw new CheckpointFormatException(c.Source ?? "<memory>", $"checkpoint was trained with method {saved.Method}, this run uses {Options.Method}");
        c.CopyFloatsTo("theta", Theta);
        foreach (var (name, data) in _unit.Optimizer.State) c.CopyFloatsTo(name, data);
        _unit.Optimizer.Steps = c.GetCounter("optimizer.steps");
        _unit.Noise.Restore(c.GetRng("noise"));
        _method?.Restore(c);
        _batches.Restore(new BatchState((int)c.GetCounter("batch.n"), (int)c.GetCounter("batch.size"), (int)c.GetCounter("batch.epoch"),
                                        (int)c.GetCounter("batch.index"), c.GetRng("batch.shuffle"), c.GetRng("batch.binarize")));
        _step = c.GetCounter("step"); _samples = c.GetCounter("samples");
        // Checkpoints written at curve points (and by older versions) have an empty running sum.
        _runSum = c.Counters.TryGetValue("train.running.sum.bits", out long bits) ? BitConverter.Int64BitsToDouble(bits) : 0;
        _runCount = c.Counters.TryGetValue("train.running.count", out long count) ? count : 0;
    }
}
