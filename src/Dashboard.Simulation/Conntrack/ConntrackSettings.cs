namespace Dashboard.Simulation.Conntrack;

/// <summary>
/// conntrack's size and timeouts. <see cref="KubeProxyNode"/> holds what a node running kube-proxy has:
/// max = max(32768 x cores, 131072), buckets = max / 4, TCP established 24 h and close_wait 1 h; the rest are
/// the kernel's defaults (nf_conntrack-sysctl.rst).
/// </summary>
public sealed record ConntrackSettings
{
    public int Max { get; init; } = 262_144;
    public int Buckets { get; init; } = 262_144;
    public TimeSpan TcpSynSent { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpSynRecv { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan TcpEstablished { get; init; } = TimeSpan.FromSeconds(432_000);
    public TimeSpan TcpFinWait { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpCloseWait { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan TcpLastAck { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan TcpTimeWait { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan TcpClose { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Udp { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan UdpStream { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan Icmp { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan Generic { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>The kernel's defaults on a machine with more than 4 GiB of memory.</summary>
    public static ConntrackSettings KernelDefaults { get; } = new();

    /// <summary>A node on which kube-proxy applied its conntrack settings (for a node of up to 4 cores).</summary>
    public static ConntrackSettings KubeProxyNode(int cores = 4)
    {
        var max = Math.Max(32_768 * cores, 131_072);
        return new ConntrackSettings
        {
            Max = max,
            Buckets = max / 4,
            TcpEstablished = TimeSpan.FromHours(24),
            TcpCloseWait = TimeSpan.FromHours(1),
        };
    }

    public TimeSpan TimeoutOf(TcpConntrackState state) => state switch
    {
        TcpConntrackState.SynSent or TcpConntrackState.SynSent2 => TcpSynSent,
        TcpConntrackState.SynRecv => TcpSynRecv,
        TcpConntrackState.Established => TcpEstablished,
        TcpConntrackState.FinWait => TcpFinWait,
        TcpConntrackState.CloseWait => TcpCloseWait,
        TcpConntrackState.LastAck => TcpLastAck,
        TcpConntrackState.TimeWait => TcpTimeWait,
        TcpConntrackState.Close => TcpClose,
        _ => Generic,
    };
}
