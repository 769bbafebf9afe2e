using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Lets an -Encoding parameter take what PowerShell's own do: a name (utf8, unicode,
/// bigendianunicode, utf32, latin1, ansi, oem, …), a code page number, or an Encoding object.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            Encoding encoding => encoding,
            string or int => TextEncodings.FromName(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!)
                ?? throw new ArgumentTransformationMetadataException($"'{value}' is not an encoding. Use {TextEncodings.Choices}."),
            _ => inputData,
        };
    }
}

/// <summary>Tab completion for -Encoding: the common names first.</summary>
public sealed class EncodingNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        TextEncodings.CommonNames
            .Where(name => name.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(name => new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
}
