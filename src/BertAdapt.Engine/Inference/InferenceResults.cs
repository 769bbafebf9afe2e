using System.Globalization;
using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Inference;

/// <summary>One text (and optional second text) to run through a sequence model.</summary>
public sealed record InferenceInput(string Text, string? TextPair = null);

/// <summary>How a text's token vectors become one embedding.</summary>
public enum EmbeddingPooling
{
    /// <summary>The mean of the last hidden states over every real token, [CLS] and [SEP] included, padding excluded (sentence-transformers' mean pooling).</summary>
    Mean,

    /// <summary>The last hidden state of the [CLS] token.</summary>
    Cls,
}

/// <summary>One class's score for one input.</summary>
public sealed record ClassScore(string Label, double Score);

/// <summary>
/// What a sequence-classification or regression model says about one input. Every property is
/// text, a number or a list whose string form is its joined items, so that Export-Csv and
/// ConvertTo-Json write it whole; Invoke-BertClassifier adds a Score_&lt;label&gt; column per class.
/// </summary>
public sealed class ClassificationResult
{
    readonly ClassScore[] scores;

    internal ClassificationResult(string text, string? textPair, FineTuneTask task, string? label, IEnumerable<string> labels, string labelSeparator,
        double? score, ClassScore[] scores, double? value, bool truncated)
    {
        Text = text;
        TextPair = textPair;
        Task = task.ToString();
        Label = label;
        Labels = new(labels, labelSeparator);
        Score = score;
        this.scores = scores;
        Value = value;
        Truncated = truncated;
    }

    public string Text { get; }
    public string? TextPair { get; }

    /// <summary>The head's task by name: SequenceClassification, MultiLabelClassification or Regression.</summary>
    public string Task { get; }

    /// <summary>
    /// The predicted class: the most probable one (single-label), the highest-scoring class at or
    /// over the threshold, or null when none reaches it (multi-label); null for regression.
    /// </summary>
    public string? Label { get; }

    /// <summary>
    /// Every predicted class, best first: the one <see cref="Label"/> (single-label), all classes
    /// at or over the threshold (multi-label, possibly none); empty for regression. As text, the
    /// labels joined by the label separator (by default "|", as Invoke-FineTune reads them).
    /// </summary>
    public DelimitedList<string> Labels { get; }

    /// <summary>The highest class score (softmax probability or sigmoid); null for regression.</summary>
    public double? Score { get; }

    /// <summary>The predicted number of a regression model; null otherwise.</summary>
    public double? Value { get; }

    /// <summary>The input was longer than the maximum length and was cut (longest text first) to fit.</summary>
    public bool Truncated { get; }

    /// <summary>Every class's score in the head's output order; empty for regression.</summary>
    /// <remarks>A method, not a property: PowerShell gets one Score_&lt;label&gt; column per class instead.</remarks>
    public IReadOnlyList<ClassScore> GetScores() => scores;

    /// <summary>The score of one class; throws for a label the head does not have.</summary>
    public double ScoreOf(string label) => scores.FirstOrDefault(s => s.Label == label)?.Score
        ?? throw new KeyNotFoundException($"The model has no class '{label}'.");

    public override string ToString() => Task == nameof(FineTuneTask.Regression) ? $"{Value}" : $"{Label} ({Score:F3})";
}

/// <summary>One word of a token-classified text: the tag at its first piece and that tag's probability.</summary>
/// <param name="Word">The word as written in the original text.</param>
/// <param name="Start">The word's first character (UTF-16 index into the original text).</param>
/// <param name="End">Just past the word's last character.</param>
public sealed record PredictedWord(string Word, string Tag, double Score, int Start, int End)
{
    /// <summary>word/TAG, as in a tagged corpus.</summary>
    public override string ToString() => $"{Word}/{Tag}";
}

/// <summary>An entity: consecutive words grouped by their BIO tags.</summary>
/// <param name="Type">The entity type (the tag without its B-/I- prefix).</param>
/// <param name="Text">The span of the original text from the first word's start to the last word's end.</param>
/// <param name="Start">The span's first character (UTF-16 index into the original text).</param>
/// <param name="End">Just past the span's last character, so <c>text.Substring(Start, End - Start) == Text</c>.</param>
/// <param name="Score">The mean of the words' tag probabilities.</param>
public sealed record PredictedEntity(string Type, string Text, int Start, int End, double Score)
{
    public override string ToString() => $"{Type}: {Text}";
}

/// <summary>What a token-classification model says about one text.</summary>
public sealed class TokenClassificationResult
{
    internal TokenClassificationResult(string text, PredictedEntity[] entities, PredictedWord[] words, bool truncated)
    {
        Text = text;
        Entities = new(entities, "; ");
        Words = new(words, " ");
        Truncated = truncated;
    }

    public string Text { get; }

    /// <summary>
    /// The entities in order of their start; empty when the model's tags are not BIO tags. As text
    /// (an Export-Csv column) "TYPE: text; TYPE: text"; Invoke-BertTokenClassifier -Expand Entities
    /// writes one row per entity instead.
    /// </summary>
    public DelimitedList<PredictedEntity> Entities { get; }

    /// <summary>Every word that fit within the maximum length, in order; as text "word/TAG word/TAG".</summary>
    public DelimitedList<PredictedWord> Words { get; }

    /// <summary>The text was longer than the maximum length: words past it have no prediction.</summary>
    public bool Truncated { get; }

    public override string ToString() => string.Join(", ", Entities.Select(e => $"{e.Type}: {e.Text}"));
}

/// <summary>One candidate for one [MASK].</summary>
/// <param name="Mask">Which [MASK] of the text (0 for the first).</param>
/// <param name="Rank">1 for the most probable candidate of that mask.</param>
/// <param name="Token">The vocabulary token (a word piece keeps its ## prefix).</param>
/// <param name="Score">The token's probability at that position (softmax over the whole vocabulary).</param>
/// <param name="Sequence">The original text with this mask replaced by the token (without ##) and any other mask left as it was.</param>
public sealed record FillMaskCandidate(int Mask, int Rank, string Token, int TokenId, double Score, string Sequence)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Token} ({Score:F3})");
}

/// <summary>The top candidates for every [MASK] of one text.</summary>
public sealed class FillMaskResult
{
    internal FillMaskResult(string text, string sequence, int maskCount, FillMaskCandidate[] candidates)
    {
        Text = text;
        Sequence = sequence;
        MaskCount = maskCount;
        Candidates = new(candidates, ", ");
    }

    public string Text { get; }

    /// <summary>The text with every mask replaced by its most probable candidate.</summary>
    public string Sequence { get; }

    public int MaskCount { get; }

    /// <summary>
    /// The candidates of the first mask, best first, then those of the next mask, and so on. As
    /// text "token (0.412), token (0.108)"; Invoke-BertFillMask -Expand Candidates writes one row each.
    /// </summary>
    public DelimitedList<FillMaskCandidate> Candidates { get; }

    public override string ToString() => Sequence;
}

/// <summary>The embedding of one text.</summary>
public sealed class EmbeddingResult
{
    internal EmbeddingResult(string text, float[] vector, EmbeddingPooling pooling, bool normalized, bool truncated)
    {
        Text = text;
        Vector = new(vector, " ");
        Pooling = pooling.ToString();
        Normalized = normalized;
        Truncated = truncated;
    }

    public string Text { get; }

    /// <summary>
    /// The vector. As text (an Export-Csv column) its values in the invariant culture, separated
    /// by spaces, each written so that it parses back to the same float:
    /// <c>[float[]]($row.Vector -split ' ')</c>. ConvertTo-Json writes an array of numbers.
    /// </summary>
    public DelimitedList<float> Vector { get; }

    public int Dimensions => Vector.Count;

    /// <summary>Mean or Cls.</summary>
    public string Pooling { get; }

    /// <summary>The vector was scaled to unit L2 length.</summary>
    public bool Normalized { get; }

    /// <summary>The text was longer than the maximum length and was cut to fit.</summary>
    public bool Truncated { get; }

    public override string ToString() => $"[{Dimensions}] {Text}";
}
