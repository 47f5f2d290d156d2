using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Conntrack;

/// <summary>What conntrack keys a flow by: protocol, source and destination address and port.</summary>
public readonly record struct ConnectionTuple(IpProtocol Protocol, Ipv4Address Source, ushort SourcePort, Ipv4Address Destination, ushort DestinationPort)
{
    public static ConnectionTuple Of(Packet packet) =>
        new(packet.Protocol, packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort);

    /// <summary>The tuple a reply to this one carries: source and destination swapped.</summary>
    public ConnectionTuple Inverted => new(Protocol, Destination, DestinationPort, Source, SourcePort);

    /// <summary>As `conntrack -L` prints a tuple: "src=... dst=... sport=... dport=...".</summary>
    public override string ToString() => Protocol.HasPorts()
        ? $"src={Source} dst={Destination} sport={SourcePort} dport={DestinationPort}"
        : $"src={Source} dst={Destination}";

    /// <summary>
    /// A deterministic stand-in for the kernel's seeded siphash of the tuple: the same seed gives the same buckets on
    /// every machine, which the dashboard's heat map and the tests rely on.
    /// </summary>
    public ulong Hash(ulong seed)
    {
        var h = seed ^ 0x9E3779B97F4A7C15UL;
        h = Mix(h ^ (((ulong)Source.Value << 32) | Destination.Value));
        h = Mix(h ^ (((ulong)SourcePort << 32) | ((ulong)DestinationPort << 16) | (byte)Protocol));
        return h;
    }

    private static ulong Mix(ulong h)
    {
        // MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
