using System.Globalization;
using BertAdapt.Engine.Modeling;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// How large a model an import may build. A config.json is a few hundred bytes, and a wrong one
/// (num_hidden_layers 1000) would have every layer the weights lack initialised at random: gigabytes
/// from a tiny file, and a model that is not the checkpoint. So the model may be at most a little
/// larger than the weights the file holds (the heads a bare encoder lacks are small), and never
/// larger than a ceiling, <see cref="DefaultCeiling"/> values unless BERTADAPT_MAX_PARAMETERS says otherwise.
/// </summary>
internal static class ImportSizeLimit
{
    public const string CeilingVariable = "BERTADAPT_MAX_PARAMETERS";

    /// <summary>Four billion values: 16 GB of float32, ten times BERT-large.</summary>
    public const long DefaultCeiling = 4_000_000_000;

    /// <summary>
    /// What a model may have beyond the weights present: a quarter more, plus 8 million values,
    /// more than the pre-training heads and pooler of any BERT (H² and a bias per token each).
    /// </summary>
    const double MissingShare = 0.25, MissingValues = 8_000_000;

    /// <summary>The ceiling before the layout is built: a config can name more layers than can be listed.</summary>
    public static void CheckConfig(BertConfig config, int? classifierOutputs, string directory)
    {
        double needed = StateDictLayout.ParameterCount(config, classifierOutputs);
        long ceiling = Ceiling();
        if (needed > ceiling)
            throw TooLarge(directory, $"its config ({Describe(config)}) makes a model of {Format(needed)}, over the limit of {Format(ceiling)}. "
                + $"If the config is right, raise the limit with ${CeilingVariable}.");
    }

    /// <summary>The model against the weights the file holds for it.</summary>
    public static void CheckAgainstWeights(BertConfig config, int? classifierOutputs, double present, string directory)
    {
        double needed = StateDictLayout.ParameterCount(config, classifierOutputs);
        if (needed > present * (1 + MissingShare) + MissingValues)
            throw TooLarge(directory, $"its config ({Describe(config)}) makes a model of {Format(needed)}, but the weights file holds only {Format(present)} of them; "
                + "the rest would be random. The config.json does not describe these weights.");
    }

    static long Ceiling() => ParseCeiling(Environment.GetEnvironmentVariable(CeilingVariable));

    /// <summary>The ceiling a value of BERTADAPT_MAX_PARAMETERS sets; unset or blank is the default.</summary>
    public static long ParseCeiling(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultCeiling;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value
            : throw new BertAdaptException("CheckpointTooLarge", BertAdaptErrorKind.InvalidArgument,
                $"${CeilingVariable} is '{text}', not a positive whole number of parameters.");
    }

    static string Describe(BertConfig c) =>
        string.Create(CultureInfo.InvariantCulture, $"{c.NumHiddenLayers} layers, hidden size {c.HiddenSize}, intermediate size {c.IntermediateSize}, vocabulary {c.VocabSize}");

    static string Format(double values) =>
        string.Create(CultureInfo.InvariantCulture, $"{values:N0} parameters ({values * 4 / (1L << 30):N1} GiB of float32)");

    static BertAdaptException TooLarge(string directory, string detail) =>
        new("CheckpointTooLarge", BertAdaptErrorKind.InvalidData, $"The checkpoint '{directory}' was not imported: {detail}", directory);
}
