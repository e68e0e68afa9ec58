// The paper preset: Kingma & Welling (2014) §5 settings, with every choice the paper leaves unstated made explicit,
// and the Adagrad step-size selection "from {0.01, 0.02, 0.1} by the training bound after the first few iterations".
// Owns: those choices and the selection procedure. Must not: write files or parse arguments.

namespace Vae.Core.Training;

/// <summary>One candidate of the step-size selection: its mean minibatch bound over the scored steps (nats).</summary>
public sealed record StepSizeTrial(double LearningRate, double Bound, double Seconds);

/// <summary>The selected step size and every trial behind it (recorded in the manifest).</summary>
public sealed record StepSizeChoice(double Chosen, IReadOnlyList<StepSizeTrial> Trials, int Steps, int ScoredSteps);

/// <summary>Named option presets.</summary>
public static class Presets
{
    /// <summary>The paper's candidate Adagrad step sizes (§5).</summary>
    public static readonly IReadOnlyList<double> PaperStepSizes = [0.01, 0.02, 0.1];

    /// <summary>Names accepted by <see cref="Apply"/>.</summary>
    public static readonly IReadOnlyList<string> Names = ["paper"];

    /// <summary>Applies preset <paramref name="name"/> to <paramref name="o"/> for its dataset.</summary>
    /// <exception cref="ArgumentException">Unknown preset name.</exception>
    public static TrainOptions Apply(string name, TrainOptions o) => name.Trim().ToLowerInvariant() switch
    {
        "paper" => Paper(o),
        _ => throw new ArgumentException($"unknown preset '{name}': expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// The paper's §5 settings on top of <paramref name="o"/> (dataset, Dz, seed and budget are kept):
    /// <list type="bullet">
    /// <item>Adagrad (stated). Its step size starts at 0.02, the middle candidate; <see cref="ChooseAdagradStepSize"/>
    /// replaces it (the CLI does so unless --lr is given). Adagrad epsilon 1e-8 added to sqrt(sum g^2) (unstated).</item>
    /// <item>Weight prior N(0, I), i.e. precision 1, added once per dataset (stated as "weight decay corresponding to a prior
    /// p(theta) = N(0, I)"; its per-datapoint scaling 1/N is our reading).</item>
    /// <item>Initialisation N(0, 0.01): we read 0.01 as the standard deviation (unstated whether std or variance);
    /// biases are drawn the same way.</item>
    /// <item>M = 100, L = 1, estimator B (stated: "the second version of the estimator", M = 100, L = 1).</item>
    /// <item>tanh hidden units, one hidden layer in encoder and decoder (Appendix C); the dataset's setup from the catalog
    /// (<see cref="Catalog"/>, <see cref="DatasetDefaults"/>): hidden size (500 MNIST-like, 200 Frey Face, stated), data
    /// variant, matching likelihood, decoder mean and validation split.</item>
    /// </list>
    /// </summary>
    public static TrainOptions Paper(TrainOptions o)
    {
        var info = Catalog.All.FirstOrDefault(d => string.Equals(d.Name, o.Dataset, StringComparison.OrdinalIgnoreCase));
        var p = o with
        {
            Optimizer = o.Optimizer with { Kind = OptimizerKind.Adagrad, LearningRate = 0.02, WeightPrior = 1.0 },
            Init = InitScheme.Normal, InitStd = 0.01f,
            BatchSize = 100, Samples = 1, Estimator = Estimator.B,
            Model = o.Model with { Activation = Activation.Tanh },
        };
        return info is null ? p : DatasetDefaults.Apply(p, info);
    }

    /// <summary>
    /// The paper's step-size selection, made concrete: for each candidate, a fresh trainer from the SAME initialisation
    /// and data order (same seed) takes <paramref name="steps"/> Adagrad steps; its score is the mean minibatch bound of
    /// the last <paramref name="scoredSteps"/> of them (averaging damps minibatch noise). The highest score wins; ties go
    /// to the smaller step. "First few iterations" is unstated; 200 steps (20,000 samples, a third of an MNIST epoch) is
    /// our choice. Diverging candidates score -Infinity.
    /// </summary>
    public static StepSizeChoice ChooseAdagradStepSize(TrainOptions o, PreparedData data, IBlas blas, IReadOnlyList<double>? candidates = null,
                                                       int steps = 200, int scoredSteps = 50, TextWriter? log = null)
    {
        candidates ??= PaperStepSizes;
        if (steps <= 0 || scoredSteps <= 0 || scoredSteps > steps)
            throw new ArgumentException($"steps ({steps}) and scored steps ({scoredSteps}) must satisfy 0 < scored <= steps");
        var trials = new List<StepSizeTrial>();
        foreach (double lr in candidates)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var t = new Trainer(o with { Optimizer = o.Optimizer with { LearningRate = lr } }, blas, data);
            double sum = 0;
            try
            {
                for (int i = 0; i < steps; i++)
                {
                    double j = t.TrainStep();
                    if (i >= steps - scoredSteps) sum += j;
                }
            }
            catch (TrainingDivergedException) { sum = double.NegativeInfinity; }
            var trial = new StepSizeTrial(lr, sum / scoredSteps, sw.Elapsed.TotalSeconds);
            trials.Add(trial);
            log?.WriteLine($"step-size trial: Adagrad lr {lr}: mean training bound over steps {steps - scoredSteps + 1}-{steps} = {trial.Bound:F2} nats ({trial.Seconds:F1} s)");
        }
        var best = trials.OrderByDescending(t => t.Bound).ThenBy(t => t.LearningRate).First();
        return new StepSizeChoice(best.LearningRate, trials, steps, scoredSteps);
    }
}
