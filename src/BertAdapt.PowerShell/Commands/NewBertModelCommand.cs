using System.Collections;
using System.Management.Automation;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Creates a freshly initialised BERT with MLM and NSP heads.</summary>
[Cmdlet(VerbsCommon.New, "BertModel", DefaultParameterSetName = PresetSet)]
[OutputType(typeof(BertModel))]
public sealed class NewBertModelCommand : BertCmdlet
{
    const string PresetSet = "Preset", ConfigSet = "Config";

    #region Parameters

    [Parameter(ParameterSetName = PresetSet, Position = 0)]
    [ValidateSet("tiny", "mini", "small", "medium", "base", "large", IgnoreCase = true)]
    public string Preset { get; set; } = "mini";

    /// <summary>A hashtable of config.json fields, or the path of a config.json file.</summary>
    [Parameter(ParameterSetName = ConfigSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public object Config { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? Vocabulary { get; set; }

    [Parameter]
    public SwitchParameter Cased { get; set; }

    [Parameter]
    public long Seed { get; set; } = 42;

    #endregion

    #region Overrides

    protected override void ProcessInput()
    {
        var model = Guard(() =>
        {
            var vocabularyPath = Vocabulary is null ? ModuleAssets.DefaultVocabularyPath : ResolveLiteral(Vocabulary);
            var vocabulary = BertVocabulary.Load(vocabularyPath, lowerCase: !Cased);
            var config = ParameterSetName == ConfigSet ? ReadConfig(vocabulary.Count) : BertConfig.FromPreset(Preset, vocabulary.Count);
            var source = ParameterSetName == ConfigSet ? "New-BertModel -Config" : $"New-BertModel -Preset {config.Preset}";
            return BertModel.Create(config, vocabulary, Seed, source);
        });
        WriteObject(model);
    }

    #endregion

    BertConfig ReadConfig(int vocabularySize)
    {
        var value = Config is PSObject ps ? ps.BaseObject : Config;
        switch (value)
        {
            case IDictionary table:
                var values = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in table)
                    values[entry.Key.ToString()!] = entry.Value is PSObject p ? p.BaseObject : entry.Value;
                values.TryAdd("vocab_size", vocabularySize);
                return BertConfig.FromDictionary(values, "given with -Config");
            case string path:
                return BertConfig.Load(ResolveLiteral(path));
            case FileInfo file:
                return BertConfig.Load(file.FullName);
            default:
                throw new BertAdaptException("ConfigInvalid", BertAdaptErrorKind.InvalidArgument,
                    $"-Config takes a hashtable of config.json fields or the path of a config.json file, not a {value.GetType().Name}.");
        }
    }
}
