using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>Packed, tokenized training sequences read from corpus files.</summary>
public sealed class MlmCorpus
{
    MlmCorpus(IReadOnlyList<int[]> sequences, IReadOnlyList<string> files, long tokens, int documents)
    {
        Sequences = sequences;
        Files = files;
        Tokens = tokens;
        Documents = documents;
    }

    public IReadOnlyList<int[]> Sequences { get; }
    public IReadOnlyList<string> Files { get; }
    /// <summary>All tokens in the sequences, [CLS]/[SEP] included.</summary>
    public long Tokens { get; }
    public int Documents { get; }

    public static MlmCorpus Load(IReadOnlyList<string> files, BertVocabulary vocabulary, int sequenceLength, CancellationToken cancellation = default)
    {
        if (files.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidArgument, "No corpus files were given.");
        int documents = 0;
        IEnumerable<IReadOnlyList<string>> All()
        {
            foreach (var file in files)
                foreach (var document in CorpusReader.ReadDocuments(file))
                {
                    cancellation.ThrowIfCancellationRequested();
                    documents++;
                    yield return document;
                }
        }
        var sequences = new SequencePacker(vocabulary, sequenceLength).Pack(All()).ToList();
        if (sequences.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData,
                $"The corpus ({string.Join(", ", files.Select(f => $"'{f}'"))}) contains no text.", files[0]);
        return new MlmCorpus(sequences, files, sequences.Sum(s => (long)s.Length), documents);
    }
}
