namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// A fast, allocation-light BERT WordPiece encoder: text cut by <see cref="BasicTokenizer"/>,
/// then each piece matched greedily longest-first with "##" continuations; a piece over
/// <see cref="BertVocabulary.MaxCharsPerWord"/> code points, or one that cannot be matched whole,
/// is [UNK]. These are the rules of Hugging Face's BertTokenizer (see <see cref="BertVocabulary.Encode"/>).
/// </summary>
/// <remarks>
/// ASCII text never leaves the input span and a reused buffer, and each longest-first probe is
/// one lookup in a <see cref="WordPieceTable"/>. Immutable once built, so one instance can be
/// shared across threads.
/// </remarks>
internal sealed class WordPieceEncoder
{
    const string ContinuationPrefix = "##";

    readonly WordPieceTable table;
    readonly int[] specialIds;
    readonly int unknownId;
    readonly int maxTokenLength;

    public WordPieceEncoder(IReadOnlyList<string> tokens, BasicTokenizerSettings settings, string unknownToken, IEnumerable<string> specialTokens)
    {
        table = new WordPieceTable(tokens.Count);
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            idOf[tokens[i]] = i; // the last of duplicate lines wins, as in BertVocabulary.IdOf
            var token = tokens[i];
            bool continuation = token.Length > ContinuationPrefix.Length && token.StartsWith(ContinuationPrefix, StringComparison.Ordinal);
            var key = continuation ? token.AsSpan(ContinuationPrefix.Length) : token.AsSpan();
            if (key.IsEmpty) continue;
            if (table.Add(key, continuation, i)) maxTokenLength = Math.Max(maxTokenLength, key.Length);
        }
        unknownId = idOf.TryGetValue(unknownToken, out var unknown) ? unknown
            : throw new ArgumentException($"The vocabulary has no {unknownToken} token.", nameof(unknownToken));
        Basic = new BasicTokenizer(settings with { SpecialTokens = specialTokens.Where(idOf.ContainsKey).ToList() });
        specialIds = Basic.SpecialTokens.Select(t => idOf[t]).ToArray();
    }

    public static WordPieceEncoder For(BertVocabulary vocabulary) => new(vocabulary.Tokens, vocabulary.TextSettings, BertVocabulary.Unknown,
        [BertVocabulary.Pad, BertVocabulary.Unknown, BertVocabulary.Cls, BertVocabulary.Sep, BertVocabulary.Mask]);

    /// <summary>The splitter this encoder cuts text with.</summary>
    public BasicTokenizer Basic { get; }

    public bool LowerCase => Basic.LowerCase;

    /// <summary>The id of the special token that <see cref="IBasicTokenSink.Special"/> numbers <paramref name="index"/>.</summary>
    public int SpecialId(int index) => specialIds[index];

    /// <summary>WordPiece ids of one text, without [CLS]/[SEP].</summary>
    public int[] Encode(string text)
    {
        var output = new List<int>(text.Length / 4 + 4);
        Encode(text, output);
        return output.ToArray();
    }

    /// <summary>Appends the WordPiece ids of <paramref name="text"/> to <paramref name="output"/>; returns how many.</summary>
    public int Encode(ReadOnlySpan<char> text, List<int> output)
    {
        int before = output.Count;
        var sink = new IdSink(this, output);
        Basic.Tokenize(text, ref sink);
        return output.Count - before;
    }

    /// <summary>Greedy longest-match-first WordPiece of one piece; the whole piece is [UNK] if any part fails.</summary>
    public void MatchPiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty) return;
        if (piece.Length > BertVocabulary.MaxCharsPerWord && CodePoints(piece) > BertVocabulary.MaxCharsPerWord)
        {
            output.Add(unknownId);
            return;
        }
        int before = output.Count;
        Span<uint> hashes = stackalloc uint[Math.Min(piece.Length, maxTokenLength)];
        for (int start = 0; start < piece.Length;)
        {
            bool continuation = start > 0;
            var rest = piece[start..];
            int longest = Math.Min(rest.Length, maxTokenLength);
            uint hash = WordPieceTable.Seed(continuation);
            for (int k = 0; k < longest; k++) hashes[k] = hash = WordPieceTable.Extend(hash, rest[k]);
            int id = -1, matched = longest;
            for (; matched > 0; matched--)
                if ((id = table.Find(rest[..matched], continuation, hashes[matched - 1])) >= 0) break;
            if (id < 0)
            {
                output.RemoveRange(before, output.Count - before);
                output.Add(unknownId);
                return;
            }
            output.Add(id);
            start += matched;
        }
    }

    static int CodePoints(ReadOnlySpan<char> text)
    {
        int count = text.Length;
        foreach (var c in text)
            if (char.IsLowSurrogate(c)) count--;
        return count;
    }

    /// <summary>Matches every piece into the output list; a special token is its id.</summary>
    readonly struct IdSink(WordPieceEncoder encoder, List<int> output) : IBasicTokenSink
    {
        public void Special(int index, int start, int end) => output.Add(encoder.specialIds[index]);

        public void Piece(ReadOnlySpan<char> piece) => encoder.MatchPiece(piece, output);

        public void EndWord(int start, int end) { }
    }
}
