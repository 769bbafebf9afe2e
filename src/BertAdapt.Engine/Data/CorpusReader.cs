using System.Text;

namespace BertAdapt.Engine.Data;

/// <summary>
/// Streams documents from plain-text corpus files: one sentence or paragraph per line, blank
/// lines between documents. Decoding is strict UTF-8; an invalid byte is an error naming the
/// file and byte offset. A BOM is skipped and CRLF is read as LF.
/// </summary>
public static class CorpusReader
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Yields each document as its non-empty lines, in file order.</summary>
    public static IEnumerable<IReadOnlyList<string>> ReadDocuments(string path)
    {
        var document = new List<string>();
        foreach (var line in ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (document.Count > 0) { yield return document; document = []; }
                continue;
            }
            document.Add(line.Trim());
        }
        if (document.Count > 0) yield return document;
    }

    /// <summary>Lines of a file, decoded strictly, without line terminators.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("CorpusFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The corpus file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new List<byte>(256);
        long offset = 0, lineStart = 0;
        int b;
        bool first = true;
        while ((b = stream.ReadByte()) >= 0)
        {
            offset++;
            if (b == '\n')
            {
                yield return Decode(buffer, path, lineStart, ref first);
                buffer.Clear();
                lineStart = offset;
            }
            else buffer.Add((byte)b);
        }
        if (buffer.Count > 0) yield return Decode(buffer, path, lineStart, ref first);
    }

    static string Decode(List<byte> bytes, string path, long lineStart, ref bool first)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes);
        int skip = 0;
        if (first && span.Length >= 3 && span[0] == 0xEF && span[1] == 0xBB && span[2] == 0xBF) skip = 3;
        first = false;
        var content = span[skip..];
        if (content.Length > 0 && content[^1] == '\r') content = content[..^1];
        try
        {
            return Strict.GetString(content);
        }
        catch (DecoderFallbackException ex)
        {
            long at = lineStart + skip + Math.Max(0, ex.Index);
            throw new BertAdaptException("CorpusNotUtf8", BertAdaptErrorKind.InvalidData,
                $"The corpus file '{path}' is not valid UTF-8 at byte offset {at}.", path, ex);
        }
    }
}
