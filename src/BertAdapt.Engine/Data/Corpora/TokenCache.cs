using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>Where opening a corpus has got to: which file, how far into it, and whether it came from the cache.</summary>
public sealed record TokenCacheProgress(string File, int FileIndex, int FileCount, long BytesRead, long BytesTotal, bool FromCache);

/// <summary>
/// Tokenizes corpus files once and keeps the token ids on disk as shards. A shard's name is a
/// hash of the file's bytes, the vocabulary and the read options that matter for the file's
/// format, so an edited file, another vocabulary or another text field never reuses a stale
/// shard, and a renamed or copied file still finds its own.
/// </summary>
public sealed class TokenCache
{
    const long ProgressEveryBytes = 4L << 20;
    static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    public TokenCache(string? directory = null) => Directory = Path.GetFullPath(directory ?? DefaultDirectory);

    public string Directory { get; }

    /// <summary>
    /// <c>$XDG_CACHE_HOME/bertadapt/tokens</c>, else <c>~/.cache/bertadapt/tokens</c>; on Windows
    /// <c>%LOCALAPPDATA%/BertAdapt/tokens</c>.
    /// </summary>
    public static string DefaultDirectory
    {
        get
        {
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "BertAdapt", "tokens");
            // The XDG spec says to ignore a relative XDG_CACHE_HOME.
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "bertadapt", "tokens");
        }
    }

    /// <summary>
    /// The files' token shards as one corpus, building the shards the cache lacks (or holds
    /// corrupt). Throws CorpusEmpty when the files hold no tokens at all.
    /// </summary>
    public TokenizedCorpusSet Open(IReadOnlyList<string> files, BertVocabulary vocabulary, CorpusReadOptions? options = null,
        IProgress<TokenCacheProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (files.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidArgument, "No corpus files were given.");
        options ??= CorpusReadOptions.Default;
        var fingerprint = VocabularyFingerprint.Of(vocabulary);
        RemoveAbandonedTempFiles();
        var shards = new List<TokenShard>(files.Count);
        var contents = new List<TrainedFile>(files.Count);
        int hits = 0;
        try
        {
            for (int i = 0; i < files.Count; i++)
            {
                var (shard, hit, content) = OpenShard(files[i], vocabulary, fingerprint, options,
                    (read, total, cached) => progress?.Report(new TokenCacheProgress(files[i], i, files.Count, read, total, cached)),
                    cancellationToken);
                shards.Add(shard);
                contents.Add(new TrainedFile(files[i], content.Size, content.Sha256));
                if (hit) hits++;
            }
            var set = new TokenizedCorpusSet(files, shards, hits, contents);
            if (set.TokenCount == 0)
                throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData,
                    $"The corpus ({string.Join(", ", files.Select(f => $"'{f}'"))}) contains no text.", files[0]);
            return set;
        }
        catch
        {
            foreach (var shard in shards) shard.Dispose();
            throw;
        }
    }

    /// <summary>Where the shard of <paramref name="file"/> is (or would be) kept. Reads the whole file to hash it.</summary>
    public string ShardPath(string file, BertVocabulary vocabulary, CorpusReadOptions? options = null) =>
        ShardPath(file, CorpusFileKind.Of(file), VocabularyFingerprint.Of(vocabulary), options ?? CorpusReadOptions.Default).Path;

    /// <summary>The shard's path, and the file's size and SHA-256 that key it (a model's lineage records them as what it trained on).</summary>
    (string Path, FileHash Content) ShardPath(string file, CorpusFileKind kind, string vocabularyFingerprint, CorpusReadOptions options)
    {
        if (!File.Exists(file))
            throw new BertAdaptException("CorpusFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The corpus file '{file}' does not exist.", file);
        var content = FileHash.Of(file);
        var key = $"bertadapt token shard v{TokenShardLayout.Version}\ntokenizer=v{Tokenization.BertVocabulary.TokenizerVersion}\ndecoding=v{TextFileReader.RulesVersion}\nfile={content.Sha256.ToUpperInvariant()}\nvocabulary={vocabularyFingerprint}\nread={kind.Describe(options)}\n";
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();
        return (Path.Combine(Directory, name + ".shard"), content);
    }

    (TokenShard Shard, bool Hit, FileHash Content) OpenShard(string file, BertVocabulary vocabulary, string fingerprint, CorpusReadOptions options,
        Action<long, long, bool> report, CancellationToken cancellationToken)
    {
        var kind = CorpusFileKind.Of(file);
        var (path, content) = ShardPath(file, kind, fingerprint, options);
        long total = content.Size;
        if (File.Exists(path))
        {
            try
            {
                var cached = TokenShard.Open(path);
                report(total, total, true);
                return (cached, true, content);
            }
            catch (BertAdaptException ex) when (ex.ErrorId == "TokenShardInvalid")
            {
                // Corrupt or truncated (a disk fault, a hand edit): build it again below.
            }
        }
        report(0, total, false);
        Build(file, kind, vocabulary, options, path, read => report(read, total, false), cancellationToken);
        report(total, total, false);
        return (TokenShard.Open(path), false, content);
    }

    void Build(string file, CorpusFileKind kind, BertVocabulary vocabulary, CorpusReadOptions options, string path,
        Action<long> report, CancellationToken cancellationToken)
    {
        using var writer = CreateWriter();
        long reported = 0;
        void OnRead(long position)
        {
            if (position - reported < ProgressEveryBytes) return;
            reported = position;
            report(position);
        }
        int[] buffer = [];
        // Line by line, not document by document: a document (or a line, read in pieces) may be larger than memory.
        foreach (var line in CorpusDocuments.ReadLines(file, kind, options, OnRead))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (line is null) writer.EndDocument();
            else writer.AddLine(Span(vocabulary.Encode(line), ref buffer));
        }
        writer.Commit(path);
    }

    /// <summary>A writer in the cache directory; a directory that cannot be made or written is CacheDirectoryNotWritable.</summary>
    TokenShardWriter CreateWriter()
    {
        try
        {
            return new TokenShardWriter(Directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("CacheDirectoryNotWritable", BertAdaptErrorKind.WriteError,
                $"The token cache '{Directory}' cannot be written: {ex.Message} Give a folder you can write with -CacheDirectory.", Directory, ex);
        }
    }

    /// <summary>The ids as a span, without a copy when the tokenizer returned an array or list.</summary>
    static ReadOnlySpan<int> Span(IReadOnlyList<int> ids, ref int[] buffer)
    {
        if (ids is int[] array) return array;
        if (ids is List<int> list) return CollectionsMarshal.AsSpan(list);
        if (buffer.Length < ids.Count) buffer = new int[Math.Max(ids.Count, 2 * buffer.Length)];
        for (int i = 0; i < ids.Count; i++) buffer[i] = ids[i];
        return buffer.AsSpan(0, ids.Count);
    }

    /// <summary>Deletes temporary files that a killed build left behind, once they are clearly not in progress.</summary>
    void RemoveAbandonedTempFiles()
    {
        if (!System.IO.Directory.Exists(Directory)) return;
        foreach (var temp in System.IO.Directory.EnumerateFiles(Directory, "*" + TokenShardWriter.TempSuffix + "*"))
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) > AbandonedAfter) File.Delete(temp);
            }
            catch (IOException) { } // in use or gone: not ours to worry about
            catch (UnauthorizedAccessException) { }
        }
    }
}
