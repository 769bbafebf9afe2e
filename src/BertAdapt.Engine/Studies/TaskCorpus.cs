using System.Text;
using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// Task-adaptive pre-training's corpus: the text of the task's training rows only (text and, for
/// pairs, the second text; a tagged sentence's words), one row per document, never a validation
/// row. Rows are read as fine-tuning reads them, so a row fine-tuning skips is not in it either.
/// </summary>
public static class TaskCorpus
{
    public static string TextOf(IReadOnlyList<string> trainingFiles, FineTuneTask task, FineTuneReadOptions options)
    {
        var text = new StringBuilder();
        foreach (var row in Rows(trainingFiles, task, options))
        {
            foreach (var part in row.Texts) text.Append(OneLine(part)).Append('\n');
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The texts of a task's rows, as fine-tuning reads them: a row's text and second text, or a
    /// tagged sentence's words joined by spaces, with where the row is ("file, row N").
    /// </summary>
    public static IEnumerable<(string Source, IReadOnlyList<string> Texts)> Rows(IReadOnlyList<string> files, FineTuneTask task, FineTuneReadOptions options)
    {
        foreach (var file in files)
        {
            long number = 0;
            if (task == FineTuneTask.TokenClassification)
                foreach (var sentence in TaggedSentences.Read(file, options).Items)
                    yield return ($"{file}, sentence {++number}", [string.Join(' ', sentence.Words)]);
            else
                foreach (var row in LabeledRows.Read(file, task, options).Items)
                    yield return ($"{file}, row {++number}", row.TextPair is string pair ? [row.Text, pair] : [row.Text]);
        }
    }

    /// <summary>A blank line ends a document in a .txt corpus, so a text's own line breaks become spaces.</summary>
    static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Writes the corpus file unless it already holds exactly this text (its token shard is then reused as is).</summary>
    public static void Write(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        StudyFiles.WriteAtomically(path, text);
    }
}
