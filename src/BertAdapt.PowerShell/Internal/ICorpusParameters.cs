using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// The corpus parameters of a cmdlet that reads a corpus for a model (Invoke-MlmTraining,
/// Measure-Perplexity). C# gives a class one base, and Invoke-MlmTraining's is
/// <see cref="TrainingCmdlet"/>, so each of the two declares these parameters (with the same
/// attributes, which a test compares, and one help text in module/help/shared) and
/// <see cref="CorpusInput"/> does the work for both.
/// </summary>
public interface ICorpusParameters
{
    BertModel Model { get; }
    string[] Corpus { get; }
    string[] LiteralCorpus { get; }
    /// <summary>Whether the corpus came through -LiteralCorpus (or a piped file's PSPath).</summary>
    bool CorpusIsLiteral { get; }
    SwitchParameter Recurse { get; }
    int SequenceLength { get; }
    SwitchParameter LineByLine { get; }
    string TextField { get; }
    string TextColumn { get; }
    SwitchParameter AllowInvalidUtf8 { get; }
    System.Text.Encoding? Encoding { get; }
    string? CacheDirectory { get; }
}
