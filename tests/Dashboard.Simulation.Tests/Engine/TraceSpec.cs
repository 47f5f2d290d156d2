using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Engine;

/// <summary>
/// A trace as a test writes it: objects as kubectl prints them, addresses, flags and endpoints as tcpdump and iptables
/// write them, times in seconds. <see cref="Run"/> reads it into the engine's <see cref="TraceInput"/> (nothing here is
/// checked: a test's typo throws) and walks it. The API's own reading and its problems are tested in Dashboard.Web.Tests.
/// </summary>
internal sealed record TraceSpec
{
    public string Mode { get; init; } = "iptables";
    public required string Objects { get; init; }
    public long Seed { get; init; } = 1;
    public required IReadOnlyList<PacketSpec> Packets { get; init; }
    public IpvsSpec? Ipvs { get; init; }
    public IReadOnlyList<UpdateSpec> Updates { get; init; } = [];
    public bool Views { get; init; }

    public static TraceResult Run(TraceSpec spec) => TraceRunner.Run(spec.ToInput());

    public TraceInput ToInput()
    {
        var node = NodeSettings.Default;
        var previous = TimeSpan.Zero;
        var packets = new List<TracePacket>();
        foreach (var p in Packets)
        {
            previous = p.At is { } at ? TimeSpan.FromSeconds(at) : previous;
            packets.Add(p.ToPacket(previous, node));
        }
        return new TraceInput(Read(Objects), packets)
        {
            Seed = Seed,
            Views = Views,
            Updates = [.. Updates.Select(u => new ClusterUpdate(TimeSpan.FromSeconds(u.At), Read(u.Objects)))],
            Ipvs = Mode == "ipvs" ? (Ipvs ?? new IpvsSpec()).ToOptions(node) : null,
        };
    }

    private static ClusterObjects Read(string objects) => ClusterObjectsReader.Read(objects, InputFormat.Yaml);
}

/// <summary>A packet: TCP SYN unless said otherwise, at the previous packet's time unless given one.</summary>
internal sealed record PacketSpec
{
    public required string Src { get; init; }
    public required int Sport { get; init; }
    public required string Dst { get; init; }
    public required int Dport { get; init; }
    public string Proto { get; init; } = "tcp";
    public string? Flags { get; init; }
    public double? At { get; init; }

    /// <summary>pod, remote-node or external; by default where the source address says.</summary>
    public string? From { get; init; }

    /// <summary>ip:port of the endpoint iptables mode's random draw must pick.</summary>
    public string? ForceEndpoint { get; init; }

    public TracePacket ToPacket(TimeSpan at, NodeSettings node)
    {
        var source = Ipv4Address.Parse(Src);
        Assert.True(IpProtocolNames.TryParse(Proto, out var protocol), Proto);
        var flags = TcpFlags.None;
        Assert.True(protocol != IpProtocol.Tcp || TcpFlagNames.TryParse(Flags ?? "S", out flags), Flags);
        var origin = From switch
        {
            "pod" => PacketOrigin.Pod,
            "remote-node" => PacketOrigin.RemoteNode,
            "external" => PacketOrigin.External,
            _ => TracePacket.OriginOf(source, node),
        };
        TraceEndpoint? force = ForceEndpoint is { } forced
            ? new TraceEndpoint(Ipv4Address.Parse(forced[..forced.LastIndexOf(':')]), ushort.Parse(forced[(forced.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            : null;
        return new TracePacket(protocol, source, (ushort)Sport, Ipv4Address.Parse(Dst), (ushort)Dport, flags, at, origin, force);
    }
}

/// <summary>IPVS mode's options, kube-proxy's defaults where not given (rr, nat) and the pod CIDR as DR's L2 segment.</summary>
internal sealed record IpvsSpec
{
    public string Scheduler { get; init; } = "rr";
    public string Forwarding { get; init; } = "nat";
    public string? L2Subnet { get; init; }
    public int ConnTabBits { get; init; } = ConnectionTable.DefaultTableBits;

    public IpvsTraceOptions ToOptions(NodeSettings node)
    {
        Assert.True(IpvsDirector.TryParseMethod(Forwarding, out var method), Forwarding);
        return new IpvsTraceOptions(Scheduler, method, L2Subnet is { } subnet ? Ipv4Prefix.Parse(subnet) : node.PodCidr, ConnTabBits);
    }
}

/// <summary>A kube-proxy sync at a virtual time (seconds) with the objects as they are then.</summary>
internal sealed record UpdateSpec
{
    public required double At { get; init; }
    public required string Objects { get; init; }
}
