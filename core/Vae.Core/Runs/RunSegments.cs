// A run trained in several sittings (killed, resumed, extended) keeps one manifest; each sitting is a segment with its
// own budget, BLAS provider, threads and commit, so the manifest never claims one provider or budget for work another did.
// Owns: the segment record and the rule for which resumes change what a run means. Must not: train or write files.

namespace Vae.Core.Runs;

/// <summary>One sitting of a run: from step FromStep to ToStep, under this budget, provider, threads and commit.</summary>
/// <param name="Number">1 for the first sitting, then 2, 3, ... per resume.</param>
/// <param name="StartedUtc">When the sitting started.</param>
/// <param name="FinishedUtc">When it ended (null while running, or when the process was killed).</param>
/// <param name="Outcome">"running" while it trains, then "finished" or "diverged: ...".</param>
/// <param name="FromStep">Optimizer step the sitting started from (0, or the checkpoint's step).</param>
/// <param name="ToStep">Step it reached.</param>
/// <param name="BudgetSteps">Total optimizer steps the options of this sitting ask for (the whole run's target).</param>
/// <param name="BudgetSamples">The same budget in training samples.</param>
/// <param name="Blas">The provider's Describe() line.</param>
/// <param name="BlasProvider">Short provider name (mkl, openblas, managed), compared across resumes.</param>
/// <param name="Threads">BLAS threads.</param>
/// <param name="GitCommit">Commit of the code that ran the sitting.</param>
/// <param name="CommandLine">The process's command line.</param>
/// <param name="AllowedChanges">Changes of meaning the user accepted with --allow-change (empty otherwise).</param>
public sealed record RunSegment(int Number, DateTime StartedUtc, DateTime? FinishedUtc, string Outcome, long FromStep, long ToStep,
                                long BudgetSteps, long BudgetSamples, string Blas, string BlasProvider, int Threads,
                                string GitCommit, string CommandLine, IReadOnlyList<string> AllowedChanges);

/// <summary>Segment bookkeeping and the resume rule.</summary>
public static class RunSegments
{
    /// <summary>The option that accepts a resume which changes what the run means (recorded in the segment).</summary>
    public const string AllowChangeOption = "--allow-change";

    /// <summary>
    /// What resuming a run that has trained <paramref name="trainedSteps"/> steps would change about its meaning, compared
    /// with its last segment (or, for manifests written before segments existed, its single BLAS line): a budget below what
    /// is already trained (the run would report more training than it asks for), or another BLAS provider (its numbers
    /// would no longer come from one provider). Empty when the resume only continues the run.
    /// </summary>
    public static IReadOnlyList<string> MeaningChanges(RunSegment? last, string? legacyBlas, long trainedSteps, long budgetSteps,
                                                       long budgetSamples, IBlas blas)
    {
        var changes = new List<string>();
        if (budgetSteps < trainedSteps)
            changes.Add($"budget: {budgetSteps} steps ({budgetSamples} samples) asked for, but the run has already trained {trainedSteps} steps");
        string? before = last?.BlasProvider ?? ProviderOf(legacyBlas);
        if (before is not null && !string.Equals(before, blas.Name, StringComparison.OrdinalIgnoreCase))
            changes.Add($"BLAS provider: the run was trained with {before}, this resume would use {blas.Name}");
        return changes;
    }

    /// <summary>Refuses <paramref name="changes"/> unless <paramref name="allow"/>; the message lists them and names the option.</summary>
    public static void Refuse(string runPath, IReadOnlyList<string> changes, bool allow)
    {
        if (changes.Count == 0 || allow) return;
        throw Input.Error("--resume", $"resuming '{runPath}' would change what the run means ({string.Join("; ", changes)}); " +
                                      $"keep the run's settings, start a new run id, or pass {AllowChangeOption} to accept it (it is recorded in the manifest)");
    }

    /// <summary>"mkl" from a Describe() line "blas=mkl (...)"; null when unknown.</summary>
    public static string? ProviderOf(string? describe)
    {
        if (string.IsNullOrEmpty(describe) || !describe.StartsWith("blas=", StringComparison.Ordinal)) return null;
        int end = describe.IndexOfAny([' ', ','], 5);
        return end > 5 ? describe[5..end] : null;
    }
}
