using System.Globalization;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Conntrack;

/// <summary>
/// One tracked connection: the ORIGINAL tuple (as the first packet came) and the REPLY tuple (what replies will
/// carry, after NAT). A DNAT puts the backend into the reply tuple, which is how replies are un-NATed without rules.
/// </summary>
public sealed class ConntrackEntry
{
    internal ConntrackEntry(ConnectionTuple original, TimeSpan created)
    {
        Original = original;
        Reply = original.Inverted;
        Created = created;
        OriginalNode = new TupleNode(this, isReply: false);
        ReplyNode = new TupleNode(this, isReply: true);
    }

    public ConnectionTuple Original { get; }

    /// <summary>Rewritten by NAT before the entry is confirmed.</summary>
    public ConnectionTuple Reply { get; internal set; }

    public IpProtocol Protocol => Original.Protocol;
    public TcpConntrackState TcpState { get; internal set; }
    public bool SeenReply { get; internal set; }
    public bool Assured { get; internal set; }
    public bool Confirmed { get; internal set; }
    public TimeSpan Created { get; }
    public TimeSpan ExpiresAt { get; internal set; }

    /// <summary>NAT bindings are set up once per direction of manipulation, on the connection's first packet.</summary>
    public bool DestinationNatDone { get; internal set; }
    public bool SourceNatDone { get; internal set; }

    /// <summary>
    /// IPS_DST_NAT: a NAT rule rewrote the original destination (ctstate DNAT). A status bit, not a tuple comparison:
    /// IPVS (vs/conntrack=1) alters the reply tuple without it, so conntrack then never rewrites those packets itself.
    /// </summary>
    public bool IsDestinationNatted { get; internal set; }

    /// <summary>IPS_SRC_NAT: a NAT rule rewrote the original source (ctstate SNAT).</summary>
    public bool IsSourceNatted { get; internal set; }

    /// <summary>IP_CT_TCP_FLAG_CLOSE_INIT in either direction: a FIN was seen, so the connection began to close.</summary>
    internal bool CloseInitSeen { get; set; }

    /// <summary>The direction (true: reply) of the last packet, and whether it was a RST (last_dir, last_index).</summary>
    internal (bool IsReply, bool WasRst) LastPacket { get; set; }

    internal TupleNode OriginalNode { get; }
    internal TupleNode ReplyNode { get; }

    /// <summary>When the UDP "stream" extension may apply: replies seen and traffic more than 2 s after the first packet.</summary>
    internal TimeSpan UdpStreamAfter => Created + TimeSpan.FromSeconds(2);

    /// <summary>
    /// The line `conntrack -L` prints, with the seconds left as the kernel shows them (rounded down, so a fresh
    /// 24 h entry reads 86399).
    /// </summary>
    public string ToConntrackLine(TimeSpan now)
    {
        var left = Math.Max(0, (long)Math.Ceiling((ExpiresAt - now).TotalSeconds) - 1);
        var protocol = Protocol.ToName();
        var number = ((byte)Protocol).ToString(CultureInfo.InvariantCulture);
        var state = Protocol == IpProtocol.Tcp ? TcpState.Name() + " " : string.Empty;
        var unreplied = SeenReply ? string.Empty : " [UNREPLIED]";
        var assured = Assured ? " [ASSURED]" : string.Empty;
        return $"{protocol,-8} {number} {left.ToString(CultureInfo.InvariantCulture)} {state}{Original}{unreplied} {Reply}{assured} mark=0 use=1";
    }
}

/// <summary>One of an entry's two places in the hash table: under its original tuple and under its reply tuple.</summary>
internal sealed class TupleNode(ConntrackEntry entry, bool isReply)
{
    public ConntrackEntry Entry { get; } = entry;
    public bool IsReply { get; } = isReply;
    public ConnectionTuple Tuple => IsReply ? Entry.Reply : Entry.Original;
    /// <summary>A field, not a property, so the table can unlink through a ref.</summary>
    internal TupleNode? NextField;

    public TupleNode? Next
    {
        get => NextField;
        set => NextField = value;
    }
    public int Bucket { get; set; } = -1;
}
