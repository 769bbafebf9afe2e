namespace BertAdapt.PowerShell.Internal;

/// <summary>What the end-of-run summary of a training cmdlet says.</summary>
/// <param name="Verb">"Trained" or "Fine-tuned".</param>
/// <param name="Best">The best validation score, as "validation perplexity 12.34" or "macro_f1 0.8123".</param>
public sealed record TrainingRunSummary(string Verb, int Steps, int ResumedFromStep, double? FinalLoss, int SkippedNonFiniteSteps,
    double PaddingFraction, string? Best, bool EarlyStopped, string Device, int Threads);
