namespace Dashboard.Web.Api.Trace;

/// <summary>
/// A request to walk packets through a node (the body of POST /api/v1/trace). Strings as a user writes them;
/// <see cref="TraceRequestReader"/> checks them, reports each problem with its JSON pointer, and reads them into the
/// engine's <see cref="Simulation.Engine.TraceInput"/>.
/// </summary>
public sealed record TraceRequest
{
    public string? Mode { get; init; }
    public string? Objects { get; init; }
    public TraceNode? Node { get; init; }
    public long Seed { get; init; } = 1;
    public IReadOnlyList<TracePacketRequest>? Packets { get; init; }

    /// <summary>IPVS mode only: scheduler, forwarding method, the director's L2 segment, connection table size.</summary>
    public TraceIpvsOptions? Ipvs { get; init; }

    /// <summary>Later kube-proxy syncs: at a virtual time, the objects change (an endpoint goes not-ready, a pod goes away).</summary>
    public IReadOnlyList<TraceUpdate>? Updates { get; init; }

    /// <summary>Add the text the node's tools would print after the last packet: conntrack -L, and in IPVS mode ipvsadm and ipset.</summary>
    public bool Views { get; init; }
}

public sealed record TraceIpvsOptions
{
    public string? Scheduler { get; init; }
    public string? Forwarding { get; init; }
    public string? L2Subnet { get; init; }
    public int? ConnTabBits { get; init; }

    /// <summary>Real-server weights dealt to each service's servers in the order they are added (RealServerWeights); kube-proxy's are all 1.</summary>
    public IReadOnlyList<int>? Weights { get; init; }
}

public sealed record TraceUpdate
{
    public double? At { get; init; }
    public string? Objects { get; init; }
}

public sealed record TraceNode
{
    public string? Name { get; init; }
    public string? Ip { get; init; }
    public string? PodCIDR { get; init; }
    public string? ClusterCIDR { get; init; }
}

/// <summary>One packet to send: where from, its tuple, TCP flags, when (virtual seconds), and optionally the endpoint to force.</summary>
public sealed record TracePacketRequest
{
    public string? Src { get; init; }
    public int? Sport { get; init; }
    public string? Dst { get; init; }
    public int? Dport { get; init; }
    public string? Proto { get; init; }
    public string? Flags { get; init; }
    public double? At { get; init; }
    public string? From { get; init; }
    public string? ForceEndpoint { get; init; }
}
