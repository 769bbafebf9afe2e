using System.Text;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// Where labelled data keeps its texts and labels, and what to do with bad rows. Column names
/// are CSV/TSV header names (matched exactly, then ignoring case), JSON Lines field names
/// (matched exactly, as the corpus reader does) or pipeline property names (exactly, then
/// ignoring case, as PowerShell does).
/// </summary>
public sealed record FineTuneReadOptions
{
    public static FineTuneReadOptions Default { get; } = new();

    /// <summary>The column that holds the text (the first text of a pair).</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>The column that holds the second text of a pair task; null for single texts.</summary>
    public string? TextPairColumn { get; init; }

    /// <summary>The column that holds the label; null reads unlabelled rows (for prediction).</summary>
    public string? LabelColumn { get; init; } = "label";

    /// <summary>
    /// Multi-label only: what separates the labels of a row written as one string (a CSV/TSV
    /// cell, or a JSON string rather than an array). "|", because it is neither the CSV nor
    /// the TSV separator (no quoting needed), rarely part of a label, and what common public
    /// multi-label tables use (MovieLens genres: "Action|Comedy"). Labels are trimmed after
    /// splitting.
    /// </summary>
    public string LabelSeparator { get; init; } = DefaultLabelSeparator;

    /// <summary>What joins several labels in one text unless told otherwise (BertModel.LabelSeparator too).</summary>
    public const string DefaultLabelSeparator = "|";

    /// <summary>
    /// Token files only: the 0-based column of the word; a negative index counts from the end
    /// of the line (−1 is the last column).
    /// </summary>
    public int WordColumn { get; init; }

    /// <summary>
    /// Token files only: the 0-based column of the tag; a negative index counts from the end
    /// of the line. −1 (the last column) by default, as in CoNLL-2003 files, whose NER tag is
    /// the last of four columns.
    /// </summary>
    public int TagColumn { get; init; } = -1;

    /// <summary>
    /// False: a bad row is an error (FineTuneRowInvalid). True: it is left out and counted in
    /// <see cref="SkippedRows"/>, which keeps the first few reasons for a report.
    /// </summary>
    public bool SkipInvalidRows { get; init; }

    /// <summary>
    /// Files only: the encoding of a file without a byte-order mark; null for UTF-8. A file
    /// with a mark is read as its mark says.
    /// </summary>
    public Encoding? Encoding { get; init; }

    internal void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new BertAdaptException("FineTuneOptionInvalid", BertAdaptErrorKind.InvalidArgument, message);
        }
        Require(!string.IsNullOrWhiteSpace(TextColumn), "The text column must be named.");
        Require(TextPairColumn is null || TextPairColumn.Trim().Length > 0, "The text-pair column, when given, must be named.");
        Require(LabelColumn is null || LabelColumn.Trim().Length > 0, "The label column, when given, must be named.");
        Require(TextPairColumn != TextColumn, $"The text and text-pair columns are both '{TextColumn}'.");
        Require(LabelColumn != TextColumn && (LabelColumn is null || LabelColumn != TextPairColumn),
            $"The label column '{LabelColumn}' is also a text column.");
        Require(!string.IsNullOrWhiteSpace(LabelSeparator), "The label separator must have a character that is not white space.");
    }
}
