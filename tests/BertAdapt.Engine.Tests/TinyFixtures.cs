using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests;

/// <summary>A small vocabulary and a corpus with learnable structure, made in code.</summary>
public static class TinyFixtures
{
    static readonly string[] Services = ["nginx", "postgres", "redis", "spooler", "sshd", "cron"];
    static readonly string[] Verbs = ["restart", "stop", "start", "check", "reload"];
    static readonly string[] Hosts = ["web01", "web02", "db01", "cache01", "files01"];
    static readonly string[] Words = ["the", "on", "service", "host", "then", "logs", "read", "and", "if", "fails", "page", "oncall", "team", "disk", "full", "clean", "tmp", "after", "before", "every", "night", "."];

    public static string VocabularyText()
    {
        var tokens = new List<string> { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" };
        tokens.AddRange(Services.Concat(Verbs).Concat(Hosts).Concat(Words).Distinct());
        for (char c = 'a'; c <= 'z'; c++) tokens.Add(c.ToString());
        for (char c = '0'; c <= '9'; c++) tokens.Add(c.ToString());
        for (char c = 'a'; c <= 'z'; c++) tokens.Add("##" + c);
        for (char c = '0'; c <= '9'; c++) tokens.Add("##" + c);
        return string.Join('\n', tokens) + "\n";
    }

    public static BertVocabulary Vocabulary() => BertVocabulary.FromText(VocabularyText(), lowerCase: true, "tiny fixture");

    /// <summary>Each service always pairs with one host and one verb: a pattern a model can learn.</summary>
    public static string CorpusText(int documents, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string>();
        for (int d = 0; d < documents; d++)
        {
            for (int s = 0; s < 4; s++)
            {
                int i = random.Next(Services.Length);
                lines.Add($"{Verbs[i % Verbs.Length]} the {Services[i]} service on {Hosts[i % Hosts.Length]} then read the {Services[i]} logs .");
            }
            lines.Add("");
        }
        return string.Join('\n', lines);
    }

    /// <summary>Packed examples of text (blank lines between documents), held in memory.</summary>
    public static ITrainingExamples Examples(BertVocabulary vocabulary, string text, int sequenceLength)
    {
        var documents = text.Split("\n\n")
            .Select(d => (IReadOnlyList<int[]>)d.Split('\n').Where(l => l.Trim().Length > 0).Select(l => vocabulary.Encode(l).ToArray()).ToList())
            .Where(d => d.Count > 0);
        return new PackedExamples(new InMemoryTokenizedCorpus(documents), vocabulary, sequenceLength);
    }

    /// <summary>A 2-layer, 64-hidden BERT over <see cref="Vocabulary"/>, seeded.</summary>
    public static BertModel Model(long seed = 1)
    {
        var vocabulary = Vocabulary();
        return BertModel.Create(Config(vocabulary.Count), vocabulary, seed, "test");
    }

    /// <summary>The training examples of a generated corpus for <paramref name="model"/>, at 32 tokens.</summary>
    public static ITrainingExamples Examples(BertModel model, int documents, int seed) =>
        Examples(model.Vocabulary, CorpusText(documents, seed), 32);

    public static BertConfig Config(int vocabSize) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 128,
        MaxPositionEmbeddings = 64,
    };
}
