using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// The node's IPVS (the director in LVS terms): its service table, its connection table and the node address it
/// sends from. The dataplane calls it where the kernel's IPVS hooks sit: LOCAL_IN for requests (after filter INPUT)
/// and FORWARD for NAT replies.
/// </summary>
public sealed class IpvsDirector(ServiceTable services, ConnectionTable connections, Ipv4Address nodeAddress)
{
    public ServiceTable Services { get; } = services;
    public ConnectionTable Connections { get; } = connections;
    public Ipv4Address NodeAddress { get; } = nodeAddress;

    /// <summary>Real servers kube-proxy set to weight 0 instead of deleting them (graceful_termination.go's rsList).</summary>
    private readonly List<(VirtualService Service, RealServer Server)> _gracefulDeletes = [];

    /// <summary>kube-proxy's rsCheckDeleteInterval: how often the graceful-termination loop retries its deletions.</summary>
    public static readonly TimeSpan GracefulDeleteCheckInterval = TimeSpan.FromMinutes(1);

    /// <summary>The graceful-termination loop's last tick: it ticks every minute from kube-proxy's start (virtual time 0).</summary>
    private TimeSpan _lastGracefulTick;

    /// <summary>
    /// kube-proxy's IPVS sync against the kernel's current state: virtual services no longer wanted are deleted with
    /// their real servers; wanted ones are added; a real server that disappeared is deleted at once when its service
    /// is UDP or it has no connections, and otherwise set to weight 0 (graceful termination) so its connections finish
    /// while it takes no new ones; one that came back while weight 0 is deleted and added again with weight 1.
    /// Returns what changed.
    /// </summary>
    public IReadOnlyList<Explanation> Sync(ServiceTable desired, TimeSpan now)
    {
        var changes = new List<Explanation>();
        var deleted = false;
        RetryGracefulDeletes(now, changes);
        foreach (var service in Services.Services.ToList())
        {
            if (!desired.Lookup(service.Protocol, service.Address, service.Port).Found)
            {
                foreach (var server in service.Servers.ToList())
                {
                    deleted |= service.RemoveServer(server.Address, server.Port);
                }
                _gracefulDeletes.RemoveAll(g => g.Service == service);
                Services.Remove(service);
                changes.Add(new Explanation(ExplanationCode.VirtualServiceDeleted, service));
            }
        }
        foreach (var wanted in desired.Services)
        {
            if (Services.Lookup(wanted.Protocol, wanted.Address, wanted.Port).Service is not { } current)
            {
                var added = new VirtualService(wanted.Protocol, wanted.Address, wanted.Port, wanted.Scheduler);
                if (wanted.IsPersistent)
                {
                    added.SetPersistence(wanted.PersistenceTimeoutSeconds);
                }
                foreach (var server in wanted.Servers.Reverse())
                {
                    added.AddServer(server.Address, server.Port, server.Weight, server.Method);
                }
                Services.Add(added);
                changes.Add(new Explanation(ExplanationCode.VirtualServiceAdded, added, added.Servers.Count));
                continue;
            }
            // The desired service was built by adding its endpoints in their sorted order, each at the head: walking
            // its list backwards adds this sync's new servers in that same order, so the kernel's list reads alike.
            foreach (var server in wanted.Servers.Reverse())
            {
                var existing = current.FindServer(server.Address, server.Port);
                if (existing is not null && !_gracefulDeletes.Exists(g => g.Server == existing))
                {
                    continue;
                }
                if (existing is not null)
                {
                    // MoveRSOutofGracefulDeleteList: delete, then add again with weight 1.
                    _gracefulDeletes.RemoveAll(g => g.Server == existing);
                    current.RemoveServer(existing.Address, existing.Port);
                }
                current.AddServer(server.Address, server.Port, server.Weight, server.Method);
                changes.Add(new Explanation(ExplanationCode.RealServerAdded, current, server));
            }
            foreach (var server in current.Servers.ToList())
            {
                if (wanted.FindServer(server.Address, server.Port) is not null || _gracefulDeletes.Exists(g => g.Server == server))
                {
                    continue;
                }
                if (current.Protocol != IpProtocol.Tcp || server.ActiveConnections + server.InactiveConnections == 0)
                {
                    deleted |= current.RemoveServer(server.Address, server.Port);
                    changes.Add(new Explanation(current.Protocol != IpProtocol.Tcp ? ExplanationCode.RealServerDeletedUdp : ExplanationCode.RealServerDeletedIdle, current, server));
                }
                else
                {
                    current.EditServer(server.Address, server.Port, weight: 0);
                    _gracefulDeletes.Add((current, server));
                    changes.Add(new Explanation(ExplanationCode.RealServerWeightZero, current, server, server.ActiveConnections, server.InactiveConnections));
                }
            }
        }
        if (deleted)
        {
            FlushUnavailable(now, changes);
        }
        return changes;
    }

    /// <summary>
    /// ip_vs_del_dest queues ip_vs_expire_nodest_conn_flush (kernels 5.9 and later): the connections of the servers
    /// just deleted leave the table, and their conntrack entries with them, a jiffy later (here, at once).
    /// </summary>
    private void FlushUnavailable(TimeSpan now, List<Explanation>? changes)
    {
        var flushed = Connections.FlushUnavailable(now);
        if (flushed > 0)
        {
            changes?.Add(new Explanation(flushed == 1 ? ExplanationCode.ConnectionFlushed : ExplanationCode.ConnectionsFlushed, flushed));
        }
    }

    /// <summary>
    /// The graceful-termination loop (graceful_termination.go: wait.Until(tryDeleteRs, rsCheckDeleteInterval)): on
    /// every minute's tick since kube-proxy started, the weight-0 real servers whose connections have all gone are
    /// deleted. A server drained at 0:45 goes at the 1:00 tick, not a minute after it was set to weight 0.
    /// </summary>
    public void RetryGracefulDeletes(TimeSpan now, List<Explanation>? changes = null)
    {
        for (var tick = _lastGracefulTick + GracefulDeleteCheckInterval; tick <= now; tick += GracefulDeleteCheckInterval)
        {
            _lastGracefulTick = tick;
            if (_gracefulDeletes.Count == 0)
            {
                // Nothing to retry: the next tick that matters is the last one before now.
                _lastGracefulTick = TimeSpan.FromTicks(now.Ticks - (now.Ticks % GracefulDeleteCheckInterval.Ticks));
                break;
            }
            Connections.Advance(tick);
            var deleted = false;
            for (var i = _gracefulDeletes.Count - 1; i >= 0; i--)
            {
                var (service, server) = _gracefulDeletes[i];
                if (server.ActiveConnections + server.InactiveConnections == 0)
                {
                    deleted |= service.RemoveServer(server.Address, server.Port);
                    _gracefulDeletes.RemoveAt(i);
                    changes?.Add(new Explanation(ExplanationCode.RealServerDeletedAtTick, service, server, tick.TotalSeconds));
                }
            }
            if (deleted)
            {
                FlushUnavailable(tick, changes);
            }
        }
    }

    /// <summary>
    /// The IPVS connection a packet answers when it comes from a DR or TUN real server straight to the client (source
    /// = the virtual address). Null for every other packet. The kernel never sees such a packet; the simulator finds
    /// its connection with one connection-table bucket walk (hashed on the client), whatever the number of services.
    /// </summary>
    public IpvsConnection? DirectReplyTo(Packet packet, TimeSpan now)
    {
        if (packet.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
        {
            return null;
        }
        var connection = Connections.Find(
            new ConnectionTuple(packet.Protocol, packet.Destination, packet.DestinationPort, packet.Source, packet.SourcePort), now);
        return connection is { Method: not ForwardingMethod.Masquerade } ? connection : null;
    }

    /// <summary>The only forwarding method kube-proxy uses (masquerading, ipvsadm's -m); DR and TUN are shown for comparison.</summary>
    public const ForwardingMethod KubeProxyMethod = ForwardingMethod.Masquerade;

    /// <summary>ipvsadm's name of a forwarding method as the API writes it: nat, dr, tun.</summary>
    public static string MethodName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.DirectRouting => "dr",
        ForwardingMethod.Tunnel => "tun",
        _ => "nat",
    };

    /// <summary>The API's method names, in <see cref="ForwardingMethod"/> order.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = [.. Enum.GetValues<ForwardingMethod>().Select(MethodName)];

    public static bool TryParseMethod(string name, out ForwardingMethod method)
    {
        foreach (var candidate in Enum.GetValues<ForwardingMethod>())
        {
            if (MethodName(candidate) == name)
            {
                method = candidate;
                return true;
            }
        }
        method = default;
        return false;
    }

    /// <summary>The MAC a real server answers ARP with: a pod's CNI-derived MAC, or a host's (modelled) NIC MAC.</summary>
    public static string MacOf(Ipv4Address address, Ipv4Prefix clusterCidr) =>
        clusterCidr.Contains(address) ? EthernetHeader.PodMac(address) : EthernetHeader.NodeMac(address);
}
