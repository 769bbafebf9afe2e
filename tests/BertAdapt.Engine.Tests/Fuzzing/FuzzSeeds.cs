using System.Text.Json.Nodes;
using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// One checkpoint folder per <see cref="FuzzFileKind"/>, each importing cleanly as it is, under a
/// temporary root; and the intact bytes of the file each kind damages. A case overwrites that one
/// file in its folder; the other files are never touched.
/// </summary>
public sealed class FuzzSeeds : IDisposable
{
    readonly Dictionary<FuzzFileKind, (string Folder, byte[] Bytes)> seeds = [];

    public string Root { get; }

    FuzzSeeds(string root) => Root = root;

    public string Folder(FuzzFileKind kind) => seeds[kind].Folder;

    public byte[] Bytes(FuzzFileKind kind) => seeds[kind].Bytes;

    /// <param name="fixtures">tests/fixtures of the repository.</param>
    public static FuzzSeeds Create(string fixtures)
    {
        var seeds = new FuzzSeeds(Directory.CreateTempSubdirectory("bertadapt-fuzz-").FullName);
        try
        {
            string Copy(string from, string name, params string[] files)
            {
                var folder = Path.Combine(seeds.Root, name);
                Directory.CreateDirectory(folder);
                foreach (var file in files) File.Copy(Path.Combine(from, file), Path.Combine(folder, file));
                return folder;
            }
            string[] pytorchFiles = ["config.json", "pytorch_model.bin", "tokenizer_config.json", "vocab.txt"];
            var zip = Path.Combine(fixtures, "pytorch", "tiny-pretraining");
            var legacy = Path.Combine(fixtures, "pytorch", "tiny-pretraining-legacy");

            // A checkpoint this engine writes, without the manifest that would refuse every damaged file by its hash.
            var exported = Path.Combine(seeds.Root, "safetensors");
            using (var model = TinyFixtures.Model(seed: 1)) HfCheckpointDirectory.Export(model, exported, force: false);
            File.Delete(Path.Combine(exported, CheckpointManifest.FileName));
            var exportedFiles = Directory.GetFiles(exported).Select(Path.GetFileName).ToArray();

            seeds.Add(FuzzFileKind.SafeTensors, exported);
            seeds.Add(FuzzFileKind.ZipBin, Copy(zip, "zip-bin", pytorchFiles));
            seeds.Add(FuzzFileKind.LegacyBin, Copy(legacy, "legacy-bin", pytorchFiles));
            seeds.Add(FuzzFileKind.ConfigJson, Copy(exported, "config", exportedFiles!));
            seeds.Add(FuzzFileKind.TokenizerConfigJson, Copy(zip, "tokenizer-config", pytorchFiles));

            // tokenizer.json alone carries the vocabulary and the options.
            var fast = Copy(zip, "tokenizer-json", "config.json", "pytorch_model.bin");
            File.WriteAllText(Path.Combine(fast, TokenizerFiles.TokenizerJsonFile), FastTokenizerJson(File.ReadAllLines(Path.Combine(zip, "vocab.txt"))));
            seeds.Add(FuzzFileKind.TokenizerJson, fast);

            foreach (var kind in FuzzFileKinds.All)
                using (HfCheckpointDirectory.Import(seeds.Folder(kind))) { } // every seed is a valid checkpoint
            return seeds;
        }
        catch
        {
            seeds.Dispose();
            throw;
        }
    }

    void Add(FuzzFileKind kind, string folder) => seeds[kind] = (folder, File.ReadAllBytes(Path.Combine(folder, kind.FileName())));

    /// <summary>A Hugging Face fast-tokenizer file for a WordPiece vocabulary, as BertTokenizerFast writes one (the parts BertAdapt reads).</summary>
    public static string FastTokenizerJson(IReadOnlyList<string> tokens)
    {
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Count; i++) if (tokens[i].Length > 0) vocab[tokens[i]] = i;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject { ["id"] = 0, ["content"] = "[PAD]", ["special"] = true }),
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = true },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = vocab,
            },
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Puts every damaged file back as it was.</summary>
    public void Restore()
    {
        foreach (var (kind, (folder, bytes)) in seeds) File.WriteAllBytes(Path.Combine(folder, kind.FileName()), bytes);
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
