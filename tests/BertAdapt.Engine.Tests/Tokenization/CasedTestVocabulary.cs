using System.Text;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// A cased WordPiece vocabulary for the parity tests. No cased BERT vocab.txt is available
/// offline, so this one is derived deterministically from the uncased bert-base vocabulary that
/// MiniLM ships: every uncased line is kept at its id, and after it come cased pieces that cased
/// text really reaches — Title-case and UPPER-case forms of common whole words, single capital
/// letters (Latin, Greek, Cyrillic) as word-starts and as ## continuations, and precomposed (NFC)
/// accented letters and a few accented words. It is not a trained vocabulary; it only has to give
/// cased, accented text real pieces to match, so that a tokenizer which lower-cases or strips
/// accents when it should not produces different ids.
/// </summary>
public static class CasedTestVocabulary
{
    public static IReadOnlyList<string> Build(IReadOnlyList<string> uncased)
    {
        var tokens = new List<string>(uncased);
        var seen = new HashSet<string>(uncased, StringComparer.Ordinal);
        void Add(string token)
        {
            if (seen.Add(token)) tokens.Add(token);
        }

        // Whole words in the frequency-ordered part of the vocabulary ("the" onwards).
        int start = uncased.ToList().IndexOf("the");
        var words = uncased.Skip(start).Where(t => t.Length >= 2 && t.All(c => c is >= 'a' and <= 'z')).ToList();
        foreach (var word in words.Take(4000)) Add(char.ToUpperInvariant(word[0]) + word[1..]);
        foreach (var word in words.Take(1500)) Add(word.ToUpperInvariant());

        var capitals = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ" + "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ";
        foreach (var c in capitals)
        {
            Add(c.ToString());
            Add("##" + c);
        }

        const string accented = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿāăąćčďđēęěğīıłńňőœřśşšťūůűźżžάέήίόύώ";
        foreach (var c in accented + accented.ToUpperInvariant())
        {
            Add(c.ToString());
            Add("##" + c);
        }
        foreach (var word in new[] { "café", "Café", "naïve", "Zürich", "São", "Ångström", "façade", "résumé", "über", "Über", "Straße", "straße", "Łódź", "Kraków" })
            Add(word.Normalize(NormalizationForm.FormC));
        return tokens;
    }

    public static string Write(IReadOnlyList<string> tokens, string directory)
    {
        var path = Path.Combine(directory, "vocab.txt");
        File.WriteAllText(path, string.Join('\n', tokens) + "\n", new UTF8Encoding(false));
        return path;
    }
}
