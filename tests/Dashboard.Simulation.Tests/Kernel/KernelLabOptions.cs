namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>How a backend in the lab treats packets sent to it.</summary>
public enum EndpointBehavior
{
    /// <summary>A real TCP listener and UDP echo, so SYN-ACKs and replies flow back through the node.</summary>
    Answering,

    /// <summary>Packets to it are dropped in its own namespace: no RST, no reply, the node's entry stays SYN_SENT.</summary>
    Silent,
}

/// <summary>Who sends a packet: a client outside the cluster, a pod on another node, or a pod on this node.</summary>
public enum LabClient
{
    External,
    RemotePod,
    LocalPod,
}

/// <summary>A backend the lab hosts: remote ones live in the world namespace, ones inside LocalPodCidr on this node.</summary>
public sealed record LabEndpoint(string Address, int Port, EndpointBehavior Behavior);

/// <summary>Addresses and timings of a kernel lab; the defaults are the topology of the worked example's (docs/DOMAIN.md section 7).</summary>
public sealed record KernelLabOptions
{
    public string NodeAddress { get; init; } = "192.168.1.10";

    public int NodePrefixLength { get; init; } = 24;

    /// <summary>The node's default gateway: the world namespace's end of eth0.</summary>
    public string WorldAddress { get; init; } = "192.168.1.1";

    public string ExternalClientAddress { get; init; } = "192.168.5.5";

    public string RemotePodClientAddress { get; init; } = "10.244.1.7";

    public string LocalPodAddress { get; init; } = "10.244.0.5";

    public int LocalPodPrefixLength { get; init; } = 24;

    /// <summary>This node's pod range: the world routes it to the node; endpoints inside it are local pods.</summary>
    public string LocalPodCidr { get; init; } = "10.244.0.0/24";

    public string ServiceCidr { get; init; } = "10.96.0.0/12";

    public IReadOnlyList<LabEndpoint> Endpoints { get; init; } = [];

    /// <summary>How long a client's connect() waits; under the 1 s initial RTO so a silent backend never sees a retransmitted SYN.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>How long a UDP client waits for an echo before deciding there is none.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Upper bound on waiting for xtables-monitor to print what the kernel traced.</summary>
    public TimeSpan TraceTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
