using BertAdapt.Engine.Evaluation;
namespace BertAdapt.Engine.Tests.Evaluation;

/// <summary>
/// Hand-worked cases for the conlleval/seqeval (default, non-strict) grouping of BIO tags into
/// entities. seqeval is not packaged for Debian, so every expected value is derived in the
/// comments from the rules: an entity starts at B-X, or at I-X after O, after the sentence
/// start or after a tag of another type; it ends before O, before any B-, before I-Y (Y != X)
/// and at the sentence end; a predicted entity is correct only if type, start and end all match.
/// </summary>
public sealed class TokenClassificationMetricsTests
{
    static IReadOnlyList<EntitySpan> Spans(params string[] tags) => TokenClassificationMetrics.ExtractEntities(tags);

    [Fact]
    public void BeginAndInsideOfOneTypeMakeOneEntity()
    {
        // B-PER I-PER continue one entity; O closes it; B-LOC opens another.
        Assert.Equal([new EntitySpan("PER", 0, 2), new EntitySpan("LOC", 3, 4)], Spans("B-PER", "I-PER", "O", "B-LOC", "O"));
    }

    [Fact]
    public void InsideAfterOutsideOrAtTheStartOpensAnEntity()
    {
        // Position 1 is I-PER after O: a new PER entity covering tokens 1 and 2.
        Assert.Equal([new EntitySpan("PER", 1, 3)], Spans("O", "I-PER", "I-PER", "O"));
        // I-LOC as the very first tag opens an entity too.
        Assert.Equal([new EntitySpan("LOC", 0, 1)], Spans("I-LOC", "O"));
    }

    [Fact]
    public void InsideOfAnotherTypeSplitsTheEntity()
    {
        // B-PER then I-LOC: the type changes, so PER is tokens 0..0 and LOC opens at 1.
        Assert.Equal([new EntitySpan("PER", 0, 1), new EntitySpan("LOC", 1, 3)], Spans("B-PER", "I-LOC", "I-LOC"));
    }

    [Fact]
    public void ConsecutiveBeginsOfOneTypeAreSeparateEntities()
    {
        Assert.Equal([new EntitySpan("PER", 0, 1), new EntitySpan("PER", 1, 2)], Spans("B-PER", "B-PER"));
        // IOB1: I- runs, a B- of the same type only separates adjacent entities.
        Assert.Equal([new EntitySpan("ORG", 0, 2), new EntitySpan("ORG", 2, 4)], Spans("I-ORG", "I-ORG", "B-ORG", "I-ORG"));
    }

    [Fact]
    public void AnEntityEndingTheSentenceIsClosed()
    {
        Assert.Equal([new EntitySpan("ORG", 1, 3)], Spans("O", "B-ORG", "I-ORG"));
        Assert.Equal([new EntitySpan("MISC", 2, 3)], Spans("O", "O", "B-MISC"));
    }

    [Fact]
    public void OutsideOnlyAndEmptySentencesHaveNoEntities()
    {
        Assert.Empty(Spans("O", "O", "O"));
        Assert.Empty(Spans());
    }

    [Fact]
    public void TheTypeIsEverythingAfterTheFirstHyphen()
    {
        var spans = Spans("B-WORK-OF-ART", "I-WORK-OF-ART", "I-ART");
        Assert.Equal([new EntitySpan("WORK-OF-ART", 0, 2), new EntitySpan("ART", 2, 3)], spans);
        Assert.Equal(2, spans[0].Length);
    }

    [Theory]
    [InlineData("PER")]     // a bare type without a prefix
    [InlineData("B-")]      // a prefix without a type
    [InlineData("I-")]
    [InlineData("E-PER")]   // IOBES is not supported
    [InlineData("S-PER")]
    [InlineData("o")]       // tags are case-sensitive
    [InlineData("b-PER")]
    [InlineData("B_PER")]
    [InlineData("")]
    [InlineData(null)]
    public void MalformedTagsAreRejectedWithTheirPosition(string? tag)
    {
        var error = Assert.Throws<ArgumentException>("tags", () => Spans("O", "B-PER", tag!));
        Assert.Contains("token 2", error.Message);
        Assert.Contains(tag is null ? "null" : $"'{tag}'", error.Message);
    }

    [Fact]
    public void HandWorkedCorpus()
    {
        string[][] gold =
        [
            ["B-PER", "I-PER", "O", "B-LOC", "O", "O"],  // 0: PER[0,2) LOC[3,4)
            ["O", "B-ORG", "I-ORG", "I-ORG", "O"],       // 1: ORG[1,4)
            ["O", "O", "O", "O"],                        // 2: none
            ["O", "O", "B-LOC", "I-LOC"],                // 3: LOC[2,4) at the sentence end
            ["B-PER", "B-PER", "O"],                     // 4: PER[0,1) PER[1,2)
            ["O", "O"],                                  // 5: none
            ["B-MISC", "O"],                             // 6: MISC[0,1)
        ];
        string[][] predicted =
        [
            ["B-PER", "I-PER", "O", "B-ORG", "O", "O"],  // 0: PER[0,2) right; ORG[3,4) same span, wrong type
            ["O", "B-ORG", "I-ORG", "O", "O"],           // 1: ORG[1,3) ends one token early: wrong
            ["O", "O", "O", "O"],                        // 2: none
            ["O", "O", "I-LOC", "I-LOC"],                // 3: I- after O opens LOC[2,4): right
            ["B-PER", "I-PER", "O"],                     // 4: PER[0,2) merges two gold entities: wrong
            ["B-LOC", "O"],                              // 5: LOC[0,1) spurious
            ["O", "O"],                                  // 6: MISC missed
        ];
        // Gold entities: PER 3, LOC 2, ORG 1, MISC 1 = 7. Predicted: PER 2, LOC 2, ORG 2 = 6.
        // Correct: PER[0,2) in sentence 0 and LOC[2,4) in sentence 3 = 2.
        // Micro P 2/6 = 1/3, R 2/7, F1 2*2/(6+7) = 4/13.
        // LOC  P 1/2, R 1/2, F1 1/2 | MISC 0, 0, 0 | ORG 0, 0, 0 | PER P 1/2, R 1/3, F1 2/5.
        // Macro F1 (1/2 + 0 + 0 + 2/5) / 4 = 9/40.
        // Tokens 6+5+4+4+3+2+2 = 26; tags differ at (0,3) (1,3) (3,2) (4,1) (5,0) (6,0) -> 20/26.
        var report = TokenClassificationMetrics.Evaluate(gold, predicted);

        Assert.Equal((7, 26), (report.Sentences, report.Tokens));
        Assert.Equal((7, 6, 2), (report.GoldEntities, report.PredictedEntities, report.CorrectEntities));
        Close.Equal(1.0 / 3, report.Precision, "precision");
        Close.Equal(2.0 / 7, report.Recall, "recall");
        Close.Equal(4.0 / 13, report.F1, "F1");
        Close.Equal(9.0 / 40, report.MacroF1, "macro F1");
        Close.Equal(20.0 / 26, report.TokenAccuracy, "token accuracy");

        Assert.Equal(new[] { "LOC", "MISC", "ORG", "PER" }, report.PerType.Select(t => t.Type));
        Assert.Equal(new[] { 2, 1, 1, 3 }, report.PerType.Select(t => t.Support));
        Assert.Equal(new[] { 2, 0, 2, 2 }, report.PerType.Select(t => t.Predicted));
        Assert.Equal(new[] { 1, 0, 0, 1 }, report.PerType.Select(t => t.Correct));
        var (loc, misc, org, per) = (report.PerType[0], report.PerType[1], report.PerType[2], report.PerType[3]);
        Close.Equal(0.5, loc.Precision, "LOC precision");
        Close.Equal(0.5, loc.Recall, "LOC recall");
        Close.Equal(0.5, loc.F1, "LOC F1");
        Assert.Equal((0.0, 0.0, 0.0), (misc.Precision, misc.Recall, misc.F1));
        Assert.Equal((0.0, 0.0, 0.0), (org.Precision, org.Recall, org.F1));
        Close.Equal(0.5, per.Precision, "PER precision");
        Close.Equal(1.0 / 3, per.Recall, "PER recall");
        Close.Equal(0.4, per.F1, "PER F1");
    }

    [Fact]
    public void EntitiesDoNotRunAcrossSentences()
    {
        // Joined, "I-PER" | "I-PER" would be one entity; per sentence they are two, both right.
        var report = TokenClassificationMetrics.Evaluate([["O", "I-PER"], ["I-PER", "O"]], [["O", "B-PER"], ["B-PER", "O"]]);
        Assert.Equal((2, 2, 2), (report.GoldEntities, report.PredictedEntities, report.CorrectEntities));
        Assert.Equal(1.0, report.F1);
        Assert.Equal(0.5, report.TokenAccuracy); // the I-/B- tags differ as strings even though the entities match
    }

    [Fact]
    public void NoEntitiesAnywhereScoreZeroButFullTokenAccuracy()
    {
        var report = TokenClassificationMetrics.Evaluate([["O", "O"], ["O"]], [["O", "O"], ["O"]]);
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (report.Precision, report.Recall, report.F1, report.MacroF1));
        Assert.Equal(1.0, report.TokenAccuracy);
        Assert.Empty(report.PerType);
    }

    [Fact]
    public void RejectsInconsistentInput()
    {
        Assert.Throws<ArgumentException>("predicted", () => TokenClassificationMetrics.Evaluate([["O"]], []));
        var length = Assert.Throws<ArgumentException>("predicted", () => TokenClassificationMetrics.Evaluate([["O"], ["O", "O"]], [["O"], ["O"]]));
        Assert.Contains("Sentence 1 has 2 gold tags but 1 predicted", length.Message);
        Assert.Throws<ArgumentException>("gold", () => TokenClassificationMetrics.Evaluate([[]], [[]]));
        var malformed = Assert.Throws<ArgumentException>("predicted", () => TokenClassificationMetrics.Evaluate([["O"], ["O", "O", "O"]], [["O"], ["O", "O", "LOC"]]));
        Assert.Contains("sentence 1, token 2", malformed.Message);
    }
}
