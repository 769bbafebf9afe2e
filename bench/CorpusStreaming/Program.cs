// Builds (or reuses) the token cache for one corpus file, then reads every packed example,
// and prints one JSON line with the timings and the process's peak working set. Run once per
// corpus size in a fresh process, so each peak belongs to one size alone. No tensors are made,
// so TorchSharp's native code is never loaded.
using System.Diagnostics;
using System.Text.Json;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: CorpusStreaming <corpus> <vocab.txt> <cache-directory> <sequence-length>");
    return 2;
}
var (corpus, vocabularyPath, cacheDirectory, sequenceLength) = (args[0], args[1], args[2], int.Parse(args[3]));
var vocabulary = BertVocabulary.Load(vocabularyPath, lowerCase: true);
var cache = new TokenCache(cacheDirectory);

var clock = Stopwatch.StartNew();
long tokens, windows, bodyTokens = 0, checksum = 0;
bool hit;
using (var set = cache.Open([corpus], vocabulary))
{
    var build = clock.Elapsed.TotalSeconds;
    tokens = set.TokenCount;
    hit = set.CacheHits == 1;
    clock.Restart();
    var packed = new PackedExamples(set, vocabulary, sequenceLength);
    windows = packed.Count;
    for (long i = 0; i < packed.Count; i++)
    {
        var ids = packed.Get(i, epoch: 0).TokenIds;
        bodyTokens += ids.Length - 2;
        checksum = checksum * 31 + ids[1];
    }
    var iterate = clock.Elapsed.TotalSeconds;

    // Training reads in shuffled order: time random reads too (after the peak-relevant pass).
    var random = new Random(1);
    const int RandomReads = 100_000;
    clock.Restart();
    for (int r = 0; r < RandomReads; r++) checksum += packed.Get(random.NextInt64(packed.Count), epoch: 0).TokenIds[1];
    var randomGet = clock.Elapsed.TotalMicroseconds / RandomReads;
    clock.Restart();
    using (var again = cache.Open([corpus], vocabulary))
        if (again.CacheHits != 1) throw new InvalidOperationException("The second open did not reuse the shard.");
    var reopen = clock.Elapsed.TotalSeconds;

    using var self = Process.GetCurrentProcess();
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        corpusBytes = new FileInfo(corpus).Length,
        shardBytes = set.Shards.Sum(s => new FileInfo(s.Path).Length),
        tokens,
        documents = set.DocumentCount,
        windows,
        bodyTokens,
        checksum,
        cacheHitOnFirstOpen = hit,
        buildSeconds = Math.Round(build, 2),
        iterateSeconds = Math.Round(iterate, 2),
        reopenSeconds = Math.Round(reopen, 2),
        randomGetMicroseconds = Math.Round(randomGet, 1),
        peakWorkingSetBytes = self.PeakWorkingSet64,
        gcHeapBytes = GC.GetGCMemoryInfo().HeapSizeBytes,
    }));
}
return 0;
