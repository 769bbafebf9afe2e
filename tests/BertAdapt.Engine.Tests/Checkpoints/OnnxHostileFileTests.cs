using System.Text;
using BertAdapt.Engine.Checkpoints.Onnx;
using Xunit.Abstractions;

namespace BertAdapt.Engine.Tests.OnnxReading;

/// <summary>
/// Damaged, hostile and unsupported ONNX files are refused with a stable error id, and a length
/// claim larger than the file is refused before anything of that size is allocated.
/// </summary>
public sealed class OnnxHostileFileTests(ITestOutputHelper output) : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-onnx-hostile-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string Write(byte[] bytes)
    {
        var path = Path.Combine(temp, Guid.NewGuid().ToString("N") + ".onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    BertAdaptException Refused(byte[] bytes, string errorId)
    {
        var path = Write(bytes);
        var error = Assert.Throws<BertAdaptException>(() => OnnxBertReader.Open(path).Dispose());
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Equal(path, error.Target);
        return error;
    }

    static byte[] ModelWith(params byte[][] initializers) => TinyOnnx.Model([], initializers);

    [Fact]
    public void MissingFileIsObjectNotFound()
    {
        var path = Path.Combine(temp, "absent.onnx");
        var error = Assert.Throws<BertAdaptException>(() => OnnxBertReader.Open(path));
        Assert.Equal("CheckpointFileNotFound", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ObjectNotFound, error.Kind);
    }

    [Fact]
    public void TruncationsOfAValidFileAreCorrupt()
    {
        var bytes = TinyOnnx.Bert(new TinyOnnx.Options());
        using (OnnxBertReader.Open(Write(bytes))) { } // the whole file is fine
        Assert.True(bytes.Length > 2000, $"the sample is only {bytes.Length} bytes");
        var path = Path.Combine(temp, "cut.onnx");
        // Every cut through the first 512 bytes (headers, the first nodes), every 29th byte after, and the last 64.
        var cuts = Enumerable.Range(0, bytes.Length).Where(n => n < 512 || n % 29 == 0 || n >= bytes.Length - 64).ToList();
        output.WriteLine($"{cuts.Count} cuts of a {bytes.Length}-byte file");
        foreach (var length in cuts)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<BertAdaptException>(() => OnnxBertReader.Open(path).Dispose());
            Assert.True(error.ErrorId == OnnxBertReader.CorruptErrorId, $"cut at {length} of {bytes.Length}: {error.ErrorId} {error.Message}");
        }
    }

    [Fact]
    public void TwoGigabyteLengthClaimIsRefusedWithoutAllocating()
    {
        // ir_version, then the graph field claiming 2^31 bytes in a file of a few dozen.
        byte[] bytes = [.. TinyOnnx.Varint(1, 8), .. TinyOnnx.Key(7, 2), .. TinyOnnx.VarintBytes(1UL << 31), .. new byte[32]];
        var path = Write(bytes);
        OnnxBertReader.Open(Write(TinyOnnx.Bert(new TinyOnnx.Options()))).Dispose(); // warm up code paths first

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<BertAdaptException>(() => OnnxBertReader.Open(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(OnnxBertReader.CorruptErrorId, error.ErrorId);
        Assert.Contains("2147483648", error.Message);
        Assert.True(allocated < 1 << 20, $"refusing the file allocated {allocated} bytes");
    }

    [Fact]
    public void NestedLengthClaimsBeyondTheirMessageAreRefusedWithoutAllocating()
    {
        // Outer lengths are honest; the raw_data inside an initializer, and a node's name, claim 2 GiB.
        var hugeRaw = TinyOnnx.Cat([TinyOnnx.Varint(1, 4), TinyOnnx.Varint(2, 1), TinyOnnx.Str(8, "w"),
            TinyOnnx.Key(9, 2), TinyOnnx.VarintBytes(1UL << 31), new byte[16]]);
        var hugeName = TinyOnnx.Cat([TinyOnnx.Key(3, 2), TinyOnnx.VarintBytes((1UL << 31) - 1), new byte[8]]);
        foreach (var bytes in new[] { ModelWith(hugeRaw), TinyOnnx.Model([hugeName], []) })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Refused(bytes, OnnxBertReader.CorruptErrorId);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("claims", error.Message);
            Assert.True(allocated < 1 << 20, $"refusing the file allocated {allocated} bytes");
        }
    }

    [Fact]
    public void ShapesThatDisagreeWithTheirDataAreCorrupt()
    {
        // A shape of 2^60 elements over 16 bytes, an overflowing shape, a short raw_data, no data at all,
        // a negative dimension, floats stored in int64_data.
        var cases = new[]
        {
            TinyOnnx.Tensor("vast", TinyOnnx.Float, [1L << 30, 1L << 30], TinyOnnx.Bytes(9, new byte[16])),
            TinyOnnx.Tensor("overflow", TinyOnnx.Float, [1L << 40, 1L << 40], TinyOnnx.Bytes(9, new byte[16])),
            TinyOnnx.Tensor("short", TinyOnnx.Float, [4], TinyOnnx.Bytes(9, new byte[12])),
            TinyOnnx.Tensor("empty", TinyOnnx.Float, [4], []),
            TinyOnnx.Tensor("negative", TinyOnnx.Float, [-1, 4], TinyOnnx.Bytes(9, new byte[16])),
            TinyOnnx.Tensor("misfiled", TinyOnnx.Float, [2], TinyOnnx.Packed(7, [1, 2])),
            TinyOnnx.Tensor("few_typed", TinyOnnx.Float, [3], TinyOnnx.Packed(4, new byte[8])),
        };
        foreach (var tensor in cases)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Refused(ModelWith(tensor), OnnxBertReader.CorruptErrorId);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
            Assert.Contains("tensor '", error.Message);
        }
        Refused(ModelWith(TinyOnnx.FloatTensor("twice", [1, 2], [1, 2]), TinyOnnx.FloatTensor("twice", [1, 2], [3, 4])), OnnxBertReader.CorruptErrorId);
    }

    [Fact]
    public void MalformedWireFormatIsCorrupt()
    {
        var varintTooLong = TinyOnnx.Cat([[0x08], Enumerable.Repeat((byte)0xFF, 11).ToArray()]);
        byte[] groupWireType = [0x0B, 0x0C];
        byte[] fieldZero = [0x00, 0x01];
        var packedFloatsOdd = ModelWith(TinyOnnx.Tensor("odd", TinyOnnx.Float, [1], TinyOnnx.Packed(4, new byte[5])));
        foreach (var bytes in new[] { varintTooLong, groupWireType, fieldZero, packedFloatsOdd, Array.Empty<byte>() })
            Refused(bytes, OnnxBertReader.CorruptErrorId);
    }

    [Fact]
    public void FilesThatAreNotOnnxAreCorrupt()
    {
        var random = new byte[4096];
        new Random(20240611).NextBytes(random);
        var text = Encoding.UTF8.GetBytes("This is a text file, not a model.\n");
        byte[] zip = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00];
        var safetensors = TinyOnnx.Cat([BitConverter.GetBytes(2L), Encoding.ASCII.GetBytes("{}")]);
        var noGraph = TinyOnnx.Cat([TinyOnnx.Varint(1, 8), TinyOnnx.Str(2, "producer")]);
        foreach (var bytes in new[] { random, text, zip, safetensors, noGraph })
            Refused(bytes, OnnxBertReader.CorruptErrorId);
    }

    [Fact]
    public void ExternalDataIsRefusedClearly()
    {
        var external = TinyOnnx.Tensor("encoder.layer.0.attention.self.query.bias", TinyOnnx.Float, [8], TinyOnnx.Cat([
            TinyOnnx.Message(13, TinyOnnx.Str(1, "location"), TinyOnnx.Str(2, "weights.bin")),
            TinyOnnx.Message(13, TinyOnnx.Str(1, "offset"), TinyOnnx.Str(2, "0")),
            TinyOnnx.Varint(14, 1)]));
        var error = Refused(ModelWith(TinyOnnx.FloatTensor("fine", [2], [1, 2]), external), OnnxBertReader.ExternalDataErrorId);
        Assert.Contains("weights.bin", error.Message);
        Assert.Contains("encoder.layer.0.attention.self.query.bias", error.Message);

        var locationOnly = TinyOnnx.Tensor("w", TinyOnnx.Float, [8], TinyOnnx.Varint(14, 1));
        Refused(ModelWith(locationOnly), OnnxBertReader.ExternalDataErrorId);
    }

    [Fact]
    public void UnsupportedElementTypesAreRefused()
    {
        var strings = TinyOnnx.Tensor("labels", TinyOnnx.String, [2], TinyOnnx.Cat([TinyOnnx.Str(6, "a"), TinyOnnx.Str(6, "b")]));
        var complex = TinyOnnx.Tensor("phase", TinyOnnx.Complex64, [2], TinyOnnx.Bytes(9, new byte[16]));
        var unknown = TinyOnnx.Tensor("future", 99, [2], TinyOnnx.Bytes(9, new byte[8]));
        foreach (var tensor in new[] { strings, complex, unknown })
        {
            var error = Refused(ModelWith(tensor), OnnxBertReader.DTypeErrorId);
            Assert.Contains("element type", error.Message);
        }
    }
}
