using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Corpora;

public sealed class TokenCacheTests : IDisposable
{
    readonly CorpusScratch scratch = new();
    readonly BertVocabulary vocabulary = TinyFixtures.Vocabulary();
    readonly TokenCache cache;

    public TokenCacheTests() => cache = new TokenCache(Path.Combine(scratch.Root, "cache"));

    public void Dispose() => scratch.Dispose();

    /// <summary>What the cache should hold: the documents tokenized in memory, empty lines left out.</summary>
    InMemoryTokenizedCorpus Expected(params string[] files) => new(files.SelectMany(f => CorpusDocuments.Read(f))
        .Select(d => (IReadOnlyList<int[]>)d.Select(line => vocabulary.Encode(line).ToArray()).Where(ids => ids.Length > 0).ToList()));

    static void AssertSame(ITokenizedCorpus expected, ITokenizedCorpus actual)
    {
        Assert.Equal(expected.TokenCount, actual.TokenCount);
        Assert.Equal(expected.LineCount, actual.LineCount);
        Assert.Equal(expected.DocumentCount, actual.DocumentCount);
        for (long l = 0; l <= expected.LineCount; l++) Assert.Equal(expected.LineStart(l), actual.LineStart(l));
        for (long d = 0; d <= expected.DocumentCount; d++) Assert.Equal(expected.DocumentStart(d), actual.DocumentStart(d));
        var a = new int[expected.TokenCount];
        var b = new int[actual.TokenCount];
        expected.CopyTokens(0, a);
        actual.CopyTokens(0, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void SecondOpenReusesTheShardAndReadsTheSame()
    {
        var file = scratch.Write("runbooks.txt", TinyFixtures.CorpusText(20, seed: 1));
        using (var first = cache.Open([file], vocabulary))
        {
            Assert.Equal((0, 1), (first.CacheHits, first.CacheMisses));
            AssertSame(Expected(file), first);
        }
        using var second = cache.Open([file], vocabulary);
        Assert.Equal((1, 0), (second.CacheHits, second.CacheMisses));
        AssertSame(Expected(file), second);
        Assert.Single(Directory.GetFiles(cache.Directory));
    }

    [Fact]
    public void ChangedFileVocabularyOrOptionsMissTheCache()
    {
        var file = scratch.Write("a.jsonl", "{\"text\":\"restart nginx\",\"body\":\"stop cron\"}\n");
        cache.Open([file], vocabulary).Dispose();

        using (var otherField = cache.Open([file], vocabulary, new CorpusReadOptions { TextField = "body" }))
            Assert.Equal(1, otherField.CacheMisses);

        var cased = BertVocabulary.FromText(TinyFixtures.VocabularyText(), lowerCase: false, "cased");
        using (var otherVocabulary = cache.Open([file], cased))
            Assert.Equal(1, otherVocabulary.CacheMisses);

        scratch.Write("a.jsonl", "{\"text\":\"restart redis\"}\n");
        using (var changed = cache.Open([file], vocabulary))
        {
            Assert.Equal(1, changed.CacheMisses);
            AssertSame(Expected(file), changed);
        }
        using var again = cache.Open([file], vocabulary);
        Assert.Equal(1, again.CacheHits);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("header")]
    [InlineData("tables")]
    public void CorruptShardIsRebuiltNotTrusted(string damage)
    {
        var file = scratch.Write("a.txt", TinyFixtures.CorpusText(10, seed: 2));
        cache.Open([file], vocabulary).Dispose();
        var shard = cache.ShardPath(file, vocabulary);
        var bytes = File.ReadAllBytes(shard);
        switch (damage)
        {
            case "truncated": bytes = bytes[..(bytes.Length / 2)]; break;
            case "header": bytes[0] ^= 0xFF; break;
            case "tables": bytes[^1] ^= 0x01; break; // the last document start, which must equal the line count
        }
        File.WriteAllBytes(shard, bytes);
        Assert.Equal("TokenShardInvalid", Assert.Throws<BertAdaptException>(() => TokenShard.Open(shard)).ErrorId);

        using var rebuilt = cache.Open([file], vocabulary);
        Assert.Equal(1, rebuilt.CacheMisses);
        AssertSame(Expected(file), rebuilt);
    }

    [Fact]
    public void FilesConcatenateAndDocumentsNeverSpanThem()
    {
        var a = scratch.Write("a.txt", "restart nginx\nstop cron");       // no blank line at the end
        var empty = scratch.Write("b.csv", "text\n\" \"\n");              // no tokens at all
        var c = scratch.Write("c.jsonl.gz", "{\"text\":\"check redis\"}\n{\"text\":\"reload sshd\"}\n");
        using var set = cache.Open([a, empty, c], vocabulary);
        Assert.Equal(3, set.Shards.Count);
        Assert.Equal(0, set.Shards[1].TokenCount);
        Assert.Equal(3, set.DocumentCount);
        Assert.Equal(4, set.LineCount);
        AssertSame(Expected(a, empty, c), set);
        // Reads that cross a shard boundary.
        var span = new int[set.TokenCount - 1];
        set.CopyTokens(1, span);
        var all = new int[set.TokenCount];
        set.CopyTokens(0, all);
        Assert.Equal(all[1..], span);
    }

    [Fact]
    public void CorpusWithoutTokensIsEmpty()
    {
        var blank = scratch.Write("blank.txt", "\n  \n\t\n");
        var ex = Assert.Throws<BertAdaptException>(() => cache.Open([blank], vocabulary));
        Assert.Equal("CorpusEmpty", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Equal("CorpusEmpty", Assert.Throws<BertAdaptException>(() => cache.Open([], vocabulary)).ErrorId);
    }

    [Fact]
    public void ProgressReportsEachFileAndCancellationLeavesNoShard()
    {
        var file = scratch.Write("a.txt", TinyFixtures.CorpusText(5, seed: 3));
        var reports = new List<TokenCacheProgress>();
        cache.Open([file], vocabulary, progress: new SynchronousProgress(reports.Add)).Dispose();
        Assert.Contains(reports, r => !r.FromCache && r.BytesRead == r.BytesTotal);
        reports.Clear();
        cache.Open([file], vocabulary, progress: new SynchronousProgress(reports.Add)).Dispose();
        Assert.All(reports, r => Assert.True(r.FromCache));

        var other = scratch.Write("b.txt", TinyFixtures.CorpusText(5, seed: 4));
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.Throws<OperationCanceledException>(() => cache.Open([other], vocabulary, cancellationToken: cancelled.Token));
        Assert.False(File.Exists(cache.ShardPath(other, vocabulary)));
        Assert.Empty(Directory.GetFiles(cache.Directory, "*" + TokenShardWriter.TempSuffix + "*"));
    }

    [Fact]
    public void SmallMappedSegmentsReadTheSameAsOneLargeOne()
    {
        var file = scratch.Write("big.txt", TinyFixtures.CorpusText(3000, seed: 5)); // ~100k tokens, several 64 KiB segments
        cache.Open([file], vocabulary).Dispose();
        var path = cache.ShardPath(file, vocabulary);
        using var small = TokenShard.Open(path, segmentBytes: 64 << 10);
        using var large = TokenShard.Open(path);
        Assert.True(new FileInfo(path).Length > 10 * (64 << 10));
        AssertSame(large, small);
    }

    [Fact]
    public void DefaultDirectoryFollowsXdgCacheHome()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.EndsWith(Path.Combine("BertAdapt", "tokens"), TokenCache.DefaultDirectory);
            return;
        }
        var expected = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)
            ? Path.Combine(xdg, "bertadapt", "tokens")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "bertadapt", "tokens");
        Assert.Equal(expected, TokenCache.DefaultDirectory);
    }

    sealed class SynchronousProgress(Action<TokenCacheProgress> report) : IProgress<TokenCacheProgress>
    {
        public void Report(TokenCacheProgress value) => report(value);
    }
}
