using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Hashing;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>What a connection-table lookup found.</summary>
public enum ConnectionLookupOutcome
{
    Miss,
    Hit,

    /// <summary>
    /// The entry was expired and the packet is a new connection's to schedule afresh (ip_vs_in): its server was removed
    /// or is quiescent (expire_nodest_conn=1), or a SYN reuses the ports of a TIME_WAIT or CLOSE entry
    /// (conn_reuse_mode=1); its conntrack entry is not yet confirmed, so nothing ties the packet to the old flow.
    /// </summary>
    Rescheduled,

    /// <summary>As <see cref="Rescheduled"/>, but the packet's conntrack entry is confirmed (the old flow): expired and dropped.</summary>
    ExpiredAndDropped,

    /// <summary>The entry's real server was removed and expire_nodest_conn is off: the kernel drops the packet.</summary>
    DestinationUnavailable,
}

/// <summary>Why ip_vs_in expired the entry a packet found.</summary>
public enum ConnectionReuse
{
    None,

    /// <summary>The entry's real server was removed (not IP_VS_DEST_F_AVAILABLE), with expire_nodest_conn=1.</summary>
    ServerGone,

    /// <summary>A new connection's packet, and the entry's real server has weight 0, with expire_nodest_conn=1.</summary>
    ServerQuiescent,

    /// <summary>A SYN on the ports of an entry in TIME_WAIT or CLOSE, with conn_reuse_mode=1 (is_new_conn_expected).</summary>
    PortReuse,
}

/// <summary>A connection-table lookup: the outcome, the bucket, how long its chain was and how many entries were compared.</summary>
public readonly record struct ConnectionLookup(IpvsConnection? Connection, ConnectionLookupOutcome Outcome, int Bucket, int ChainLength, int Compared,
    ConnectionReuse Why = ConnectionReuse.None)
{
    public bool Found => Outcome == ConnectionLookupOutcome.Hit;
}

/// <summary>How persistence decided the server for a new connection.</summary>
public enum PersistenceOutcome
{
    NotPersistent,
    TemplateCreated,
    TemplateHit,

    /// <summary>A template was found but its server is gone (or quiescent with expire_quiescent_template): a new one was made.</summary>
    TemplateInvalidated,
}

/// <summary>
/// The result of scheduling a connection's first packet: the new entry (null when no server could take it, and the
/// kernel drops the packet), the scheduler's decision, and the persistence template involved, if any.
/// </summary>
public sealed record ScheduleResult(
    IpvsConnection? Connection,
    SchedulerDecision? Decision,
    IpvsConnection? Template,
    PersistenceOutcome Persistence,
    int Bucket,
    int ChainLength)
{
    public bool Scheduled => Connection is not null;
}

/// <summary>
/// IPVS's connection table (ip_vs_conn.c): 2^conn_tab_bits buckets (4,096 by default) hashed on the client side
/// (protocol, client address, client port), each a chain with the newest entry first. Entries expire on the virtual
/// clock; the TCP state machine (ip_vs_proto_tcp.c) moves them between states and between ActiveConn and InActConn.
/// </summary>
public sealed class ConnectionTable
{
    public const int DefaultTableBits = 12;
    public const int MinTableBits = 8;
    public const int MaxTableBits = 20;

    /// <summary>Stand-in for ip_vs_conn_rnd, which the kernel fills with get_random_bytes when the module loads.</summary>
    public const uint DefaultRandom = 0x2F9A5B13;


    // The kernel's tcp_states (not tcp_states_dos): [direction block + flag row][current state] = next state.
    // Rows per block: syn, fin, ack, rst. Blocks: INPUT, OUTPUT, INPUT-ONLY. Columns: NONE, ES, SS, SR, FW, TW, CL, CW, LA, LI, SA.
    private static readonly IpvsState[][] TcpStates = BuildTcpStates();

    private readonly List<IpvsConnection>[] _buckets;
    private readonly PriorityQueue<IpvsConnection, (TimeSpan At, long Sequence)> _timers = new();
    private long _timerSequence;

    public ConnectionTable(IpvsTimeouts? timeouts = null, int tableBits = DefaultTableBits, uint random = DefaultRandom, uint netnsSalt = ServiceTable.DefaultNetnsSalt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tableBits, MinTableBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tableBits, MaxTableBits);
        Timeouts = timeouts ?? new IpvsTimeouts();
        Size = 1 << tableBits;
        Random = random;
        NetnsSalt = netnsSalt;
        _buckets = new List<IpvsConnection>[Size];
        for (var i = 0; i < Size; i++)
        {
            _buckets[i] = [];
        }
    }

    public IpvsTimeouts Timeouts { get; }

    /// <summary>Number of buckets: what `ipvsadm -Ln` prints as size=.</summary>
    public int Size { get; }

    public uint Random { get; }
    public uint NetnsSalt { get; }

    /// <summary>Entries in the table, templates included.</summary>
    public int Count { get; private set; }

    /// <summary>net.ipv4.vs.expire_nodest_conn (kernel default 0; kube-proxy sets 1).</summary>
    public bool ExpireNodestConn { get; set; }

    /// <summary>net.ipv4.vs.expire_quiescent_template (kernel default 0; kube-proxy sets 1).</summary>
    public bool ExpireQuiescentTemplate { get; set; }

    /// <summary>The sysctls as kube-proxy's IPVS mode sets them.</summary>
    public static ConnectionTable KubeProxyNode(IpvsTimeouts? timeouts = null, int tableBits = DefaultTableBits) =>
        new(timeouts, tableBits) { ExpireNodestConn = true, ExpireQuiescentTemplate = true, Conntrack = true };

    /// <summary>
    /// net.ipv4.vs.conntrack: new connections get IP_VS_CONN_F_NFCT, so when one expires its conntrack entry is
    /// deleted with it (ip_vs_conn_expire calls ip_vs_conn_drop_conntrack, which <see cref="ConntrackDropped"/> does here).
    /// </summary>
    public bool Conntrack { get; set; }

    /// <summary>net.ipv4.vs.conn_reuse_mode: 1, the kernel's default, which kube-proxy leaves alone on kernels 5.9 and later.</summary>
    public int ConnReuseMode { get; set; } = 1;

    /// <summary>Deletes the conntrack entry of an expiring connection that tracks one (ip_vs_conn_drop_conntrack).</summary>
    public Action<IpvsConnection>? ConntrackDropped { get; set; }

    /// <summary>
    /// ip_vs_conn_hashkey: (jhash_3words(addr, port, proto, rnd) ^ ((size_t)ipvs >> 8)) &amp; mask. The address and port
    /// go in as the raw network-order words, read as an x86 (little-endian) kernel reads them.
    /// </summary>
    public int BucketOf(IpProtocol protocol, Ipv4Address clientAddress, ushort clientPort)
    {
        var a = BinaryPrimitives.ReverseEndianness(clientAddress.Value);
        var b = (uint)BinaryPrimitives.ReverseEndianness(clientPort);
        return (int)((Jhash3Words(a, b, (uint)protocol, Random) ^ NetnsSalt) & (uint)(Size - 1));
    }

    public int ChainLength(int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, Size);
        return _buckets[bucket].Count;
    }

    /// <summary>Every entry in the order /proc/net/ip_vs_conn (and so `ipvsadm -Lnc`) lists them: by bucket, newest first within one.</summary>
    public IEnumerable<IpvsConnection> Entries
    {
        get
        {
            foreach (var chain in _buckets)
            {
                foreach (var entry in chain)
                {
                    yield return entry;
                }
            }
        }
    }

    /// <summary>
    /// ip_vs_conn_in_get for a client-to-virtual packet, then ip_vs_in's checks (net/netfilter/ipvs/ip_vs_core.c). A new
    /// connection's packet (<paramref name="newConnection"/>: a SYN, or any UDP packet) expires the entry it finds when
    /// the entry's server has weight 0 and expire_nodest_conn=1, or when it is a TCP entry in TIME_WAIT or CLOSE and
    /// conn_reuse_mode=1. Any packet expires an entry whose server was removed, with expire_nodest_conn=1 (with it off,
    /// the packet is dropped). An expired entry's packet is scheduled afresh, unless its conntrack entry is already
    /// confirmed (<paramref name="conntrackConfirmed"/>, ip_vs_conn_uses_old_conntrack): that one is dropped, and the
    /// entry takes its conntrack entry with it, so the client's retry starts clean.
    /// </summary>
    public ConnectionLookup LookupIn(ConnectionTuple clientToVirtual, TimeSpan now, bool newConnection = false, bool conntrackConfirmed = false)
    {
        Advance(now);
        var bucket = BucketOf(clientToVirtual.Protocol, clientToVirtual.Source, clientToVirtual.SourcePort);
        var chain = _buckets[bucket];
        var chainLength = chain.Count;
        var compared = 0;
        foreach (var entry in chain)
        {
            compared++;
            if (!IsClientSide(entry, clientToVirtual))
            {
                continue;
            }
            var why = ConnectionReuse.None;
            if (newConnection && ExpireNodestConn && entry.Server.Weight == 0)
            {
                why = ConnectionReuse.ServerQuiescent;
            }
            else if (newConnection && ConnReuseMode != 0 && IsNewConnectionExpected(entry) &&
                (entry.ControlledCount == 0 || !conntrackConfirmed))
            {
                why = ConnectionReuse.PortReuse;
            }
            else if (entry.Service is { } service && !service.IsAvailable(entry.Server))
            {
                if (!ExpireNodestConn)
                {
                    return new ConnectionLookup(entry, ConnectionLookupOutcome.DestinationUnavailable, bucket, chainLength, compared);
                }
                why = ConnectionReuse.ServerGone;
            }
            if (why == ConnectionReuse.None)
            {
                return new ConnectionLookup(entry, ConnectionLookupOutcome.Hit, bucket, chainLength, compared);
            }
            if (!conntrackConfirmed)
            {
                entry.TracksConntrack = false; // the packet's conntrack entry is new: expiring the old connection must not take it
            }
            if (entry.ControlledCount == 0)
            {
                Expire(entry, now);
            }
            return new ConnectionLookup(entry, conntrackConfirmed ? ConnectionLookupOutcome.ExpiredAndDropped : ConnectionLookupOutcome.Rescheduled,
                bucket, chainLength, compared, why);
        }
        return new ConnectionLookup(null, ConnectionLookupOutcome.Miss, bucket, chainLength, compared);
    }

    /// <summary>is_new_conn_expected: a TCP entry in TIME_WAIT or CLOSE that controls no other (conn_reuse_mode bit 1).</summary>
    private static bool IsNewConnectionExpected(IpvsConnection entry) =>
        entry.Controller is null && entry.Protocol == IpProtocol.Tcp &&
        entry.State is IpvsState.TimeWait or IpvsState.Close;

    /// <summary>
    /// ip_vs_expire_nodest_conn_flush, which ip_vs_del_dest queues (kernels 5.9 and later) to run a jiffy after a real
    /// server is deleted (here, at the same virtual instant): every connection of a server that is no longer
    /// available leaves the table now, with its conntrack entry, unless it still controls others; a template left
    /// controlling none goes too. Returns how many left.
    /// </summary>
    public int FlushUnavailable(TimeSpan now)
    {
        Advance(now);
        var flushed = 0;
        foreach (var entry in _buckets.SelectMany(chain => chain).ToList())
        {
            if (entry.IsExpired || entry.Service is not { } service || service.IsAvailable(entry.Server) || entry.ControlledCount > 0)
            {
                continue;
            }
            var controller = entry.Controller;
            if (Expire(entry, now))
            {
                flushed++;
            }
            if (controller is { ControlledCount: 0, IsExpired: false } && Expire(controller, now))
            {
                flushed++;
            }
        }
        return flushed;
    }

    /// <summary>
    /// The entry for a client-side tuple, without ip_vs_in's side effects: for the simulator to recognise a DR or TUN
    /// real server's direct reply, which the kernel never sees.
    /// </summary>
    public IpvsConnection? Find(ConnectionTuple clientToVirtual, TimeSpan now)
    {
        Advance(now);
        foreach (var entry in _buckets[BucketOf(clientToVirtual.Protocol, clientToVirtual.Source, clientToVirtual.SourcePort)])
        {
            if (IsClientSide(entry, clientToVirtual))
            {
                return entry;
            }
        }
        return null;
    }

    private static bool IsClientSide(IpvsConnection entry, ConnectionTuple clientToVirtual) =>
        !entry.IsTemplate &&
        entry.ClientPort == clientToVirtual.SourcePort && entry.VirtualPort == clientToVirtual.DestinationPort &&
        entry.ClientAddress == clientToVirtual.Source && entry.VirtualAddress == clientToVirtual.Destination &&
        entry.Protocol == clientToVirtual.Protocol;

    /// <summary>
    /// ip_vs_conn_out_get for a reply from a real server to a client (NAT): it hashes the packet's destination (the
    /// client), so it lands in the same bucket as the request.
    /// </summary>
    public ConnectionLookup LookupOut(ConnectionTuple serverToClient, TimeSpan now)
    {
        Advance(now);
        var bucket = BucketOf(serverToClient.Protocol, serverToClient.Destination, serverToClient.DestinationPort);
        var chain = _buckets[bucket];
        var compared = 0;
        foreach (var entry in chain)
        {
            compared++;
            if (!entry.IsTemplate &&
                entry.ClientPort == serverToClient.DestinationPort && entry.DestinationPort == serverToClient.SourcePort &&
                entry.ClientAddress == serverToClient.Destination && entry.DestinationAddress == serverToClient.Source &&
                entry.Protocol == serverToClient.Protocol)
            {
                return new ConnectionLookup(entry, ConnectionLookupOutcome.Hit, bucket, chain.Count, compared);
            }
        }
        return new ConnectionLookup(null, ConnectionLookupOutcome.Miss, bucket, chain.Count, compared);
    }

    /// <summary>
    /// ip_vs_ct_in_get: the persistence template for a client network. <paramref name="virtualAddress"/> is the
    /// service address (or the mark, as an address, with protocol 0 for a firewall-mark service).
    /// </summary>
    public IpvsConnection? FindTemplate(IpProtocol protocol, Ipv4Address clientNetwork, Ipv4Address virtualAddress, ushort virtualPort, TimeSpan now)
    {
        Advance(now);
        foreach (var e in _buckets[BucketOf(protocol, clientNetwork, 0)])
        {
            if (e.IsTemplate && e.ClientAddress == clientNetwork && e.VirtualAddress == virtualAddress &&
                e.VirtualPort == virtualPort && e.ClientPort == 0 && e.Protocol == protocol)
            {
                return e;
            }
        }
        return null;
    }

    /// <summary>
    /// ip_vs_schedule (with ip_vs_sched_persist for a persistent service): picks a real server for a connection's first
    /// packet and inserts the new entry. The caller then feeds that packet to <see cref="Process"/>.
    /// </summary>
    public ScheduleResult Schedule(VirtualService service, ConnectionTuple clientToVirtual, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(service);
        Advance(now);
        IpvsConnection? template = null;
        var persistence = PersistenceOutcome.NotPersistent;
        SchedulerDecision? decision;
        if (service.IsPersistent)
        {
            var (protocol, network, vaddr, vport) = TemplateKey(service, clientToVirtual);
            template = FindTemplate(protocol, network, vaddr, vport, now);
            if (template is not null && !CheckTemplate(template))
            {
                template = null;
                persistence = PersistenceOutcome.TemplateInvalidated;
            }
            if (template is null)
            {
                decision = service.Scheduler.Schedule(service.Servers, clientToVirtual);
                if (decision is null)
                {
                    return NotScheduled(clientToVirtual, persistence);
                }
                // A port-specific service pins to the server's port; port-zero and fwmark templates carry port 0.
                var templatePort = !service.IsFirewallMark && service.Port != 0 ? decision.Server.Port : (ushort)0;
                template = new IpvsConnection(protocol, network, 0, vaddr, vport, decision.Server, templatePort, service, isTemplate: true)
                {
                    Timeout = TimeSpan.FromSeconds(service.PersistenceTimeoutSeconds),
                };
                Insert(template, now);
                if (persistence == PersistenceOutcome.NotPersistent)
                {
                    persistence = PersistenceOutcome.TemplateCreated;
                }
            }
            else
            {
                persistence = PersistenceOutcome.TemplateHit;
                decision = new SchedulerDecision(template.Server,
                    new Explanation(ExplanationCode.Persistence, network, template.Server, service.PersistenceTimeoutSeconds));
            }
        }
        else
        {
            decision = service.Scheduler.Schedule(service.Servers, clientToVirtual);
            if (decision is null)
            {
                return NotScheduled(clientToVirtual, persistence);
            }
        }

        var connection = Create(service, decision.Server, clientToVirtual, now);
        if (template is not null)
        {
            // ip_vs_control_add, then ip_vs_conn_put(ct): each new connection re-arms the template's timer.
            connection.Controller = template;
            template.ControlledCount++;
            Rearm(template, now);
        }
        decision.Server.Connections++;
        service.Connections++;
        return new ScheduleResult(connection, decision, template, persistence, connection.Bucket, _buckets[connection.Bucket].Count);
    }

    /// <summary>
    /// ip_vs_conn_new: inserts an entry for a client-side tuple bound to <paramref name="server"/>. It starts in NONE
    /// (UDP: UDP), inactive, with the 3 s timeout the kernel gives an entry before its first state transition.
    /// </summary>
    public IpvsConnection Create(VirtualService? service, RealServer server, ConnectionTuple clientToVirtual, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (clientToVirtual.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
        {
            throw new NotSupportedException($"IPVS connection state for {clientToVirtual.Protocol.ToName()} is not modelled (TCP and UDP are)");
        }
        Advance(now);
        // A real server on port 0 (fwmark or port-zero services) keeps the port the client asked for.
        var destinationPort = server.Port != 0 ? server.Port : clientToVirtual.DestinationPort;
        var connection = new IpvsConnection(clientToVirtual.Protocol, clientToVirtual.Source, clientToVirtual.SourcePort,
            clientToVirtual.Destination, clientToVirtual.DestinationPort, server, destinationPort, service, isTemplate: false)
        {
            Timeout = IpvsTimeouts.NewConnection,
            TracksConntrack = Conntrack,
        };
        server.InactiveConnections++;
        Insert(connection, now);
        return connection;
    }

    /// <summary>
    /// A packet of an existing connection: counts it, runs the protocol's state transition (for TCP, the kernel's
    /// tcp_states table in the packet's direction, or the input-only table for DR/TUN) and re-arms the timer.
    /// </summary>
    public void Process(IpvsConnection connection, IpvsDirection direction, TcpFlags flags, int bytes, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Advance(now);
        if (connection.IsExpired)
        {
            throw new InvalidOperationException($"connection {connection} has expired");
        }
        if (connection.IsTemplate)
        {
            throw new InvalidOperationException("a persistence template carries no packets");
        }
        CountPacket(connection, direction, bytes);
        if (connection.Protocol == IpProtocol.Tcp)
        {
            SetTcpState(connection, direction, flags);
        }
        else
        {
            connection.State = IpvsState.Udp;
            connection.Timeout = Timeouts.Udp;
        }
        Rearm(connection, now);
    }

    /// <summary>Runs every timer due at or before <paramref name="now"/>. Returns how many entries left the table.</summary>
    public int Advance(TimeSpan now)
    {
        var removed = 0;
        while (_timers.TryPeek(out var entry, out var due) && due.At <= now)
        {
            _timers.Dequeue();
            if (entry.IsExpired || due.At != entry.QueuedAt)
            {
                continue;
            }
            entry.QueuedAt = TimeSpan.MaxValue;
            if (entry.ExpiresAt > due.At)
            {
                Arm(entry);
                continue;
            }
            if (Expire(entry, due.At))
            {
                removed++;
            }
        }
        return removed;
    }

    private static (IpProtocol Protocol, Ipv4Address Network, Ipv4Address VirtualAddress, ushort VirtualPort) TemplateKey(
        VirtualService service, ConnectionTuple clientToVirtual)
    {
        var network = new Ipv4Address(clientToVirtual.Source.Value & service.PersistenceNetmask.Value);
        if (service.IsFirewallMark)
        {
            // <IPPROTO_IP, caddr, 0, fwmark, 0, daddr, 0>: the mark stands where the virtual address would.
            return (0, network, new Ipv4Address(service.FirewallMark), 0);
        }
        return (service.Protocol, network, clientToVirtual.Destination, service.Port == 0 ? (ushort)0 : clientToVirtual.DestinationPort);
    }

    /// <summary>
    /// ip_vs_check_template: a template whose server is gone (or quiescent, with expire_quiescent_template) is
    /// invalidated: rehashed with ports 0xffff so no lookup finds it, and left to its timer.
    /// </summary>
    private bool CheckTemplate(IpvsConnection template)
    {
        var unavailable = template.Service is { } service && !service.IsAvailable(template.Server);
        if (!unavailable && !(ExpireQuiescentTemplate && template.Server.Weight == 0))
        {
            return true;
        }
        if (template.VirtualPort != 0xFFFF)
        {
            var chain = _buckets[template.Bucket];
            chain.Remove(template);
            template.DestinationPort = 0xFFFF;
            template.VirtualPort = 0xFFFF;
            template.ClientPort = 0;
            chain.Insert(0, template);
        }
        return false;
    }

    private ScheduleResult NotScheduled(ConnectionTuple clientToVirtual, PersistenceOutcome persistence)
    {
        var bucket = BucketOf(clientToVirtual.Protocol, clientToVirtual.Source, clientToVirtual.SourcePort);
        return new ScheduleResult(null, null, null, persistence, bucket, _buckets[bucket].Count);
    }

    private void Insert(IpvsConnection connection, TimeSpan now)
    {
        connection.Bucket = BucketOf(connection.Protocol, connection.ClientAddress, connection.ClientPort);
        _buckets[connection.Bucket].Insert(0, connection);
        Count++;
        Rearm(connection, now);
    }

    private void Rearm(IpvsConnection connection, TimeSpan now)
    {
        connection.ExpiresAt = now + connection.Timeout;
        Arm(connection);
    }

    private void Arm(IpvsConnection connection)
    {
        // Only an earlier expiry needs a new queue entry; a later one is found when the earlier entry pops.
        if (connection.ExpiresAt < connection.QueuedAt)
        {
            connection.QueuedAt = connection.ExpiresAt;
            _timers.Enqueue(connection, (connection.ExpiresAt, _timerSequence++));
        }
    }

    /// <summary>ip_vs_conn_expire: an entry that still controls connections is re-armed for 60 s; otherwise it leaves.</summary>
    private bool Expire(IpvsConnection connection, TimeSpan now)
    {
        if (connection.ControlledCount > 0)
        {
            connection.Timeout = IpvsTimeouts.ControlledRetry;
            Rearm(connection, now);
            return false;
        }
        _buckets[connection.Bucket].Remove(connection);
        Count--;
        connection.IsExpired = true;
        connection.QueuedAt = TimeSpan.MaxValue;
        // ip_vs_unbind_dest: templates are not in ActiveConn/InActConn.
        if (!connection.IsTemplate)
        {
            if (connection.IsInactive)
            {
                connection.Server.InactiveConnections--;
            }
            else
            {
                connection.Server.ActiveConnections--;
            }
        }
        if (connection.Controller is { } controller)
        {
            controller.ControlledCount--;
            connection.Controller = null;
        }
        if (connection.TracksConntrack)
        {
            ConntrackDropped?.Invoke(connection);
        }
        return true;
    }

    private static void CountPacket(IpvsConnection connection, IpvsDirection direction, int bytes)
    {
        var server = connection.Server;
        var service = connection.Service;
        if (direction == IpvsDirection.Input)
        {
            server.InPackets++;
            server.InBytes += bytes;
            if (service is not null)
            {
                service.InPackets++;
                service.InBytes += bytes;
            }
        }
        else
        {
            server.OutPackets++;
            server.OutBytes += bytes;
            if (service is not null)
            {
                service.OutPackets++;
                service.OutBytes += bytes;
            }
        }
    }

    /// <summary>set_tcp_state: the flag row (rst, then syn, then fin, then ack wins) and direction block pick the next state.</summary>
    private void SetTcpState(IpvsConnection connection, IpvsDirection direction, TcpFlags flags)
    {
        var block = direction == IpvsDirection.Input ? 0 : 4;
        if (connection.NoOutput)
        {
            // A reply seen after all means the director is on the return path: switch to the two-way tables.
            if (direction == IpvsDirection.Output)
            {
                connection.NoOutput = false;
            }
            else
            {
                block = 8;
            }
        }
        int row;
        if (flags.HasFlag(TcpFlags.Rst))
        {
            row = 3;
        }
        else if (flags.HasFlag(TcpFlags.Syn))
        {
            row = 0;
        }
        else if (flags.HasFlag(TcpFlags.Fin))
        {
            row = 1;
        }
        else if (flags.HasFlag(TcpFlags.Ack))
        {
            row = 2;
        }
        else
        {
            row = -1;
        }
        // A segment with none of the four flags sends the kernel to CLOSE.
        var next = row < 0 ? IpvsState.Close : TcpStates[block + row][(int)connection.State];
        if (next != connection.State)
        {
            var server = connection.Server;
            if (!connection.IsInactive && next != IpvsState.Established)
            {
                server.ActiveConnections--;
                server.InactiveConnections++;
                connection.IsInactive = true;
            }
            else if (connection.IsInactive && next == IpvsState.Established)
            {
                server.ActiveConnections++;
                server.InactiveConnections--;
                connection.IsInactive = false;
            }
        }
        connection.State = next;
        connection.Timeout = Timeouts.For(next);
    }

    private static IpvsState[][] BuildTcpStates()
    {
        const IpvsState sES = IpvsState.Established, sSS = IpvsState.SynSent, sSR = IpvsState.SynRecv,
            sFW = IpvsState.FinWait, sTW = IpvsState.TimeWait, sCL = IpvsState.Close, sCW = IpvsState.CloseWait,
            sLA = IpvsState.LastAck, sLI = IpvsState.Listen;
        // NONE and SYNACK are columns (states an entry can be in) that no row of tcp_states leads to.
        return
        [
            // INPUT                 NONE ES   SS   SR   FW   TW   CL   CW   LA   LI   SA
            /* syn */ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
            /* fin */ [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
            /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
            /* rst */ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
            // OUTPUT
            /* syn */ [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
            /* fin */ [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
            /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
            /* rst */ [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
            // INPUT-ONLY (DR and TUN: the director never sees the server's packets)
            /* syn */ [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
            /* fin */ [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
            /* ack */ [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
            /* rst */ [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
        ];
    }

    /// <summary>The kernel's jhash_3words: jhash2 over the three words.</summary>
    internal static uint Jhash3Words(uint a, uint b, uint c, uint initval) => JenkinsHash.Hash([a, b, c], initval);
}
