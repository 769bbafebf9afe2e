namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>The checkpoint files the fuzzer damages, one per case; the other files of the folder stay intact.</summary>
public enum FuzzFileKind
{
    /// <summary>model.safetensors of a checkpoint this engine exported (its manifest removed, so the reader sees the damage).</summary>
    SafeTensors,
    /// <summary>pytorch_model.bin in torch.save's zip format (tests/fixtures/pytorch/tiny-pretraining).</summary>
    ZipBin,
    /// <summary>pytorch_model.bin in the legacy pickle format (tests/fixtures/pytorch/tiny-pretraining-legacy).</summary>
    LegacyBin,
    ConfigJson,
    TokenizerConfigJson,
    /// <summary>tokenizer.json in a folder without vocab.txt, so its WordPiece vocabulary is the one read.</summary>
    TokenizerJson,
}

public static class FuzzFileKinds
{
    public static readonly FuzzFileKind[] All = Enum.GetValues<FuzzFileKind>();

    /// <summary>The name of the damaged file in its checkpoint folder.</summary>
    public static string FileName(this FuzzFileKind kind) => kind switch
    {
        FuzzFileKind.SafeTensors => "model.safetensors",
        FuzzFileKind.ZipBin or FuzzFileKind.LegacyBin => "pytorch_model.bin",
        FuzzFileKind.ConfigJson => "config.json",
        FuzzFileKind.TokenizerConfigJson => "tokenizer_config.json",
        _ => "tokenizer.json",
    };

    public static bool IsJson(this FuzzFileKind kind) => kind is FuzzFileKind.ConfigJson or FuzzFileKind.TokenizerConfigJson or FuzzFileKind.TokenizerJson;
}
