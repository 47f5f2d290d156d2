namespace Dashboard.Simulation.Hashing;

/// <summary>
/// The kernel's jhash2 (Bob Jenkins' lookup3 over 32-bit words, include/linux/jhash.h). ipset hashes an element's struct
/// with it and the set's initval to pick the bucket (which fixes the order `ipset save` prints members in); IPVS's
/// connection table uses jhash_3words, which is this over three words.
/// </summary>
internal static class JenkinsHash
{
    private const uint InitialValue = 0xdeadbeef;

    public static uint Hash(ReadOnlySpan<uint> key, uint initval)
    {
        var length = key.Length;
        uint a, b, c;
        a = b = c = InitialValue + ((uint)length << 2) + initval;
        var i = 0;
        while (length > 3)
        {
            a += key[i];
            b += key[i + 1];
            c += key[i + 2];
            Mix(ref a, ref b, ref c);
            length -= 3;
            i += 3;
        }
        switch (length)
        {
            case 3:
                c += key[i + 2];
                b += key[i + 1];
                a += key[i];
                Final(ref a, ref b, ref c);
                break;
            case 2:
                b += key[i + 1];
                a += key[i];
                Final(ref a, ref b, ref c);
                break;
            case 1:
                a += key[i];
                Final(ref a, ref b, ref c);
                break;
            default:
                break;
        }
        return c;
    }

    private static void Mix(ref uint a, ref uint b, ref uint c)
    {
        a -= c; a ^= uint.RotateLeft(c, 4); c += b;
        b -= a; b ^= uint.RotateLeft(a, 6); a += c;
        c -= b; c ^= uint.RotateLeft(b, 8); b += a;
        a -= c; a ^= uint.RotateLeft(c, 16); c += b;
        b -= a; b ^= uint.RotateLeft(a, 19); a += c;
        c -= b; c ^= uint.RotateLeft(b, 4); b += a;
    }

    private static void Final(ref uint a, ref uint b, ref uint c)
    {
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
    }
}
