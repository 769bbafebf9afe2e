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
        foreach (var file in trainingFiles)
        {
            if (task == FineTuneTask.TokenClassification)
                foreach (var sentence in TaggedSentences.Read(file, options).Items)
                    text.Append(string.Join(' ', sentence.Words)).Append("\n\n");
            else
                foreach (var row in LabeledRows.Read(file, task, options).Items)
                {
                    text.Append(OneLine(row.Text)).Append('\n');
                    if (row.TextPair is string pair) text.Append(OneLine(pair)).Append('\n');
                    text.Append('\n');
                }
        }
        return text.ToString();
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
