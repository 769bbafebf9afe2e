using System.Diagnostics;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Bench;

public sealed record TokenizerRow(string Mode, int Threads, double Megabytes, long Tokens, double Seconds)
{
    public double TokensPerSecond => Tokens / Seconds;
    public double MegabytesPerSecond => Megabytes / Seconds;
}

/// <summary>
/// BertVocabulary.Encode (Hugging Face's BERT rules on BertAdapt's WordPieceEncoder) over a generated English-like
/// corpus held in memory as lines, on one thread and with Parallel.For over chunks of lines.
/// </summary>
public static class TokenizerBench
{
    public static List<string> GenerateCorpus(BertVocabulary vocabulary, int megabytes)
    {
        // Whole words of the vocabulary (no ## pieces, no specials), some capitalised, with punctuation.
        var words = Enumerable.Range(0, vocabulary.Count).Select(id => vocabulary[id]).Where(t => t.Length > 1 && t.All(char.IsLetter)).ToArray();
        var random = new Random(42);
        var lines = new List<string>();
        long bytes = 0, target = (long)megabytes * 1_000_000;
        var line = new StringBuilder();
        while (bytes < target)
        {
            line.Clear();
            int count = random.Next(8, 30);
            for (int w = 0; w < count; w++)
            {
                var word = words[random.Next(words.Length)];
                if (w == 0 || random.Next(10) == 0) word = char.ToUpperInvariant(word[0]) + word[1..];
                line.Append(word);
                int p = random.Next(20);
                line.Append(p == 0 ? ", " : p == 1 && w > 3 ? ". " : " ");
            }
            line.Append(random.Next(3) == 0 ? "?" : ".");
            var text = line.ToString();
            lines.Add(text);
            bytes += Encoding.UTF8.GetByteCount(text) + 1;
        }
        return lines;
    }

    public static TokenizerRow Measure(BertVocabulary vocabulary, List<string> lines, int threads)
    {
        double megabytes = lines.Sum(l => (long)Encoding.UTF8.GetByteCount(l) + 1) / 1e6;
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        if (threads == 1)
        {
            foreach (var line in lines) tokens += vocabulary.Encode(line).Count;
        }
        else
        {
            const int chunk = 4096;
            int chunks = (lines.Count + chunk - 1) / chunk;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => 0L, (c, _, local) =>
            {
                int end = Math.Min(lines.Count, (c + 1) * chunk);
                for (int i = c * chunk; i < end; i++) local += vocabulary.Encode(lines[i]).Count;
                return local;
            }, local => Interlocked.Add(ref tokens, local));
        }
        return new TokenizerRow(threads == 1 ? "single" : "parallel", threads, megabytes, tokens, clock.Elapsed.TotalSeconds);
    }
}
