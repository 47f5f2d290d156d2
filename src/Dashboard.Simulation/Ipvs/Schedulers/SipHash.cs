using System.Buffers.Binary;
using System.Numerics;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>SipHash, the keyed hash the kernel's hsiphash() uses; Maglev (mh) hashes addresses with it.</summary>
public static class SipHash
{
    /// <summary>
    /// The kernel's hsiphash() of one 32-bit value on a 64-bit little-endian machine (x86_64, arm64). There the
    /// "half" SipHash is really SipHash-1-3 with the two unsigned longs of hsiphash_key_t as its 64-bit key halves,
    /// truncated to 32 bits. (A 32-bit kernel runs HalfSipHash-1-3 instead and gets other numbers: we model 64-bit.)
    /// </summary>
    public static uint KernelHsipHash(uint value, ulong key0, ulong key1)
    {
        Span<byte> data = stackalloc byte[4];
        // The kernel hashes the bytes of a host-order u32 in memory: little-endian on the machines we model.
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        return (uint)Compute(data, key0, key1, compressionRounds: 1, finalizationRounds: 3);
    }

    /// <summary>SipHash-c-d of a byte string under a 128-bit key given as two little-endian 64-bit halves.</summary>
    public static ulong Compute(ReadOnlySpan<byte> data, ulong key0, ulong key1, int compressionRounds = 2, int finalizationRounds = 4)
    {
        var v0 = 0x736f6d6570736575UL ^ key0;
        var v1 = 0x646f72616e646f6dUL ^ key1;
        var v2 = 0x6c7967656e657261UL ^ key0;
        var v3 = 0x7465646279746573UL ^ key1;

        var whole = data.Length - (data.Length % 8);
        for (var offset = 0; offset < whole; offset += 8)
        {
            var m = BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]);
            v3 ^= m;
            for (var round = 0; round < compressionRounds; round++)
            {
                Round(ref v0, ref v1, ref v2, ref v3);
            }
            v0 ^= m;
        }

        // The last block carries the leftover bytes and, in its top byte, the message length.
        var last = (ulong)data.Length << 56;
        for (var i = 0; i < data.Length - whole; i++)
        {
            last |= (ulong)data[whole + i] << (8 * i);
        }
        v3 ^= last;
        for (var round = 0; round < compressionRounds; round++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }
        v0 ^= last;

        v2 ^= 0xff;
        for (var round = 0; round < finalizationRounds; round++)
        {
            Round(ref v0, ref v1, ref v2, ref v3);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1;
        v1 = BitOperations.RotateLeft(v1, 13);
        v1 ^= v0;
        v0 = BitOperations.RotateLeft(v0, 32);
        v2 += v3;
        v3 = BitOperations.RotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = BitOperations.RotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = BitOperations.RotateLeft(v1, 17);
        v1 ^= v2;
        v2 = BitOperations.RotateLeft(v2, 32);
    }
}
