namespace Dashboard.Simulation.Hashing;

/// <summary>The kernel's multiplicative hash (include/linux/hash.h), as sh and dh use it to pick a slot.</summary>
public static class KernelHash
{
    /// <summary>GOLDEN_RATIO_32: 2^32 divided by the golden ratio, rounded to an odd number.</summary>
    public const uint GoldenRatio32 = 0x61C88647;

    /// <summary>
    /// hash_32(val, bits): val x GOLDEN_RATIO_32 in 32 bits, then its top <paramref name="bits"/> bits (x86 has no
    /// arch-specific __hash_32, so the generic one is what runs).
    /// </summary>
    public static uint Hash32(uint value, int bits) => unchecked(value * GoldenRatio32) >> (32 - bits);
}
