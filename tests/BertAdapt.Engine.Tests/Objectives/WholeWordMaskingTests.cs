using BertAdapt.Engine.Data;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Objectives;

public class WholeWordMaskingTests
{
    // Words as their WordPiece pieces; several split into two or three pieces.
    static readonly string[][] Words =
    [
        ["run", "##book", "##s"], ["sys", "##tem", "##ctl"], ["host", "##name"], ["log", "##rotate", "##d"],
        ["the"], ["disk"], ["run"], ["sys", "##log"], ["cron", "##tab"], ["restart"], ["host"], ["log", "##s"],
    ];

    static BertVocabulary Vocabulary()
    {
        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        tokens.AddRange(Words.SelectMany(w => w).Distinct());
        return BertVocabulary.FromText(string.Join('\n', tokens) + "\n", lowerCase: true, "wwm test");
    }

    /// <summary>[CLS] words [SEP] words [SEP], with each word's [start, end) column span.</summary>
    static (TrainingExample Example, List<(int Start, int End)> Spans) RandomExample(BertVocabulary vocabulary, Random random)
    {
        var ids = new List<int> { vocabulary.ClsId };
        var spans = new List<(int, int)>();
        for (int segment = 0; segment < 2; segment++)
        {
            int count = random.Next(3, 15);
            for (int w = 0; w < count; w++)
            {
                var word = Words[random.Next(Words.Length)];
                spans.Add((ids.Count, ids.Count + word.Length));
                ids.AddRange(word.Select(piece => vocabulary.IdOf(piece)!.Value));
            }
            ids.Add(vocabulary.SepId);
        }
        return (new TrainingExample([.. ids]), spans);
    }

    [Fact]
    public void EveryWordIsMaskedWholeOrNotAtAll()
    {
        var vocabulary = Vocabulary();
        var masker = new MlmMasker(vocabulary, 0.15, wholeWordMask: true);
        var random = new Random(7);
        long candidates = 0, chosen = 0, chosenMultiPiece = 0;
        for (int batchIndex = 0; batchIndex < 300; batchIndex++)
        {
            var rows = Enumerable.Range(0, 8).Select(_ => RandomExample(vocabulary, random)).ToList();
            var batch = masker.Collate(rows.Select(r => r.Example).ToList(),
                r => StatelessRandom.For(11, StatelessRandom.Streams.Masking, batchIndex, r));
            var masked = batch.MaskedPositions.ToHashSet();
            Assert.Equal(masked.Count, batch.MaskedPositions.Length);
            for (int r = 0; r < rows.Count; r++)
            {
                var tokens = rows[r].Example.TokenIds;
                for (int c = 0; c < tokens.Length; c++)
                    if (vocabulary.SpecialIds.Contains(tokens[c])) Assert.DoesNotContain((long)r * batch.Length + c, masked);
                foreach (var (start, end) in rows[r].Spans)
                {
                    int hits = Enumerable.Range(start, end - start).Count(c => masked.Contains((long)r * batch.Length + c));
                    Assert.True(hits == 0 || hits == end - start, $"word at {start}..{end} in row {r} of batch {batchIndex} is partly masked ({hits} pieces)");
                    candidates += end - start;
                    chosen += hits;
                    if (hits > 1) chosenMultiPiece++;
                }
            }
        }
        Assert.True(chosenMultiPiece > 100, "multi-piece words should be chosen often");
        double share = (double)chosen / candidates;
        Assert.InRange(share, 0.13, 0.17);
    }

    [Fact]
    public void WordsNeverSpanSpecialTokens()
    {
        // "##tem ##ctl" after [SEP] is a word of its own, not the end of "sys" before it.
        var vocabulary = Vocabulary();
        int Id(string piece) => vocabulary.IdOf(piece)!.Value;
        var example = new TrainingExample([vocabulary.ClsId, Id("sys"), vocabulary.SepId, Id("##tem"), Id("##ctl"), vocabulary.SepId]);
        var masker = new MlmMasker(vocabulary, 0.5, wholeWordMask: true);
        int sysOnly = 0, tailOnly = 0;
        for (int seed = 0; seed < 200; seed++)
        {
            var masked = masker.Collate([example], _ => StatelessRandom.For(seed, StatelessRandom.Streams.Masking, 0, 0)).MaskedPositions.ToHashSet();
            Assert.Equal(masked.Contains(3), masked.Contains(4));
            if (masked.Contains(1) && !masked.Contains(3)) sysOnly++;
            if (!masked.Contains(1) && masked.Contains(3)) tailOnly++;
        }
        Assert.True(sysOnly > 0 && tailOnly > 0);
    }

    [Fact]
    public void FallbackMasksTheWholeFirstWord()
    {
        var vocabulary = Vocabulary();
        int Id(string piece) => vocabulary.IdOf(piece)!.Value;
        var example = new TrainingExample([vocabulary.ClsId, Id("run"), Id("##book"), Id("##s"), Id("the"), vocabulary.SepId]);
        var masker = new MlmMasker(vocabulary, 1e-9, wholeWordMask: true);
        var batch = masker.Collate([example], _ => StatelessRandom.For(3, StatelessRandom.Streams.Masking, 0, 0));
        Assert.Equal([1L, 2, 3], batch.MaskedPositions);
        Assert.Equal([(long)Id("run"), Id("##book"), Id("##s")], batch.MaskedLabels);
    }

    [Fact]
    public void MasksDoNotDependOnBatchSize()
    {
        var vocabulary = Vocabulary();
        var masker = new MlmMasker(vocabulary, 0.2, wholeWordMask: true);
        var random = new Random(5);
        var examples = Enumerable.Range(0, 6).Select(_ => RandomExample(vocabulary, random).Example).ToList();
        StatelessRandom For(long index) => StatelessRandom.For(9, StatelessRandom.Streams.Masking, 1, index);
        var whole = masker.Collate(examples, r => For(r));
        for (int r = 0; r < examples.Count; r++)
        {
            var single = masker.Collate([examples[r]], _ => For(r));
            var expected = whole.MaskedPositions.Where(p => p / whole.Length == r).Select(p => p % whole.Length);
            Assert.Equal(expected, single.MaskedPositions);
            Assert.Equal(whole.InputIds.Skip(r * whole.Length).Take(examples[r].TokenIds.Length), single.InputIds);
        }
    }

    [Fact]
    public void WithoutContinuationPiecesWholeWordMaskingChangesNothing()
    {
        var vocabulary = Vocabulary();
        var plain = Words.Where(w => w.Length == 1).Select(w => vocabulary.IdOf(w[0])!.Value).ToArray();
        var random = new Random(3);
        var examples = Enumerable.Range(0, 5).Select(_ =>
            new TrainingExample([vocabulary.ClsId, .. Enumerable.Range(0, 30).Select(_ => plain[random.Next(plain.Length)]), vocabulary.SepId])).ToList();
        StatelessRandom For(int r) => StatelessRandom.For(4, StatelessRandom.Streams.Masking, 0, r);
        var off = new MlmMasker(vocabulary, 0.15).Collate(examples, For);
        var on = new MlmMasker(vocabulary, 0.15, wholeWordMask: true).Collate(examples, For);
        Assert.Equal(off.InputIds, on.InputIds);
        Assert.Equal(off.MaskedPositions, on.MaskedPositions);
        Assert.Equal(off.MaskedLabels, on.MaskedLabels);
    }
}
