using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// The text encodings a corpus or data file can be read in: what a byte-order mark says, and
/// what a user may name (the names PowerShell's own -Encoding parameters take, a code page
/// number, or any name .NET knows, such as windows-1252).
/// </summary>
public static class TextEncodings
{
    /// <summary>The names offered first, as PowerShell's Get-Content spells them.</summary>
    public static IReadOnlyList<string> CommonNames { get; } =
        ["utf8", "unicode", "bigendianunicode", "utf32", "bigendianutf32", "ascii", "latin1", "ansi", "oem"];

    public static Encoding Utf32BigEndian { get; } = new UTF32Encoding(bigEndian: true, byteOrderMark: true);

    static TextEncodings() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The encoding a name stands for; null when it names none.</summary>
    public static Encoding? FromName(string name)
    {
        var key = name.Trim();
        switch (key.ToLowerInvariant())
        {
            case "utf8" or "utf-8" or "utf8bom" or "utf8nobom": return Encoding.UTF8;
            case "unicode" or "utf16" or "utf-16" or "utf-16le" or "utf16le": return Encoding.Unicode;
            case "bigendianunicode" or "utf-16be" or "utf16be": return Encoding.BigEndianUnicode;
            case "utf32" or "utf-32" or "utf-32le" or "utf32le": return Encoding.UTF32;
            case "bigendianutf32" or "utf-32be" or "utf32be": return Utf32BigEndian;
            case "ascii": return Encoding.ASCII;
            case "latin1": return Encoding.Latin1;
            case "ansi": return CodePage(CultureInfo.CurrentCulture.TextInfo.ANSICodePage);
            case "oem": return CodePage(CultureInfo.CurrentCulture.TextInfo.OEMCodePage);
        }
        if (int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int page)) return CodePage(page);
        try
        {
            return Encoding.GetEncoding(key);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>What a name that <see cref="FromName"/> does not know should have been, for an error message.</summary>
    public static string Choices => $"{string.Join(", ", CommonNames)}, a code page number such as 1252, or a name such as windows-1252";

    /// <summary>The encoding a byte-order mark at the start of <paramref name="start"/> declares, and the mark's length.</summary>
    public static (Encoding Encoding, int Length)? FromByteOrderMark(ReadOnlySpan<byte> start) => start switch
    {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding.UTF8, 3),
        // UTF-32 LE's mark begins with UTF-16 LE's, so it is tested first, as .NET's StreamReader does.
        [0xFF, 0xFE, 0x00, 0x00, ..] => (Encoding.UTF32, 4),
        [0xFF, 0xFE, ..] => (Encoding.Unicode, 2),
        [0xFE, 0xFF, ..] => (Encoding.BigEndianUnicode, 2),
        [0x00, 0x00, 0xFE, 0xFF, ..] => (Utf32BigEndian, 4),
        _ => null,
    };

    /// <summary>
    /// The -Encoding name of the UTF-16 or UTF-32 that a file's first bytes look like when it has
    /// no byte-order mark (ASCII text leaves zero bytes around each letter: "a\0" is UTF-16 LE);
    /// null when they look like neither.
    /// </summary>
    public static string? GuessWideEncoding(ReadOnlySpan<byte> start) => start switch
    {
        [not 0, 0, 0, 0, ..] => "utf32",
        [0, 0, 0, not 0, ..] => "bigendianutf32",
        [not 0, 0, ..] => "unicode",
        [0, not 0, ..] => "bigendianunicode",
        _ => null,
    };

    public static bool IsUtf8(Encoding encoding) => encoding.CodePage == Encoding.UTF8.CodePage;

    /// <summary>A name people recognise, for messages: "UTF-16 LE" rather than "utf-16".</summary>
    public static string Describe(Encoding encoding) => encoding.CodePage switch
    {
        65001 => "UTF-8",
        1200 => "UTF-16 LE",
        1201 => "UTF-16 BE",
        12000 => "UTF-32 LE",
        12001 => "UTF-32 BE",
        _ => encoding.WebName,
    };

    static Encoding? CodePage(int page)
    {
        try
        {
            return Encoding.GetEncoding(page);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }
}
