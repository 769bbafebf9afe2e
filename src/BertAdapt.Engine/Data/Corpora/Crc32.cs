namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// CRC-32 as gzip (RFC 1952), zip and PNG use it: the reflected polynomial 0xEDB88320, started
/// and finished with all ones. Not the CRC-32C of TensorFlow files, which has another polynomial.
/// Four tables let the loop take four bytes a step.
/// </summary>
static class Crc32
{
    static readonly uint[][] Tables = BuildTables();

    static uint[][] BuildTables()
    {
        var tables = new uint[4][];
        for (int t = 0; t < 4; t++) tables[t] = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            tables[0][i] = c;
        }
        for (int i = 0; i < 256; i++)
            for (int t = 1; t < 4; t++)
                tables[t][i] = (tables[t - 1][i] >> 8) ^ tables[0][tables[t - 1][i] & 0xFF];
        return tables;
    }

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static uint Extend(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3];
        uint c = ~crc;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            c ^= (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            c = t3[c & 0xFF] ^ t2[(c >> 8) & 0xFF] ^ t1[(c >> 16) & 0xFF] ^ t0[c >> 24];
        }
        for (; i < data.Length; i++) c = t0[(c ^ data[i]) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}
