using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// What sh and mh share once the source has been hashed to a slot: the server there, or, when it cannot take the
/// connection and the fallback flag is set, the kernel's rehash with offsets slot, slot + 1, ... until a slot holds an
/// available server (ip_vs_sh_get_fallback, ip_vs_mh_get_fallback). Without the flag the connection is dropped.
/// </summary>
internal static class HashedSlots
{
    public static SchedulerDecision? Pick(RealServer?[] table, int slot, Explanation hashed, Func<uint, int> rehash, HashingFlags flags, Explanation fallback)
    {
        var server = table[slot];
        if (server is null)
        {
            return null;
        }
        if (SourceHashing.IsAvailable(server))
        {
            return new SchedulerDecision(server, new Explanation(ExplanationCode.HashedPick, hashed, server));
        }
        if (!flags.HasFlag(HashingFlags.Fallback))
        {
            return null;
        }
        var size = (uint)table.Length;
        for (var i = 0u; i < size; i++)
        {
            var next = rehash((i + (uint)slot) % size);
            var candidate = table[next];
            if (candidate is null)
            {
                break;
            }
            if (SourceHashing.IsAvailable(candidate))
            {
                return new SchedulerDecision(candidate,
                    new Explanation(ExplanationCode.HashedFallback, hashed, server, SourceHashing.Unavailable(server), fallback, next, candidate));
            }
        }
        return null;
    }
}
