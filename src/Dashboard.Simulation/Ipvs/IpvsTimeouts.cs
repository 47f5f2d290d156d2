namespace Dashboard.Simulation.Ipvs;

/// <summary>
/// The state of an IPVS connection entry. The TCP values are the kernel's IP_VS_TCP_S_* indices (NONE = 0 ... SYNACK = 10),
/// so they index the transition table directly; UDP connections have a single state the kernel names "UDP".
/// </summary>
public enum IpvsState
{
    None = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait = 4,
    TimeWait = 5,
    Close = 6,
    CloseWait = 7,
    LastAck = 8,
    Listen = 9,
    SynAck = 10,
    Udp = 11,
}

public static class IpvsStateNames
{
    /// <summary>The name /proc/net/ip_vs_conn and `ipvsadm -Lnc` print (the kernel's tcp_state_name_table, "UDP" for UDP).</summary>
    public static string ToIpvsName(this IpvsState state) => state switch
    {
        IpvsState.None => "NONE",
        IpvsState.Established => "ESTABLISHED",
        IpvsState.SynSent => "SYN_SENT",
        IpvsState.SynRecv => "SYN_RECV",
        IpvsState.FinWait => "FIN_WAIT",
        IpvsState.TimeWait => "TIME_WAIT",
        IpvsState.Close => "CLOSE",
        IpvsState.CloseWait => "CLOSE_WAIT",
        IpvsState.LastAck => "LAST_ACK",
        IpvsState.Listen => "LISTEN",
        IpvsState.SynAck => "SYNACK",
        IpvsState.Udp => "UDP",
        _ => "ERR!",
    };
}

/// <summary>
/// IPVS's per-state connection timeouts (the kernel's tcp_timeouts and udp_timeouts tables, per network namespace).
/// `ipvsadm --set tcp tcpfin udp` changes three of them: ESTABLISHED, FIN_WAIT and UDP.
/// </summary>
public sealed class IpvsTimeouts
{
    /// <summary>What a connection entry gets before its first state transition (ip_vs_conn_new sets 3*HZ).</summary>
    public static readonly TimeSpan NewConnection = TimeSpan.FromSeconds(3);

    /// <summary>How long an expiring entry that still controls others (a persistence template) is re-armed for.</summary>
    public static readonly TimeSpan ControlledRetry = TimeSpan.FromSeconds(60);

    private readonly TimeSpan[] _tcp =
    [
        TimeSpan.FromSeconds(2),      // NONE
        TimeSpan.FromSeconds(900),    // ESTABLISHED
        TimeSpan.FromSeconds(120),    // SYN_SENT
        TimeSpan.FromSeconds(60),     // SYN_RECV
        TimeSpan.FromSeconds(120),    // FIN_WAIT
        TimeSpan.FromSeconds(120),    // TIME_WAIT
        TimeSpan.FromSeconds(10),     // CLOSE
        TimeSpan.FromSeconds(60),     // CLOSE_WAIT
        TimeSpan.FromSeconds(30),     // LAST_ACK
        TimeSpan.FromSeconds(120),    // LISTEN
        TimeSpan.FromSeconds(120),    // SYNACK
    ];

    /// <summary>UDP's only state (IP_VS_UDP_S_NORMAL): 5 minutes.</summary>
    public TimeSpan Udp { get; private set; } = TimeSpan.FromSeconds(300);

    /// <summary>The timeout a connection in <paramref name="state"/> is re-armed with on each packet.</summary>
    public TimeSpan For(IpvsState state) => state == IpvsState.Udp ? Udp : _tcp[(int)state];

    public void Set(IpvsState state, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        if (state == IpvsState.Udp)
        {
            Udp = timeout;
        }
        else
        {
            _tcp[(int)state] = timeout;
        }
    }

    /// <summary>The three values `ipvsadm --timeout` prints: TCP ESTABLISHED, TCP FIN_WAIT, UDP, in whole seconds.</summary>
    public int TcpSeconds => (int)_tcp[(int)IpvsState.Established].TotalSeconds;
    public int TcpFinSeconds => (int)_tcp[(int)IpvsState.FinWait].TotalSeconds;
    public int UdpSeconds => (int)Udp.TotalSeconds;

    /// <summary>
    /// `ipvsadm --set tcp tcpfin udp` (the kernel's ip_vs_set_timeout): a value of 0 leaves that timeout unchanged,
    /// which is how ipvsadm lets a user change only one of them.
    /// </summary>
    public void SetIpvsadm(int tcpSeconds, int tcpFinSeconds, int udpSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tcpSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(tcpFinSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(udpSeconds);
        if (tcpSeconds > 0)
        {
            _tcp[(int)IpvsState.Established] = TimeSpan.FromSeconds(tcpSeconds);
        }
        if (tcpFinSeconds > 0)
        {
            _tcp[(int)IpvsState.FinWait] = TimeSpan.FromSeconds(tcpFinSeconds);
        }
        if (udpSeconds > 0)
        {
            Udp = TimeSpan.FromSeconds(udpSeconds);
        }
    }
}
