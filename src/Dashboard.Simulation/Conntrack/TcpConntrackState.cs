using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Conntrack;

/// <summary>conntrack's TCP states (nf_conntrack_proto_tcp.c), in the kernel's order.</summary>
public enum TcpConntrackState
{
    None,
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,
    SynSent2,
}

/// <summary>The kernel's TCP state table: for a packet's flags and direction, the next state of the connection.</summary>
public static class TcpStateMachine
{
    /// <summary>Marks a transition the kernel treats as invalid (the packet gets ctstate INVALID, the state stays).</summary>
    public const TcpConntrackState Invalid = (TcpConntrackState)(-1);

    /// <summary>Marks a packet the kernel ignores for state purposes (accepted, state unchanged).</summary>
    public const TcpConntrackState Ignore = (TcpConntrackState)(-2);

    private const TcpConntrackState SNo = TcpConntrackState.None, SSs = TcpConntrackState.SynSent, SSr = TcpConntrackState.SynRecv,
        SEs = TcpConntrackState.Established, SFw = TcpConntrackState.FinWait, SCw = TcpConntrackState.CloseWait,
        SLa = TcpConntrackState.LastAck, STw = TcpConntrackState.TimeWait, SCl = TcpConntrackState.Close,
        SS2 = TcpConntrackState.SynSent2, SIv = Invalid, SIg = Ignore;

    // tcp_conntracks[dir][index][state] from net/netfilter/nf_conntrack_proto_tcp.c.
    // Columns: sNO sSS sSR sES sFW sCW sLA sTW sCL sS2. Rows: syn, synack, fin, ack, rst.
    private static readonly TcpConntrackState[,] Original =
    {
        { SSs, SSs, SIg, SIg, SIg, SIg, SIg, SSs, SSs, SS2 },
        { SIv, SIv, SSr, SIv, SIv, SIv, SIv, SIv, SIv, SSr },
        { SIv, SIv, SFw, SFw, SLa, SLa, SLa, STw, SCl, SIv },
        { SEs, SIv, SEs, SEs, SCw, SCw, STw, STw, SCl, SIv },
        { SIv, SCl, SCl, SCl, SCl, SCl, SCl, SCl, SCl, SCl },
    };

    private static readonly TcpConntrackState[,] Reply =
    {
        { SIv, SS2, SIv, SIv, SIv, SIv, SIv, SSs, SIv, SS2 },
        { SIv, SSr, SIg, SIg, SIg, SIg, SIg, SIg, SIg, SSr },
        { SIv, SIv, SFw, SFw, SLa, SLa, SLa, STw, SCl, SIv },
        { SIv, SIg, SSr, SEs, SCw, SCw, STw, STw, SCl, SIg },
        { SIv, SCl, SCl, SCl, SCl, SCl, SCl, SCl, SCl, SCl },
    };

    /// <summary>The next state, <see cref="Invalid"/> or <see cref="Ignore"/>; a packet with none of SYN/FIN/ACK/RST is invalid.</summary>
    public static TcpConntrackState Next(TcpConntrackState state, TcpFlags flags, bool isReply)
    {
        // get_conntrack_index(): RST wins, then SYN (with or without ACK), then FIN, then ACK.
        int row;
        if (flags.HasFlag(TcpFlags.Rst))
        {
            row = 4;
        }
        else if (flags.HasFlag(TcpFlags.Syn))
        {
            row = flags.HasFlag(TcpFlags.Ack) ? 1 : 0;
        }
        else if (flags.HasFlag(TcpFlags.Fin))
        {
            row = 2;
        }
        else if (flags.HasFlag(TcpFlags.Ack))
        {
            row = 3;
        }
        else
        {
            return Invalid;
        }
        return (isReply ? Reply : Original)[row, (int)state];
    }

    /// <summary>The name `conntrack -L` prints.</summary>
    public static string Name(this TcpConntrackState state) => state switch
    {
        TcpConntrackState.None => "NONE",
        TcpConntrackState.SynSent => "SYN_SENT",
        TcpConntrackState.SynRecv => "SYN_RECV",
        TcpConntrackState.Established => "ESTABLISHED",
        TcpConntrackState.FinWait => "FIN_WAIT",
        TcpConntrackState.CloseWait => "CLOSE_WAIT",
        TcpConntrackState.LastAck => "LAST_ACK",
        TcpConntrackState.TimeWait => "TIME_WAIT",
        TcpConntrackState.Close => "CLOSE",
        TcpConntrackState.SynSent2 => "SYN_SENT2",
        _ => "INVALID",
    };
}
