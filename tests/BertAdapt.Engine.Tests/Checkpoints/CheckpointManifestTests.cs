using System.Security.Cryptography;
using System.Text.Json;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// bertadapt_manifest.json: written with every export, its hashes equal the files' own, a changed,
/// truncated or missing file stops the import unless the check is skipped, and the lineage it
/// records carries from one export to the next.
/// </summary>
public sealed class CheckpointManifestTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-manifest-{Guid.NewGuid():N}");

    public CheckpointManifestTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string Export(BertModel model, string name)
    {
        var directory = Path.Combine(temp, name);
        HfCheckpointDirectory.Export(model, directory, force: false);
        return directory;
    }

    static string Sha256Of(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

    static JsonElement ManifestJson(string directory) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, CheckpointManifest.FileName))).RootElement.Clone();

    static void FlipOneByte(string path, long at)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = at;
        int b = stream.ReadByte();
        stream.Position = at;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    [Fact]
    public void Export_ListsEveryOtherFile_WithItsSizeAndSha256()
    {
        using var model = TinyFixtures.Model();
        var directory = Export(model, "plain");
        var json = ManifestJson(directory);
        Assert.Equal(CheckpointManifestWriter.Format, json.GetProperty("format").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("module_version").GetString()));
        var files = json.GetProperty("files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        var onDisk = Directory.GetFiles(directory).Select(Path.GetFileName).Where(n => n != CheckpointManifest.FileName).ToList();
        Assert.Contains("model.safetensors", onDisk);
        Assert.Equal(onDisk.OrderBy(n => n, StringComparer.Ordinal), files.Keys.OrderBy(n => n, StringComparer.Ordinal));
        foreach (var name in onDisk)
        {
            var path = Path.Combine(directory, name!);
            Assert.Equal(new FileInfo(path).Length, files[name!].GetProperty("size").GetInt64());
            Assert.Equal(Sha256Of(path), files[name!].GetProperty("sha256").GetString());
        }
        Assert.Equal(JsonValueKind.Null, json.GetProperty("base_checkpoint").ValueKind);
        Assert.DoesNotContain(Directory.GetDirectories(temp), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void HashingWriteStream_HashesWhatItPassesOn()
    {
        var bytes = Enumerable.Range(0, 100_003).Select(i => (byte)(i * 7)).ToArray();
        using var target = new MemoryStream();
        using var hashing = new HashingWriteStream(target);
        hashing.Write(bytes, 0, 10);
        hashing.Write(bytes.AsSpan(10));
        Assert.Equal(bytes, target.ToArray());
        Assert.Equal(bytes.Length, hashing.BytesWritten);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), hashing.Sha256());
    }

    [Fact]
    public void OneFlippedByteInTheWeights_IsCheckpointHashMismatchNamingTheFile()
    {
        using var model = TinyFixtures.Model();
        var directory = Export(model, "flipped");
        var weights = Path.Combine(directory, "model.safetensors");
        FlipOneByte(weights, new FileInfo(weights).Length - 5);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose());
        Assert.Equal("CheckpointHashMismatch", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Equal(weights, error.Target);
        Assert.Contains("model.safetensors", error.Message);

        using var loaded = HfCheckpointDirectory.Import(directory, skipHashCheck: true);
        Assert.Contains(loaded.LoadReport, line => line.Contains("not checked", StringComparison.Ordinal));
    }

    [Fact]
    public void ATruncatedOrMissingListedFile_IsCheckpointHashMismatch_AnExtraFileIsNot()
    {
        using var model = TinyFixtures.Model();
        var directory = Export(model, "cut");
        File.WriteAllText(Path.Combine(directory, "notes.txt"), "added after the export");
        using (HfCheckpointDirectory.Import(directory)) { }

        var special = Path.Combine(directory, "special_tokens_map.json");
        File.Delete(special);
        var missing = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose());
        Assert.Equal("CheckpointHashMismatch", missing.ErrorId);
        Assert.Equal(special, missing.Target);

        var other = Export(model, "truncated");
        var weights = Path.Combine(other, "model.safetensors");
        using (var stream = new FileStream(weights, FileMode.Open)) stream.SetLength(stream.Length - 4);
        var truncated = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(other).Dispose());
        Assert.Equal("CheckpointHashMismatch", truncated.ErrorId);
        Assert.Contains("bytes", truncated.Message);
    }

    [Fact]
    public void WithoutAManifest_TheCheckpointLoads_NamedByItsWeightsHash()
    {
        using var model = TinyFixtures.Model();
        var directory = Export(model, "bare");
        File.Delete(Path.Combine(directory, CheckpointManifest.FileName));
        using var loaded = HfCheckpointDirectory.Import(directory);
        Assert.Empty(loaded.LoadReport);
        var lineage = loaded.GetLineage();
        Assert.Equal(directory, lineage.Base!.Path);
        Assert.Equal("model.safetensors", lineage.Base.File);
        Assert.Equal(Sha256Of(Path.Combine(directory, "model.safetensors")), lineage.Base.Sha256);
    }

    [Fact]
    public void AMalformedManifest_IsCheckpointManifestInvalid_UnlessSkipped()
    {
        using var model = TinyFixtures.Model();
        var directory = Export(model, "malformed");
        File.WriteAllText(Path.Combine(directory, CheckpointManifest.FileName), "{ \"files\": ");
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose());
        Assert.Equal("CheckpointManifestInvalid", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);

        File.WriteAllText(Path.Combine(directory, CheckpointManifest.FileName),
            $"{{ \"format\": \"{CheckpointManifestWriter.Format}\", \"files\": {{ \"../config.json\": {{ \"size\": 1, \"sha256\": \"{new string('0', 64)}\" }} }} }}");
        Assert.Equal("CheckpointManifestInvalid", Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose()).ErrorId);

        using var loaded = HfCheckpointDirectory.Import(directory, skipHashCheck: true);
        Assert.Contains(loaded.LoadReport, line => line.Contains("ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void Lineage_AccumulatesAcrossImportTrainExport_AndKeepsOddNamesLiterally()
    {
        var first = Path.Combine(temp, "run[1].txt");
        var second = Path.Combine(temp, "notes `$x *.txt");
        File.WriteAllText(first, TinyFixtures.CorpusText(20, 1));
        File.WriteAllText(second, TinyFixtures.CorpusText(20, 2));
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 2, Seed = 11 };

        using var model = TinyFixtures.Model();
        var a = Export(model, "a");
        string b, c;
        using (var fromA = HfCheckpointDirectory.Import(a))
        {
            MlmTrainer.Train(fromA, TinyFixtures.Examples(fromA, 20, 1), options);
            fromA.RecordTrainedOn([first]);
            b = Export(fromA, "b");
        }
        var manifestB = CheckpointManifest.Read(b)!;
        Assert.Equal(a, manifestB.Base!.Path);
        Assert.Equal(Sha256Of(Path.Combine(a, "model.safetensors")), manifestB.Base.Sha256);
        Assert.Equal(2, manifestB.TotalSteps);
        Assert.Equal(first, Assert.Single(manifestB.TrainedOn).Path);
        Assert.Equal(Sha256Of(first), manifestB.TrainedOn[0].Sha256);
        Assert.Equal("11", Assert.Single(manifestB.Runs)["Seed"]);
        Assert.Contains(first, File.ReadAllText(Path.Combine(b, CheckpointManifest.FileName)));

        using (var fromB = HfCheckpointDirectory.Import(b))
        {
            Assert.Contains(fromB.Lineage, line => line.Contains(first, StringComparison.Ordinal));
            Assert.Contains("steps: 2", fromB.Lineage);
            MlmTrainer.Train(fromB, TinyFixtures.Examples(fromB, 20, 2), options with { Seed = 12 });
            fromB.RecordTrainedOn([second]);
            c = Export(fromB, "c");
        }
        var manifestC = CheckpointManifest.Read(c)!;
        Assert.Equal(b, manifestC.Base!.Path);
        Assert.Equal(a, Assert.Single(manifestC.EarlierBases).Path);
        Assert.Equal([first, second], manifestC.TrainedOn.Select(f => f.Path));
        Assert.Equal(["11", "12"], manifestC.Runs.Select(r => r["Seed"]));
        Assert.Equal(4, manifestC.TotalSteps);
        var json = ManifestJson(c);
        Assert.Equal(2, json.GetProperty("steps_trained").GetInt32());
        Assert.Equal(2, json.GetProperty("base_steps").GetInt32());
    }

    [Fact]
    public void RunCheckpointsUnderOutputPath_CarryAManifestThatVerifies()
    {
        using var model = TinyFixtures.Model();
        var job = Path.Combine(temp, "job");
        MlmTrainer.Train(model, TinyFixtures.Examples(model, 20, 1),
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 2, CheckpointEvery = 2, OutputPath = job });
        var checkpoint = Assert.Single(Directory.GetDirectories(job, "checkpoint-*"));
        var manifest = CheckpointManifest.Read(checkpoint)!;
        Assert.Contains("model.safetensors", manifest.Files.Keys);
        Assert.True(manifest.Files.Count > 5, string.Join(", ", manifest.Files.Keys));
        manifest.Verify(checkpoint);
        using (HfCheckpointDirectory.Import(checkpoint)) { }
    }
}
