using System.Globalization;
using System.Text;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tokenization;

/// <summary>One word the vocabulary splits into several WordPiece pieces, and what adding it would save.</summary>
/// <param name="Pieces">The pieces in order; as text (an Export-Csv column) joined by spaces, "journal ##ct ##l".</param>
public sealed record FragmentedWord(string Word, long Count, DelimitedList<string> Pieces, int PieceCount, long TokensSaved);

/// <summary>
/// Words of a corpus that the current vocabulary fragments, ranked by the tokens a new entry
/// would save: count × (pieces − 1).
/// </summary>
public static class FragmentationReport
{
    /// <param name="top">How many rows to return; null for all.</param>
    /// <param name="onFile">Called before each file is read, for progress.</param>
    /// <param name="options">How the files are read (their encoding, text field or column); the defaults when null.</param>
    public static IReadOnlyList<FragmentedWord> FromCorpus(IEnumerable<string> files, BertVocabulary vocabulary,
        int minCount = 1, int? top = null, CancellationToken cancellation = default, Action<string>? onFile = null,
        Data.Corpora.CorpusReadOptions? options = null)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            onFile?.Invoke(file);
            foreach (var line in LinesOf(file, options))
            {
                cancellation.ThrowIfCancellationRequested();
                foreach (var word in BasicTokenization.Split(line, vocabulary.LowerCase))
                    counts[word] = counts.GetValueOrDefault(word) + 1;
            }
        }

        var rows = new List<FragmentedWord>();
        foreach (var (word, count) in counts)
        {
            if (count < minCount) continue;
            cancellation.ThrowIfCancellationRequested();
            var ids = vocabulary.Encode(word);
            if (ids.Count < 2) continue;
            var pieces = new DelimitedList<string>(ids.Select(id => vocabulary.Tokens[id]), " ");
            rows.Add(new FragmentedWord(word, count, pieces, pieces.Count, count * (pieces.Count - 1)));
        }
        // Ties break on count, then on the word, so a report is the same on every run.
        var ranked = rows.OrderByDescending(r => r.TokensSaved).ThenByDescending(r => r.Count).ThenBy(r => r.Word, StringComparer.Ordinal);
        return (top is int n ? ranked.Take(n) : ranked).ToList();
    }

    // The one place that knows how corpus files are read.
    static IEnumerable<string> LinesOf(string file, Data.Corpora.CorpusReadOptions? options) =>
        Data.Corpora.CorpusDocuments.Read(file, options).SelectMany(document => document);
}

/// <summary>The tokens an extension adds, in order, and those it skips because the vocabulary has them.</summary>
public sealed record VocabularyPlan(IReadOnlyList<string> Added, IReadOnlyList<string> Skipped);

/// <summary>
/// Adds whole-word tokens to a model's vocabulary. Each new embedding row (and MLM output bias)
/// starts as the mean of the rows of the pieces the word used to be split into, so the model's
/// view of the word barely moves and training refines it from there.
/// </summary>
public static class VocabularyExtender
{
    const string WordEmbeddings = "bert.embeddings.word_embeddings.weight", MlmBias = "cls.predictions.bias";

    /// <summary>
    /// What <see cref="Extend"/> would do: the tokens normalised as the tokenizer would, split into
    /// those to add and those skipped (already present or repeated). Throws for a token the
    /// tokenizer could never produce; every token is checked first, so a bad one changes nothing.
    /// </summary>
    public static VocabularyPlan Plan(BertVocabulary vocabulary, IEnumerable<string> tokens)
    {
        var add = new List<string>();
        var skip = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in tokens.Select(t => CheckedToken(t, vocabulary.LowerCase)).ToList())
        {
            if (vocabulary.IdOf(token) is not null || !seen.Add(token)) skip.Add(token);
            else add.Add(token);
        }
        return new VocabularyPlan(add, skip);
    }

    /// <summary>Rebuilds the model with the planned tokens appended to its vocabulary. Returns the tokens added.</summary>
    public static IReadOnlyList<string> Extend(BertModel model, IEnumerable<string> tokens, Action<string>? onSkipped = null)
    {
        var vocabulary = model.Vocabulary;
        var (added, skipped) = Plan(vocabulary, tokens);
        foreach (var token in skipped) onSkipped?.Invoke(token);
        if (added.Count == 0) return added;

        var pieces = added.Select(t => vocabulary.Encode(t).ToArray()).ToList();
        var extended = BertVocabulary.FromText(string.Join('\n', vocabulary.Tokens.Concat(added)) + "\n", vocabulary.LowerCase,
            $"{vocabulary.Source} + {added.Count} added token(s)");
        // The tokenizer has the last word (for example on words over its length limit): a row it never emits is dead weight.
        for (int i = 0; i < added.Count; i++)
        {
            var ids = extended.Encode(added[i]);
            if (ids.Count != 1 || ids[0] != vocabulary.Count + i)
                throw Invalid(added[i], "WordPiece would not match it whole (words over 100 characters become [UNK])");
        }

        model.ReplaceWeights(Resize(model.Module, vocabulary.Count, pieces), extended);
        return added;
    }

    /// <summary>The token as the tokenizer sees it, or an error if the basic tokenizer would split or drop it.</summary>
    static string CheckedToken(string? raw, bool lowerCase)
    {
        var trimmed = (raw ?? "").Trim();
        if (trimmed.Length == 0) throw Invalid(raw ?? "", "it is empty");
        if (trimmed.Any(char.IsWhiteSpace)) throw Invalid(trimmed, "it contains whitespace");
        var token = BasicTokenization.Normalize(trimmed, lowerCase);
        var words = BasicTokenization.Split(token, lowerCase: false).ToList();
        if (words.Count != 1 || words[0] != token)
            throw Invalid(trimmed, "BERT's basic tokenizer would split it at punctuation, CJK or control characters");
        return token;
    }

    static BertAdaptException Invalid(string token, string why) => new("VocabularyTokenInvalid", BertAdaptErrorKind.InvalidArgument,
        $"Cannot add '{token}' to the vocabulary: {why}, so it could never be produced. Give whole words without punctuation.", token);

    /// <summary>A copy of the module with <paramref name="pieces"/>.Count more vocabulary rows; old values are copied exactly.</summary>
    static BertForPreTraining Resize(BertForPreTraining old, int oldCount, IReadOnlyList<int[]> pieces)
    {
        var config = old.Config.Clone();
        config.VocabSize = oldCount + pieces.Count;
        var template = old.parameters().First();
        var resized = new BertForPreTraining(config);
        try
        {
            resized.to(template.dtype).to(template.device);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var sources = old.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
            foreach (var (name, target) in resized.named_parameters())
            {
                var source = sources[name];
                if (target.shape.SequenceEqual(source.shape))
                {
                    target.copy_(source);
                    continue;
                }
                if (name is not (WordEmbeddings or MlmBias))
                    throw new BertAdaptException("VocabularyResizeFailed", BertAdaptErrorKind.InvalidOperation,
                        $"Parameter {name} changed shape with the vocabulary; only {WordEmbeddings} and {MlmBias} should.");
                target.narrow(0, 0, oldCount).copy_(source);
                for (int i = 0; i < pieces.Count; i++)
                    target[oldCount + i].copy_(MeanOfRows(source, pieces[i]));
            }
            foreach (var (name, buffer) in resized.named_buffers())
                buffer.copy_(old.named_buffers().First(b => b.name == name).buffer);
            if (old.training) resized.train(); else resized.eval();
            return resized;
        }
        catch
        {
            resized.Dispose();
            throw;
        }
    }

    // Averaged in float32 so a half-precision model gets the same mean as a float one would.
    static Tensor MeanOfRows(Tensor source, int[] ids) =>
        source.index_select(0, tensor(ids.Select(i => (long)i).ToArray(), device: source.device))
            .to(ScalarType.Float32).mean([0]).to(source.dtype);
}

/// <summary>
/// The word splitting of BERT's basic tokenizer: control characters dropped, whitespace splits,
/// every punctuation mark and CJK ideograph is a word of its own; uncased vocabularies also
/// lower-case and strip accents.
/// </summary>
public static class BasicTokenization
{
    public static string Normalize(string text, bool lowerCase)
    {
        if (!lowerCase) return text;
        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) kept.Append(c);
        return kept.ToString();
    }

    public static IEnumerable<string> Split(string text, bool lowerCase)
    {
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsControl(rune) && !IsWhitespace(rune)) continue; // removed without splitting, as BERT's text cleaning does
            if (IsWhitespace(rune) || IsPunctuation(rune) || IsCjk(rune))
            {
                if (word.Length > 0) { yield return Normalize(word.ToString(), lowerCase); word.Clear(); }
                if (IsPunctuation(rune) || IsCjk(rune)) yield return rune.ToString();
                continue;
            }
            word.Append(rune.ToString());
        }
        if (word.Length > 0) yield return Normalize(word.ToString(), lowerCase);
    }

    static bool IsWhitespace(Rune r) => BertCharacters.IsSeparator(r);

    static bool IsControl(Rune r) => BertCharacters.IsRemoved(r);

    static bool IsPunctuation(Rune r) => BertCharacters.IsPunctuation(r);

    static bool IsCjk(Rune r) => BertCharacters.IsCjkIdeograph(r.Value);
}
