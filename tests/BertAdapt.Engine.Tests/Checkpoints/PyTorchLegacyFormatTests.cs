using System.Buffers.Binary;
using BertAdapt;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.PyTorch;
using BertAdapt.Engine.Tests.Interop;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// The legacy (pre-1.6, <c>_use_new_zipfile_serialization=False</c>) torch.save format: the
/// fixture torch wrote against its zip-format original, and files built here byte by byte to be
/// truncated, inconsistent or hostile.
/// </summary>
public sealed class PyTorchLegacyFormatTests : IDisposable
{
    private readonly string _dir;

    public PyTorchLegacyFormatTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bertadapt-legacy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string Fixture(string directory) => TestAssets.Fixture("pytorch", directory, "pytorch_model.bin");

    private static float[] Read(ITensorSource source, string name)
    {
        var values = new float[source.Tensors[name].ElementCount];
        source.ReadFloat32(name, values);
        return values;
    }

    [Fact]
    public void LegacyFileGivesBitIdenticalTensorsToTheZipOriginal()
    {
        using var zip = PyTorchCheckpointReader.Open(Fixture("tiny-pretraining"));
        using var legacy = PyTorchCheckpointReader.Open(Fixture("tiny-pretraining-legacy"));
        Assert.Equal(zip.Tensors.Keys.Order(StringComparer.Ordinal), legacy.Tensors.Keys.Order(StringComparer.Ordinal));
        int compared = 0;
        foreach (var (name, tensor) in zip.Tensors)
        {
            var other = legacy.Tensors[name];
            Assert.Equal(tensor.DType, other.DType);
            Assert.Equal(tensor.Shape, other.Shape);
            Assert.Equal(zip.Layout(name).Offset, legacy.Layout(name).Offset);
            Assert.Equal(zip.Layout(name).Stride, legacy.Layout(name).Stride);
            if (tensor.DType != SafeTensorDType.F32) continue;
            var expected = Read(zip, name).Select(BitConverter.SingleToInt32Bits).ToArray();
            var actual = Read(legacy, name).Select(BitConverter.SingleToInt32Bits).ToArray();
            Assert.Equal(expected, actual);
            compared++;
        }
        Assert.True(compared > 40, $"only {compared} float tensors compared");
        // Tied weights stay tied: one storage in the legacy file too.
        Assert.Equal(legacy.Layout("bert.embeddings.word_embeddings.weight").StorageKey, legacy.Layout("cls.predictions.decoder.weight").StorageKey);
    }

    [Fact]
    public void EveryTruncationOfTheLegacyFixtureIsCorrupt()
    {
        var whole = File.ReadAllBytes(Fixture("tiny-pretraining-legacy"));
        var path = Path.Combine(_dir, "cut.bin");
        // Every length through the pickles (the first few KB), then a sample through the storages.
        var lengths = Enumerable.Range(0, 6000).Concat(Enumerable.Range(0, whole.Length / 97).Select(k => k * 97)).Append(whole.Length - 1)
            .Where(n => n < whole.Length).Distinct();
        foreach (var length in lengths)
        {
            File.WriteAllBytes(path, whole[..length]);
            var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path).Dispose());
            Assert.True(ex.ErrorId == PyTorchCheckpointReader.CorruptErrorId, $"length {length}: {ex.ErrorId}: {ex.Message}");
            Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        }
        File.WriteAllBytes(path, whole[..(whole.Length - 1)]);
        var cut = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path).Dispose());
        Assert.Contains("truncated", cut.Message);
    }

    // ---------------------------------------------------------------- files built here

    private static readonly byte[] Magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
    private static readonly byte[] Version = [0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e];
    private static readonly byte[] SysInfo = new PickleBuilder().Proto().Op('}').Str("little_endian").Raw(0x88).Op('s').Stop().ToArray();

    private static float[] Sequence(int count) => Enumerable.Range(0, count).Select(k => k * 1.5f - 3f).ToArray();

    private static byte[] Keys(params string[] keys)
    {
        var b = new PickleBuilder().Proto().Op(']').Mark();
        foreach (var k in keys) b.Str(k);
        return b.Op('e').Stop().ToArray();
    }

    /// <summary>The storage section: per storage its int64 count, then its float32 values.</summary>
    private static byte[] Storage(long count, float[] values)
    {
        var bytes = new byte[8 + values.Length * 4];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, count);
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + i * 4), values[i]);
        return bytes;
    }

    private static byte[] MainPickle(long numel = 12, (string, long, long)? view = null, long[]? size = null) =>
        new PickleBuilder().StateDict(("w", p => p.LegacyTensor("FloatStorage", "140", numel, 0, size ?? [3, 4], [size?[1] ?? 4, 1], view))).ToArray();

    private static byte[] File_(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] TwelveFloats() => File_(Magic, Version, SysInfo, MainPickle(), Keys("140"), Storage(12, Sequence(12)));

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private BertAdaptException OpenFails(byte[] file, string errorId = PyTorchCheckpointReader.CorruptErrorId)
    {
        var path = Write(file);
        var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path).Dispose());
        Assert.Equal(errorId, ex.ErrorId);
        return ex;
    }

    [Fact]
    public void HandBuiltLegacyFileReads_AndBytesAfterTheLastStorageAreIgnored()
    {
        using (var reader = PyTorchCheckpointReader.Open(Write(TwelveFloats())))
            Assert.Equal(Sequence(12), Read(reader, "w"));
        using var trailing = PyTorchCheckpointReader.Open(Write(File_(TwelveFloats(), [1, 2, 3])));
        Assert.Equal(Sequence(12), Read(trailing, "w"));
    }

    [Fact]
    public void TheOldestBarePickleIsCorruptNotUnsupported()
    {
        // Before this reader the magic-number pickle alone was refused as an unsupported format;
        // now it is read as the legacy format and found to end after its first pickle.
        var ex = OpenFails(Magic);
        Assert.Contains("format-version pickle", ex.Message);
    }

    [Fact]
    public void WrongMagicOrVersionIsCorrupt()
    {
        var notMagic = new PickleBuilder().Proto().Int(7).Stop().ToArray();
        Assert.Contains("magic number", OpenFails(File_(notMagic, Version, SysInfo, MainPickle(), Keys("140"), Storage(12, Sequence(12)))).Message);
        var version1000 = new PickleBuilder().Proto().Int(1000).Stop().ToArray();
        Assert.Contains("1001", OpenFails(File_(Magic, version1000, SysInfo, MainPickle(), Keys("140"), Storage(12, Sequence(12)))).Message);
    }

    [Fact]
    public void StorageCountsAndKeysMustAgreeWithThePersistentIds()
    {
        Assert.Contains("says it holds 11", OpenFails(File_(Magic, Version, SysInfo, MainPickle(), Keys("140"), Storage(11, Sequence(12)))).Message);
        OpenFails(File_(Magic, Version, SysInfo, MainPickle(), Keys("141"), Storage(12, Sequence(12))));
        OpenFails(File_(Magic, Version, SysInfo, MainPickle(), Keys("140", "140"), Storage(12, Sequence(12)), Storage(12, Sequence(12))));
        Assert.Contains("missing from the storage-key list", OpenFails(File_(Magic, Version, SysInfo, MainPickle(), Keys())).Message);
        // A zip-format five-item persistent id is not what the legacy format writes.
        var zipStyle = new PickleBuilder().StateDict(("w", p => p.Tensor("FloatStorage", "140", 12, 0, [3, 4], [4, 1]))).ToArray();
        OpenFails(File_(Magic, Version, SysInfo, zipStyle, Keys("140"), Storage(12, Sequence(12))));
    }

    [Fact]
    public void AHugeStorageClaimIsRefusedWithoutAllocating()
    {
        long huge = long.MaxValue / 8;
        var ex = OpenFails(File_(Magic, Version, SysInfo, MainPickle(numel: huge), Keys("140"), Storage(huge, Sequence(12))));
        Assert.Contains("truncated", ex.Message);
        OpenFails(File_(Magic, Version, SysInfo, MainPickle(numel: long.MaxValue), Keys("140"), Storage(12, Sequence(12))));
    }

    [Fact]
    public void StorageViewsReadTheirSliceOfTheRoot_AndOneReachingPastItIsCorrupt()
    {
        var file = File_(Magic, Version, SysInfo, MainPickle(numel: 12, view: ("141", 4, 6), size: [2, 3]), Keys("140"), Storage(12, Sequence(12)));
        using (var reader = PyTorchCheckpointReader.Open(Write(file)))
            Assert.Equal(Sequence(12)[4..10], Read(reader, "w"));
        OpenFails(File_(Magic, Version, SysInfo, MainPickle(numel: 12, view: ("141", 8, 6), size: [2, 3]), Keys("140"), Storage(12, Sequence(12))));
    }

    [Fact]
    public void HostileGlobalInTheLegacyMainPickleIsRefused()
    {
        var hostile = new PickleBuilder().Proto().Global("posix", "system").Mark().Str("touch x").Op('t').Op('R').Stop().ToArray();
        var ex = OpenFails(File_(Magic, Version, SysInfo, hostile, Keys()), PyTorchCheckpointReader.GlobalRefusedErrorId);
        Assert.Equal(BertAdaptErrorKind.SecurityError, ex.Kind);
        Assert.Contains("main pickle", ex.Message);
    }

    [Fact]
    public void TarArchiveOfTheEarliestTorchIsUnsupported()
    {
        var tar = new byte[1024];
        "storages"u8.CopyTo(tar);
        "ustar"u8.CopyTo(tar.AsSpan(257));
        Assert.Contains("tar archive", OpenFails(tar, PyTorchCheckpointReader.FormatUnsupportedErrorId).Message);
    }
}
