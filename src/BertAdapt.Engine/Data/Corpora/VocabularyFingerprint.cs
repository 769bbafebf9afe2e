using System.Security.Cryptography;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// A hash of everything about a vocabulary that changes token ids: its tokens in order and
/// how text is cut before WordPiece (lower-casing and every other tokenizer option, see
/// <see cref="BasicTokenizerSettings.Describe"/>). Two vocabularies with one fingerprint tokenize alike.
/// </summary>
public static class VocabularyFingerprint
{
    /// <summary>Lowercase hex SHA-256 of the tokens joined by LF, then the lowercase flag and the other non-default options.</summary>
    public static string Of(BertVocabulary vocabulary)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(string.Join('\n', vocabulary.Tokens)));
        hash.AppendData(Encoding.UTF8.GetBytes(vocabulary.LowerCase ? "\nlowercase=true" : "\nlowercase=false"));
        hash.AppendData(Encoding.UTF8.GetBytes(vocabulary.TextSettings.Describe()));
        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
