using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>
/// A virtual service (the kernel's ip_vs_service): what a packet is matched on (protocol, address and port, or a
/// firewall mark), the real servers behind it, the scheduler that picks one, and persistence (`-p`, kube-proxy's
/// ClientIP affinity) that pins a client to the server it got first.
/// </summary>
public sealed class VirtualService
{
    /// <summary>ipvsadm's default when `-p` has no value (IPVS_SVC_PERSISTENT_TIMEOUT).</summary>
    public const int DefaultPersistenceTimeoutSeconds = 300;

    private readonly List<RealServer> _servers = [];
    private readonly Dictionary<(Ipv4Address, ushort), RealServer> _serverIndex = [];

    // Removed servers go to a trash list, as in the kernel (ip_vs_trash_get_dest): connections still point at them,
    // and adding the same address:port again revives the same object with its counters.
    private readonly List<RealServer> _trash = [];
    private IIpvsScheduler _scheduler;

    // The kernel tells the scheduler of every change as it happens (add_dest, upd_dest, del_dest). What most schedulers
    // keep is a function of the list they end with (mh, sh and dh deal their slots again), so one update before the
    // next pick gives the same state; doing it per server made a sync of N servers cost N rebuilds (mh: N x 4,093
    // slots), and a service of 300 endpoints took tens of seconds to program. wrr sees every change (SeesEveryChange).
    private bool _schedulerStale;

    public VirtualService(IpProtocol protocol, Ipv4Address address, ushort port, IIpvsScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (!protocol.HasPorts())
        {
            throw new ArgumentException($"IPVS virtual services are TCP, UDP or SCTP, not {protocol.ToName()}", nameof(protocol));
        }
        Protocol = protocol;
        Address = address;
        Port = port;
        _scheduler = scheduler;
        _scheduler.UpdateServers(_servers);
    }

    private VirtualService(uint firewallMark, IpProtocol protocol, IIpvsScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfZero(firewallMark);
        FirewallMark = firewallMark;
        Protocol = protocol;
        _scheduler = scheduler;
        _scheduler.UpdateServers(_servers);
    }

    /// <summary>A firewall-mark service (`ipvsadm -A -f mark`): it matches any packet carrying that skb mark.</summary>
    public static VirtualService ForFirewallMark(uint firewallMark, IIpvsScheduler scheduler, IpProtocol protocol = IpProtocol.Tcp) =>
        new(firewallMark, protocol, scheduler);

    public IpProtocol Protocol { get; }
    public Ipv4Address Address { get; }
    public ushort Port { get; }

    /// <summary>0 for an address:port service.</summary>
    public uint FirewallMark { get; }

    public bool IsFirewallMark => FirewallMark != 0;

    public IIpvsScheduler Scheduler
    {
        get
        {
            if (_schedulerStale)
            {
                _scheduler.UpdateServers(_servers);
                _schedulerStale = false;
            }
            return _scheduler;
        }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _scheduler = value;
            _scheduler.UpdateServers(_servers);
            _schedulerStale = false;
        }
    }

    public IReadOnlyList<RealServer> Servers => _servers;

    public bool IsPersistent => PersistenceTimeoutSeconds > 0;

    /// <summary>`-p`: how long a client stays pinned to its server after its last new connection (0 = not persistent).</summary>
    public int PersistenceTimeoutSeconds { get; private set; }

    /// <summary>`-M`: clients in the same network (address AND mask) share one template. 255.255.255.255 by default.</summary>
    public Ipv4Address PersistenceNetmask { get; private set; } = new(uint.MaxValue);

    /// <summary>`-o`: one-packet scheduling (UDP only in effect): every datagram is scheduled on its own.</summary>
    public bool OnePacket { get; set; }

    /// <summary>Set while the service is in a <see cref="ServiceTable"/> (IP_VS_SVC_F_HASHED).</summary>
    public bool IsHashed { get; internal set; }

    /// <summary>Totals for `ipvsadm -Ln --stats` (templates are not counted as connections).</summary>
    public long Connections { get; set; }
    public long InPackets { get; set; }
    public long OutPackets { get; set; }
    public long InBytes { get; set; }
    public long OutBytes { get; set; }

    public void SetPersistence(int timeoutSeconds = DefaultPersistenceTimeoutSeconds, Ipv4Address? netmask = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutSeconds, 1);
        PersistenceTimeoutSeconds = timeoutSeconds;
        PersistenceNetmask = netmask ?? new Ipv4Address(uint.MaxValue);
    }

    public void ClearPersistence()
    {
        PersistenceTimeoutSeconds = 0;
        PersistenceNetmask = new Ipv4Address(uint.MaxValue);
    }

    public RealServer? FindServer(Ipv4Address address, ushort port) => _serverIndex.GetValueOrDefault((address, port));

    /// <summary>
    /// Whether the server still belongs to this service (the kernel's IP_VS_DEST_F_AVAILABLE): a connection whose
    /// server was removed finds it unavailable, which is what expire_nodest_conn acts on.
    /// </summary>
    public bool IsAvailable(RealServer server) => ReferenceEquals(server.Owner, this);

    /// <summary>`ipvsadm -a`: adds a real server (or revives the removed one with the same address and port).</summary>
    public RealServer AddServer(Ipv4Address address, ushort port, int weight = 1, ForwardingMethod method = ForwardingMethod.Masquerade)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        if (FindServer(address, port) is not null)
        {
            throw new InvalidOperationException($"real server {address}:{port} already exists in {this}");
        }
        var server = _trash.Find(s => s.Address == address && s.Port == port);
        if (server is null)
        {
            server = new RealServer(address, port, weight, method);
        }
        else
        {
            _trash.Remove(server);
            server.Weight = weight;
            server.Method = method;
        }
        // __ip_vs_update_dest (ip_vs_ctl.c) links a new destination with list_add_rcu: at the HEAD of the service's list,
        // so ipvsadm lists the newest first, rr reaches it after the servers already there, sh/dh/mh deal it the first slots.
        _servers.Insert(0, server);
        _serverIndex.Add((address, port), server);
        server.Owner = this;
        Changed();
        return server;
    }

    /// <summary>`ipvsadm -e`: changes a real server's weight (0 = quiescent) and optionally its forwarding method.</summary>
    public RealServer EditServer(Ipv4Address address, ushort port, int weight, ForwardingMethod? method = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        var server = FindServer(address, port) ?? throw new KeyNotFoundException($"no real server {address}:{port} in {this}");
        server.Weight = weight;
        if (method is { } m)
        {
            server.Method = m;
        }
        Changed();
        return server;
    }

    /// <summary>`ipvsadm -d`: removes a real server. Its connections stay in the table, now pointing at an unavailable server.</summary>
    public bool RemoveServer(Ipv4Address address, ushort port)
    {
        var server = FindServer(address, port);
        if (server is null)
        {
            return false;
        }
        _servers.Remove(server);
        _serverIndex.Remove((address, port));
        server.Owner = null;
        _trash.Add(server);
        Changed();
        return true;
    }

    private void Changed()
    {
        if (_scheduler.SeesEveryChange)
        {
            _scheduler.UpdateServers(_servers);
        }
        else
        {
            _schedulerStale = true;
        }
    }

    /// <summary>As ipvsadm names the service in -Ln: "TCP  10.96.0.10:80" or "FWM  1".</summary>
    public override string ToString() => IsFirewallMark
        ? $"FWM  {FirewallMark}"
        : $"{IpvsadmFormatter.ProtocolName(Protocol)}  {Address}:{Port}";
}
