using System.Buffers.Binary;
using System.Text;
using BertAdapt;
using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.Engine.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir;

    public SafeTensorsTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bertadapt-safetensors-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string TempFile(string name = "t.safetensors") => Path.Combine(_dir, name);

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i * 31 + seed);
        return bytes;
    }

    private static SafeTensorWriteItem Item(string name, SafeTensorDType dtype, long[] shape, int seed = 1) =>
        new(name, dtype, shape, Pattern(checked((int)SafeTensorDTypes.ByteLength(dtype, shape)), seed));

    private static List<SafeTensorWriteItem> SampleTensors() =>
    [
        Item("encoder.weight", SafeTensorDType.F32, [2, 3], 1),
        Item("encoder.bias", SafeTensorDType.F16, [4], 2),
        Item("bf", SafeTensorDType.BF16, [2, 2], 3),
        Item("ids", SafeTensorDType.I64, [3], 4),
        Item("i32", SafeTensorDType.I32, [1, 2], 5),
        Item("i16", SafeTensorDType.I16, [2], 6),
        Item("i8", SafeTensorDType.I8, [5], 7),
        Item("u8", SafeTensorDType.U8, [1, 1, 2], 8),
        Item("mask", SafeTensorDType.BOOL, [3], 9),
        Item("scalar", SafeTensorDType.F64, [], 10),
        Item("empty", SafeTensorDType.I32, [0, 4], 11),
        Item("zzz", SafeTensorDType.F32, [0], 12),
    ];

    /// <summary>Builds a file from an explicit header (unpadded) and data section.</summary>
    private static byte[] RawFile(string header, byte[]? data = null, ulong? headerLengthOverride = null)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        return RawFile(headerBytes, data, headerLengthOverride);
    }

    private static byte[] RawFile(byte[] headerBytes, byte[]? data = null, ulong? headerLengthOverride = null)
    {
        data ??= [];
        var file = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLengthOverride ?? (ulong)headerBytes.Length);
        headerBytes.CopyTo(file, 8);
        data.CopyTo(file, 8 + headerBytes.Length);
        return file;
    }

    private static byte[] ValidFileBytes()
    {
        using var ms = new MemoryStream();
        SafeTensorsWriter.Write(ms, SampleTensors(), new Dictionary<string, string> { ["format"] = "pt" });
        return ms.ToArray();
    }

    [Fact]
    public void RoundTrip_PreservesDtypesShapesBytesAndMetadata()
    {
        var tensors = SampleTensors();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "héllo \"quoted\" +" };
        var path = TempFile();
        SafeTensorsWriter.Write(path, tensors, metadata);

        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(tensors.Count, reader.Entries.Count);
        Assert.Equal(metadata, reader.Metadata);
        foreach (var t in tensors)
        {
            var e = reader.Entries[t.Name];
            Assert.Equal(t.Name, e.Name);
            Assert.Equal(t.DType, e.DType);
            Assert.Equal(t.Shape, e.Shape);
            Assert.Equal(t.Data.Length, e.ByteLength);
            Assert.Equal(t.Data.ToArray(), reader.ReadBytes(e));
            var span = new byte[e.ByteLength];
            reader.ReadInto(e, span);
            Assert.Equal(t.Data.ToArray(), span);
        }

        var scalar = reader.Entries["scalar"];
        Assert.Empty(scalar.Shape);
        Assert.Equal(1, scalar.ElementCount);
        Assert.Equal(8, scalar.ByteLength);
        var empty = reader.Entries["empty"];
        Assert.Equal(0, empty.ElementCount);
        Assert.Equal(0, empty.ByteLength);
        Assert.Empty(reader.ReadBytes(empty));
    }

    [Fact]
    public void Writer_SortsByNameAndLaysOutContiguously()
    {
        var path = TempFile();
        SafeTensorsWriter.Write(path, SampleTensors());
        using var reader = SafeTensorsReader.Open(path);
        var byOffset = reader.Entries.Values.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        var byName = reader.Entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(byName.Select(e => e.Begin), byName.Select(e => e.Begin).Order());
        long pos = 0;
        foreach (var e in byName)
        {
            Assert.Equal(pos, e.Begin);
            pos = e.End;
        }
        Assert.Equal(reader.DataLength, pos);
        Assert.Empty(reader.Metadata);
        Assert.Equal(byOffset.Count, byName.Count);
    }

    [Fact]
    public void Writer_IsDeterministic_RegardlessOfInputOrder()
    {
        var tensors = SampleTensors();
        var meta1 = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        var meta2 = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" };
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        using var third = new MemoryStream();
        SafeTensorsWriter.Write(first, tensors, meta1);
        SafeTensorsWriter.Write(second, tensors, meta1);
        var reversed = tensors.AsEnumerable().Reverse().ToList();
        SafeTensorsWriter.Write(third, reversed, meta2);
        Assert.Equal(first.ToArray(), second.ToArray());
        Assert.Equal(first.ToArray(), third.ToArray());

        var pathA = TempFile("a.safetensors");
        var pathB = TempFile("b.safetensors");
        SafeTensorsWriter.Write(pathA, tensors, meta1);
        SafeTensorsWriter.Write(pathB, reversed, meta2);
        Assert.Equal(File.ReadAllBytes(pathA), File.ReadAllBytes(pathB));
        Assert.Equal(first.ToArray(), File.ReadAllBytes(pathA));
    }

    [Fact]
    public void Writer_HeaderIsCompactSpacePaddedAndAligned()
    {
        var bytes = ValidFileBytes();
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(0, (8 + headerLength) % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},", header);
        var trimmed = header.TrimEnd(' ');
        Assert.EndsWith("}", trimmed);
        Assert.True(header.Length - trimmed.Length < 8);
        Assert.DoesNotContain("\n", header);
        Assert.Contains("\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]}", header);
    }

    [Fact]
    public void Writer_NoTensors_ProducesValidFile()
    {
        var path = TempFile();
        SafeTensorsWriter.Write(path, []);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(16, bytes.Length); // "{}" padded to 8
        using var reader = SafeTensorsReader.Open(path);
        Assert.Empty(reader.Entries);
        Assert.Equal(0, reader.DataLength);
    }

    [Fact]
    public void Writer_RejectsBadInput()
    {
        using var ms = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(ms,
            [new SafeTensorWriteItem("a", SafeTensorDType.F32, [2], new byte[7])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(ms,
            [Item("a", SafeTensorDType.U8, [1]), Item("a", SafeTensorDType.U8, [1])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(ms,
            [new SafeTensorWriteItem("a", SafeTensorDType.U8, [-1], Array.Empty<byte>())]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(ms,
            [new SafeTensorWriteItem("a", SafeTensorDType.F64, [1L << 40, 1L << 40], Array.Empty<byte>())]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(ms,
            [Item("__metadata__", SafeTensorDType.U8, [1])]));
        Assert.Equal(0, ms.Length);

        var path = TempFile("never.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path,
            [new SafeTensorWriteItem("a", SafeTensorDType.F32, [2], new byte[7])]));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ReadInto_RejectsWrongDestinationLength()
    {
        var path = TempFile();
        File.WriteAllBytes(path, ValidFileBytes());
        using var reader = SafeTensorsReader.Open(path);
        var e = reader.Entries["encoder.weight"];
        Assert.Throws<ArgumentException>(() => reader.ReadInto(e, new byte[e.ByteLength - 1]));
        Assert.Throws<ArgumentException>(() => reader.ReadInto(e, new byte[e.ByteLength + 1]));
    }

    [Fact]
    public void Read_AfterDispose_Throws()
    {
        var path = TempFile();
        File.WriteAllBytes(path, ValidFileBytes());
        var reader = SafeTensorsReader.Open(path);
        var e = reader.Entries["ids"];
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.ReadBytes(e));
    }

    [Fact]
    public void Reader_AcceptsNullMetadata_AndZeroLengthBetweenTensors()
    {
        var path = TempFile();
        File.WriteAllBytes(path, RawFile(
            "{\"__metadata__\":null," +
            "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}," +
            "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]}," +
            "\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]}}   ", [1, 2, 3, 4]));
        using var reader = SafeTensorsReader.Open(path);
        Assert.Empty(reader.Metadata);
        Assert.Equal(new byte[] { 3, 4 }, reader.ReadBytes(reader.Entries["b"]));
    }

    /// <summary>
    /// Every dtype the format lists is a valid file, sized by its bits (F4 packs two to a byte,
    /// F6 four to three bytes); a dtype the format does not list yet keeps its place, unsized.
    /// </summary>
    [Fact]
    public void Reader_AcceptsEveryDTypeOfTheFormat_AndOneNewerThanThisEngine()
    {
        var path = TempFile();
        File.WriteAllBytes(path, RawFile(
            "{\"f8\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}," +
            "\"c\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[2,10]}," +
            "\"u\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[10,14]}," +
            "\"f4\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[14,16]}," +
            "\"f6\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[16,19]}," +
            "\"new\":{\"dtype\":\"F3_FUTURE\",\"shape\":[8],\"data_offsets\":[19,22]}}", new byte[22]));
        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(SafeTensorDType.F8_E4M3, reader.Entries["f8"].DType);
        Assert.Equal(SafeTensorDType.C64, reader.Entries["c"].DType);
        Assert.Equal(SafeTensorDType.U32, reader.Entries["u"].DType);
        Assert.Equal(2, reader.Entries["f4"].ByteLength);
        Assert.Equal(SafeTensorDType.Unknown, reader.Entries["new"].DType);
        Assert.Equal("F3_FUTURE", reader.Entries["new"].DTypeName);
        Assert.Equal(3, reader.ReadBytes(reader.Entries["new"]).Length);
    }

    [Fact]
    public void MissingFile_IsCheckpointFileNotFound()
    {
        var ex = Assert.Throws<BertAdaptException>(() => SafeTensorsReader.Open(TempFile("missing.safetensors")));
        Assert.Equal("CheckpointFileNotFound", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ObjectNotFound, ex.Kind);
        var ex2 = Assert.Throws<BertAdaptException>(() => SafeTensorsReader.Open(Path.Combine(_dir, "no-dir", "x.safetensors")));
        Assert.Equal("CheckpointFileNotFound", ex2.ErrorId);
    }

    [Fact]
    public void DTypes_ParseFormatAndSize()
    {
        foreach (var dtype in Enum.GetValues<SafeTensorDType>().Where(d => d != SafeTensorDType.Unknown))
        {
            Assert.Equal(dtype, SafeTensorDTypes.Parse(SafeTensorDTypes.Format(dtype)));
            Assert.Equal(dtype.ToString(), SafeTensorDTypes.Format(dtype));
        }
        Assert.Equal(8, SafeTensorDTypes.ElementSize(SafeTensorDType.F64));
        Assert.Equal(4, SafeTensorDTypes.ElementSize(SafeTensorDType.F32));
        Assert.Equal(2, SafeTensorDTypes.ElementSize(SafeTensorDType.BF16));
        Assert.Equal(1, SafeTensorDTypes.ElementSize(SafeTensorDType.BOOL));
        Assert.False(SafeTensorDTypes.TryParse("f32", out _));
        Assert.False(SafeTensorDTypes.TryParse("1", out _));
        Assert.True(SafeTensorDTypes.TryParse("F8_E4M3", out var f8) && f8 == SafeTensorDType.F8_E4M3);
        Assert.False(SafeTensorDTypes.TryParse("F3_FUTURE", out _));
        Assert.Equal(4, SafeTensorDTypes.Bits(SafeTensorDType.F4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafeTensorDTypes.ElementSize(SafeTensorDType.F6_E3M2));
        Assert.Throws<FormatException>(() => SafeTensorDTypes.Parse("float"));
    }

    private const string A8 = "\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}";

    public static TheoryData<string> CorruptCases() => new(CorruptFiles.Keys);

    private static readonly Dictionary<string, Func<byte[]>> CorruptFiles = new()
    {
        ["empty file"] = () => [],
        ["shorter than 8 bytes"] = () => [5, 0, 0, 0],
        ["truncated data"] = () => ValidFileBytes()[..^3],
        ["truncated header"] = () => ValidFileBytes()[..40],
        ["header length 0"] = () => RawFile("", [1, 2, 3]),
        ["header length 2^62"] = () => RawFile("{}", null, 1UL << 62),
        ["header length 2^64-1"] = () => RawFile("{}", null, ulong.MaxValue),
        ["header length beyond file"] = () => RawFile("{}      ", null, 100),
        ["header not utf8"] = () => RawFile(new byte[] { (byte)'{', 0xFF, 0xFE, (byte)'}' }),
        ["garbage json"] = () => RawFile("{not json at all"),
        ["json array root"] = () => RawFile("[]"),
        ["json string root"] = () => RawFile("\"x\""),
        ["trailing comma"] = () => RawFile("{" + A8 + ",}", new byte[8]),
        ["entry not object"] = () => RawFile("{\"a\":5}"),
        ["metadata not object"] = () => RawFile("{\"__metadata__\":[1]}"),
        ["metadata value not a string"] = () => RawFile("{\"__metadata__\":{\"format\":\"pt\",\"n\":3}}"),
        ["sub-byte dtype not whole bytes"] = () => RawFile("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", new byte[2]),
        ["dtype not string"] = () => RawFile("{\"a\":{\"dtype\":4,\"shape\":[8],\"data_offsets\":[0,8]}}", new byte[8]),
        ["missing shape"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,8]}}", new byte[8]),
        ["negative shape dim"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[-8],\"data_offsets\":[0,8]}}", new byte[8]),
        ["fractional shape dim"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8.5],\"data_offsets\":[0,8]}}", new byte[8]),
        ["missing offsets"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8]}}", new byte[8]),
        ["one offset"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[8]}}", new byte[8]),
        ["three offsets"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8,8]}}", new byte[8]),
        ["negative offset"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[-1,7]}}", new byte[8]),
        ["string offset"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[\"0\",8]}}", new byte[8]),
        ["begin after end"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]),
        ["size shape mismatch"] = () => RawFile("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
        ["shape product overflow"] = () => RawFile(
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4611686018427387904],\"data_offsets\":[0,0]}}"),
        ["offsets past end"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[16],\"data_offsets\":[0,16]}}", new byte[8]),
        ["overlap"] = () => RawFile("{" + A8 + ",\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", new byte[8]),
        ["zero-length inside another"] = () => RawFile("{" + A8 + ",\"b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,4]}}", new byte[8]),
        ["gap"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]}}", new byte[8]),
        ["leading gap"] = () => RawFile("{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", new byte[8]),
        ["trailing bytes"] = () => RawFile("{" + A8 + "}", new byte[12]),
        ["trailing bytes no tensors"] = () => RawFile("{}", new byte[1]),
        ["duplicate names"] = () => RawFile("{" + A8 + "," + A8 + "}", new byte[8]),
        ["duplicate metadata"] = () => RawFile("{\"__metadata__\":{},\"__metadata__\":{}}"),
    };

    [Theory]
    [MemberData(nameof(CorruptCases))]
    public void Corrupt_IsSafeTensorsCorrupt(string caseName)
    {
        var path = TempFile("corrupt.safetensors");
        File.WriteAllBytes(path, CorruptFiles[caseName]());
        var ex = Assert.Throws<BertAdaptException>(() => { using var _ = SafeTensorsReader.Open(path); });
        Assert.Equal("SafeTensorsCorrupt", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains(Path.GetFullPath(path), ex.Message);
        // The file handle must have been released on failure.
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void HeaderLargerThanLimit_IsCorrupt()
    {
        var path = TempFile();
        File.WriteAllBytes(path, ValidFileBytes());
        var ex = Assert.Throws<BertAdaptException>(() => SafeTensorsReader.Open(path, maxHeaderBytes: 16));
        Assert.Equal("SafeTensorsCorrupt", ex.ErrorId);
        using var ok = SafeTensorsReader.Open(path);
        Assert.NotEmpty(ok.Entries);
    }

    [Theory]
    [InlineData("overlap", "'b'")]
    [InlineData("size shape mismatch", "'a'")]
    [InlineData("sub-byte dtype not whole bytes", "'a'")]
    [InlineData("metadata value not a string", "'n'")]
    [InlineData("duplicate names", "'a'")]
    [InlineData("gap", "'b'")]
    public void Corrupt_MessageNamesTheTensor(string caseName, string expected)
    {
        var path = TempFile("named.safetensors");
        File.WriteAllBytes(path, CorruptFiles[caseName]());
        var ex = Assert.Throws<BertAdaptException>(() => SafeTensorsReader.Open(path));
        Assert.Contains(expected, ex.Message);
    }
}
