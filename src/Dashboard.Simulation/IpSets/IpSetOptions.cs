namespace Dashboard.Simulation.IpSets;

/// <summary>
/// The options of `ipset create`. The defaults are what kube-proxy passes: hash types get "family inet hashsize 1024
/// maxelem 65536", bitmap:port gets "range 0-65535", and no set gets "comment" (kube-proxy keeps its set comments for
/// its own iptables rules and logs, it never asks the kernel to store them).
/// </summary>
public sealed record IpSetOptions
{
    /// <summary>Initial bucket count; the kernel rounds it up to a power of two, at least 64, and doubles it when a bucket overflows.</summary>
    public int HashSize { get; init; } = 1024;

    public int MaxElements { get; init; } = 65536;

    /// <summary>Elements per bucket before the table doubles; the kernel makes it even and clamps it to 2..12.</summary>
    public int BucketSize { get; init; } = 12;

    /// <summary>The hash seed; null lets the collection draw one, as the kernel draws a random one.</summary>
    public uint? InitVal { get; init; }

    /// <summary>Whether elements may carry a comment (the "comment" create option).</summary>
    public bool Comment { get; init; }

    /// <summary>bitmap:port's range; the kernel swaps the ends if given backwards.</summary>
    public ushort FirstPort { get; init; }

    public ushort LastPort { get; init; } = 65535;

    /// <summary>What kube-proxy creates every set with.</summary>
    public static IpSetOptions KubeProxy { get; } = new();
}
