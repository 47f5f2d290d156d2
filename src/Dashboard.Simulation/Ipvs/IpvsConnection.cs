using System.Globalization;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>Which way a packet of an IPVS connection travels: client to server (input) or, for NAT only, the reply.</summary>
public enum IpvsDirection
{
    /// <summary>Client to virtual service (IP_VS_DIR_INPUT).</summary>
    Input,

    /// <summary>Real server back to the client through the director (IP_VS_DIR_OUTPUT): only NAT connections see these.</summary>
    Output,
}

/// <summary>
/// One entry of the IPVS connection table (the kernel's ip_vs_conn): the client side of a flow (client and virtual
/// address and port), the real server it was given, its forwarding method, state and expiry. A persistence template
/// is an entry too: client address (masked) to real server, with client port 0.
/// </summary>
public sealed class IpvsConnection
{
    internal IpvsConnection(
        IpProtocol protocol,
        Ipv4Address clientAddress,
        ushort clientPort,
        Ipv4Address virtualAddress,
        ushort virtualPort,
        RealServer server,
        ushort destinationPort,
        VirtualService? service,
        bool isTemplate)
    {
        Protocol = protocol;
        ClientAddress = clientAddress;
        ClientPort = clientPort;
        VirtualAddress = virtualAddress;
        VirtualPort = virtualPort;
        Server = server;
        DestinationAddress = server.Address;
        DestinationPort = destinationPort;
        Service = service;
        Method = server.Method;
        IsTemplate = isTemplate;
        // The kernel copies the server's conn_flags: IP_VS_CONN_F_INACTIVE always, NOOUTPUT for anything but NAT.
        IsInactive = true;
        NoOutput = server.Method != ForwardingMethod.Masquerade;
        State = protocol == IpProtocol.Udp && !isTemplate ? IpvsState.Udp : IpvsState.None;
    }

    /// <summary>IPPROTO_IP (0) for a firewall-mark service's template, whose "virtual address" is the mark.</summary>
    public IpProtocol Protocol { get; }
    public Ipv4Address ClientAddress { get; }
    public ushort ClientPort { get; internal set; }
    public Ipv4Address VirtualAddress { get; }
    public ushort VirtualPort { get; internal set; }
    public Ipv4Address DestinationAddress { get; }
    public ushort DestinationPort { get; internal set; }

    /// <summary>The real server, kept even after it is removed from its service (the kernel keeps cp->dest).</summary>
    public RealServer Server { get; }

    public VirtualService? Service { get; }
    public ForwardingMethod Method { get; }

    /// <summary>A persistence template (IP_VS_CONN_F_TEMPLATE): not a flow, a client-to-server pin.</summary>
    public bool IsTemplate { get; }

    /// <summary>IP_VS_CONN_F_NFCT: the connection has a conntrack entry, deleted when the connection expires.</summary>
    public bool TracksConntrack { get; internal set; }

    public IpvsState State { get; internal set; }

    /// <summary>IP_VS_CONN_F_INACTIVE: counted in the server's InActConn rather than ActiveConn.</summary>
    public bool IsInactive { get; internal set; }

    /// <summary>IP_VS_CONN_F_NOOUTPUT: DR and TUN replies bypass the director, so TCP state uses the input-only table.</summary>
    public bool NoOutput { get; internal set; }

    /// <summary>The timeout the entry is re-armed with on each packet (depends on the state).</summary>
    public TimeSpan Timeout { get; internal set; }

    /// <summary>On the virtual clock: when the entry's timer fires.</summary>
    public TimeSpan ExpiresAt { get; internal set; }

    /// <summary>The template this connection was created under (ip_vs_control_add), if the service is persistent.</summary>
    public IpvsConnection? Controller { get; internal set; }

    /// <summary>How many live connections this template controls: a template cannot expire while it controls any.</summary>
    public int ControlledCount { get; internal set; }

    /// <summary>Set once the entry has left the table.</summary>
    public bool IsExpired { get; internal set; }

    public int Bucket { get; internal set; }

    // The earliest time this entry sits in the table's timer queue (TimeSpan.MaxValue when not queued).
    internal TimeSpan QueuedAt { get; set; } = TimeSpan.MaxValue;


    /// <summary>Whole seconds left, as /proc/net/ip_vs_conn computes them: (expires - jiffies) / HZ, truncated.</summary>
    public long RemainingSeconds(TimeSpan now) => ExpiresAt <= now ? 0 : (ExpiresAt - now).Ticks / TimeSpan.TicksPerSecond;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{IpvsadmFormatter.ProtocolName(Protocol)} {ClientAddress}:{ClientPort} {VirtualAddress}:{VirtualPort} -> {DestinationAddress}:{DestinationPort} {State.ToIpvsName()}");
}
