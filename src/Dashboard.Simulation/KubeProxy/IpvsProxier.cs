using System.Globalization;
using System.Text;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using static Dashboard.Simulation.KubeProxy.IptablesProxier;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// kube-proxy v1.35's IPVS proxier: turns Services and EndpointSlices into the iptables-restore input its
/// writeIptablesRules produces. The rules do not grow with the number of services: ipsets hold the per-service
/// addresses, and IPVS (not iptables) does the DNAT. Service ports are taken sorted, as <see cref="IptablesProxier"/>
/// takes them; a real node walks them in Go map order, which only changes the order of KUBE-IPVS-OUT-FILTER rules.
/// </summary>
public static class IpvsProxier
{
    /// <summary>kube-proxy's masquerade bit 14, as `fmt.Sprintf("%#08x", 1&lt;&lt;14)` writes it (the iptables proxier pads to 8 digits).</summary>
    public const string MasqueradeMark = "0x004000";

    /// <summary>
    /// Which set each iptables rule of kube-proxy's ipsetWithIptablesChain tests, in its fixed order. A rule is written
    /// only when its set has entries.
    /// </summary>
    private static readonly (KubeProxyIpSet Set, bool Filter, string From, string Protocol, string Match, string To)[] SetRules =
    [
        (KubeProxyIpSets.LoopBack, false, "KUBE-POSTROUTING", "", "dst,dst,src", "MASQUERADE"),
        (KubeProxyIpSets.LoadBalancer, false, "KUBE-SERVICES", "", "dst,dst", "KUBE-LOAD-BALANCER"),
        (KubeProxyIpSets.LoadBalancerLocal, false, "KUBE-LOAD-BALANCER", "", "dst,dst", "RETURN"),
        (KubeProxyIpSets.NodePortLocalTcp, false, "KUBE-NODE-PORT", "tcp", "dst", "RETURN"),
        (KubeProxyIpSets.NodePortTcp, false, "KUBE-NODE-PORT", "tcp", "dst", "KUBE-MARK-MASQ"),
        (KubeProxyIpSets.NodePortLocalUdp, false, "KUBE-NODE-PORT", "udp", "dst", "RETURN"),
        (KubeProxyIpSets.NodePortUdp, false, "KUBE-NODE-PORT", "udp", "dst", "KUBE-MARK-MASQ"),
        (KubeProxyIpSets.NodePortLocalSctp, false, "KUBE-NODE-PORT", "sctp", "dst,dst", "RETURN"),
        (KubeProxyIpSets.NodePortSctp, false, "KUBE-NODE-PORT", "sctp", "dst,dst", "KUBE-MARK-MASQ"),
        (KubeProxyIpSets.LoadBalancerFirewall, true, "KUBE-PROXY-FIREWALL", "", "dst,dst", "KUBE-SOURCE-RANGES-FIREWALL"),
        (KubeProxyIpSets.LoadBalancerSourceCidr, true, "KUBE-SOURCE-RANGES-FIREWALL", "", "dst,dst,src", "RETURN"),
        (KubeProxyIpSets.LoadBalancerSourceIp, true, "KUBE-SOURCE-RANGES-FIREWALL", "", "dst,dst,src", "RETURN"),
    ];

    /// <summary>The text kube-proxy pipes to `iptables-restore --noflush --counters` on every sync (nat, then filter).</summary>
    public static string SyncRestoreInput(ClusterObjects objects, NodeSettings node) => WriteRestoreInput(IpvsSync.Compute(objects, node), node);

    /// <summary>writeIptablesRules for a computed sync: which rules exist depends on which sets have entries.</summary>
    internal static string WriteRestoreInput(IpvsSync sync, NodeSettings node)
    {
        var natChains = new StringBuilder("*nat\n");
        var natRules = new StringBuilder();
        var filterChains = new StringBuilder("*filter\n");
        var filterRules = new StringBuilder();
        foreach (var chain in (string[])["KUBE-SERVICES", "KUBE-POSTROUTING", "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER", "KUBE-MARK-MASQ"])
        {
            ChainLine(natChains, chain);
        }
        foreach (var chain in (string[])["KUBE-FORWARD", "KUBE-NODE-PORT", "KUBE-PROXY-FIREWALL", "KUBE-SOURCE-RANGES-FIREWALL", "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER"])
        {
            ChainLine(filterChains, chain);
        }

        Write(natRules, "-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN");
        foreach (var (set, filter, from, protocol, match, to) in SetRules)
        {
            if (sync.HasEntries(set))
            {
                Write(filter ? filterRules : natRules, "-A", from, protocol.Length > 0 ? $"-p {protocol}" : "", "-m comment --comment", Quoted(set),
                    "-m set --match-set", set.Name, match, "-j", to);
            }
        }
        if (sync.HasEntries(KubeProxyIpSets.ClusterIp))
        {
            // The ClusterCIDR local-traffic detector (kube-proxy's default): traffic from outside the pods is masqueraded.
            Write(natRules, "-A KUBE-SERVICES -m comment --comment", Quoted(KubeProxyIpSets.ClusterIp), "-m set --match-set", KubeProxyIpSets.ClusterIp.Name,
                "dst,dst ! -s", node.ClusterCidr.ToString(), "-j KUBE-MARK-MASQ");
        }
        if (sync.HasEntries(KubeProxyIpSets.ExternalIp))
        {
            var prefix = ExternalIpPrefix(KubeProxyIpSets.ExternalIp);
            Write(natRules, prefix, "-j KUBE-MARK-MASQ");
            WriteExternalIpAccepts(natRules, prefix);
        }
        if (sync.HasEntries(KubeProxyIpSets.ExternalIpLocal))
        {
            WriteExternalIpAccepts(natRules, ExternalIpPrefix(KubeProxyIpSets.ExternalIpLocal));
        }
        Write(natRules, "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT");
        Write(natRules, "-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ");
        Write(filterRules, "-A KUBE-SOURCE-RANGES-FIREWALL -j DROP");
        foreach (var entry in sync.OutFilter)
        {
            // Issue 119656: the node itself must not reach a VIP whose source ranges leave it out. IPVS answers a VIP on
            // the node before any INPUT rule could apply the ranges, so the rule tests IPVS's own view of the packet.
            var vip = entry.Ip.ToString();
            Write(filterRules, "-A KUBE-IPVS-OUT-FILTER -s", vip, "-m ipvs --vaddr", vip, "--vproto", entry.Protocol.ToName(),
                "--vport", entry.Port.ToString(CultureInfo.InvariantCulture), "-j DROP");
        }
        foreach (var set in (KubeProxyIpSet[])[KubeProxyIpSets.ClusterIp, KubeProxyIpSets.LoadBalancer])
        {
            if (sync.HasEntries(set))
            {
                Write(natRules, "-A KUBE-SERVICES -m set --match-set", set.Name, "dst,dst -j ACCEPT");
            }
        }
        WriteForwardAccepts(filterRules, MasqueradeMark);
        Write(filterRules, "-A KUBE-NODE-PORT -m comment --comment", Quoted(KubeProxyIpSets.HealthCheckNodePort), "-m set --match-set",
            KubeProxyIpSets.HealthCheckNodePort.Name, "dst -j ACCEPT");
        // Issue 72236: a VIP on kube-ipvs0 is a local address, so without this chain every port the node listens on
        // would answer on every ClusterIP.
        foreach (var set in (KubeProxyIpSet[])[KubeProxyIpSets.LoadBalancer, KubeProxyIpSets.ClusterIp, KubeProxyIpSets.ExternalIp, KubeProxyIpSets.ExternalIpLocal])
        {
            Write(filterRules, "-A KUBE-IPVS-FILTER -m set --match-set", set.Name, "dst,dst -j RETURN");
        }
        Write(filterRules, "-A KUBE-IPVS-FILTER -m set --match-set", KubeProxyIpSets.HealthCheckNodePort.Name, "dst -j RETURN");
        Write(filterRules, "-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set", KubeProxyIpSets.IpvsIps.Name, "dst -j REJECT");
        WriteMasqueradeRules(natRules, MasqueradeMark);

        return natChains.Append(natRules).Append("COMMIT\n").Append(filterChains).Append(filterRules).Append("COMMIT\n").ToString();
    }

    /// <summary>kube-proxy's getComment: the set's comment in double quotes, passed through as one word.</summary>
    private static string Quoted(KubeProxyIpSet set) => $"\"{set.Comment}\"";

    private static string ExternalIpPrefix(KubeProxyIpSet set) =>
        $"-A KUBE-SERVICES -m comment --comment {Quoted(set)} -m set --match-set {set.Name} dst,dst";

    /// <summary>
    /// Traffic to an external IP that comes from off the machine (neither through a bridge port nor from a local
    /// process), and traffic to an external IP that is one of the node's own addresses, is accepted as it is.
    /// </summary>
    private static void WriteExternalIpAccepts(StringBuilder natRules, string prefix)
    {
        Write(natRules, prefix, "-m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT");
        Write(natRules, prefix, "-m addrtype --dst-type LOCAL -j ACCEPT");
    }
}

/// <summary>One IPVS virtual server kube-proxy syncs: its address, whether it goes on kube-ipvs0, and its real servers.</summary>
internal sealed record IpvsVirtualServerPlan(ServicePort Port, Ipv4Address Address, ushort VirtualPort, IReadOnlyList<Endpoint> RealServers);

/// <summary>
/// The desired state of one full sync of kube-proxy's IPVS proxier (the loop over service ports in syncProxyRules):
/// the entries of each ipset, the virtual servers with their real servers, the addresses bound to kube-ipvs0, and the
/// load-balancer VIPs the node itself may not reach.
/// </summary>
internal sealed class IpvsSync
{
    private readonly Dictionary<KubeProxyIpSet, HashSet<IpSetEntry>> _entries = KubeProxyIpSets.All.ToDictionary(s => s, _ => new HashSet<IpSetEntry>());
    private readonly SortedSet<Ipv4Address> _bound = [];

    public List<IpvsVirtualServerPlan> VirtualServers { get; } = [];

    /// <summary>(VIP, protocol, port) of each load balancer whose source ranges do not contain the node IP, in service order.</summary>
    public List<IpSetEntry> OutFilter { get; } = [];

    /// <summary>kube-ipvs0's addresses, which are also KUBE-IPVS-IPS's entries; sorted.</summary>
    public IReadOnlyCollection<Ipv4Address> Bound => _bound;

    public bool HasEntries(KubeProxyIpSet set) => _entries[set].Count > 0;

    /// <summary>
    /// A set's entries in the order kube-proxy adds them to a fresh set: sorted as strings (sets.List()), which decides
    /// the order they take inside a hash bucket.
    /// </summary>
    public IEnumerable<IpSetEntry> EntriesOf(KubeProxyIpSet set) =>
        _entries[set].Select(e => (Entry: e, Text: e.Format(set.Type))).OrderBy(e => e.Text, StringComparer.Ordinal).Select(e => e.Entry);

    public static IpvsSync Compute(ClusterObjects objects, NodeSettings node)
    {
        var sync = new IpvsSync();
        foreach (var (port, endpoints) in ServicePorts(objects, node))
        {
            sync.AddServicePort(port, endpoints, node);
        }
        foreach (var address in sync._bound)
        {
            sync.Add(KubeProxyIpSets.IpvsIps, IpSetEntry.ForIp(address));
        }
        return sync;
    }

    private void Add(KubeProxyIpSet set, IpSetEntry entry) => _entries[set].Add(entry);

    private void AddServicePort(ServicePort port, IReadOnlyList<Endpoint> endpoints, NodeSettings node)
    {
        var protocol = port.Protocol;
        // Hairpin: every endpoint on this node, whatever its readiness (kube-proxy does not look at the conditions here).
        foreach (var endpoint in endpoints.Where(e => e.IsLocal))
        {
            Add(KubeProxyIpSets.LoopBack, IpSetEntry.ForIpPortIp(endpoint.Ip, protocol, endpoint.Port, endpoint.Ip));
        }
        var categories = EndpointCategories.Categorize(endpoints, port);
        var internalServers = RealServers(categories, port.InternalPolicyLocal);
        var externalServers = RealServers(categories, port.ExternalPolicyLocal);

        Add(KubeProxyIpSets.ClusterIp, IpSetEntry.ForIpPort(port.ClusterIp, protocol, port.Port));
        VirtualServer(port, port.ClusterIp, port.Port, bind: true, internalServers);

        foreach (var externalIp in port.ExternalIps)
        {
            Add(port.ExternalPolicyLocal ? KubeProxyIpSets.ExternalIpLocal : KubeProxyIpSets.ExternalIp, IpSetEntry.ForIpPort(externalIp, protocol, port.Port));
            VirtualServer(port, externalIp, port.Port, bind: externalIp != node.Ip, externalServers);
        }

        foreach (var vip in port.LoadBalancerVips)
        {
            var entry = IpSetEntry.ForIpPort(vip, protocol, port.Port);
            Add(KubeProxyIpSets.LoadBalancer, entry);
            if (port.ExternalPolicyLocal)
            {
                Add(KubeProxyIpSets.LoadBalancerLocal, entry);
            }
            if (port.LoadBalancerSourceRanges.Count > 0)
            {
                Add(KubeProxyIpSets.LoadBalancerFirewall, entry);
                foreach (var range in port.LoadBalancerSourceRanges)
                {
                    Add(KubeProxyIpSets.LoadBalancerSourceCidr, IpSetEntry.ForIpPortNet(vip, protocol, port.Port, range));
                }
                // Only the node's primary IP counts here, not every address it has.
                if (port.LoadBalancerSourceRanges.Any(r => r.Contains(node.Ip)))
                {
                    Add(KubeProxyIpSets.LoadBalancerSourceIp, IpSetEntry.ForIpPortIp(vip, protocol, port.Port, vip));
                }
                else
                {
                    OutFilter.Add(entry);
                }
            }
            VirtualServer(port, vip, port.Port, bind: vip != node.Ip, externalServers);
        }

        if (port.NodePort != 0)
        {
            var (set, localSet, entry) = protocol switch
            {
                IpProtocol.Tcp => (KubeProxyIpSets.NodePortTcp, KubeProxyIpSets.NodePortLocalTcp, IpSetEntry.ForPort(port.NodePort)),
                IpProtocol.Udp => (KubeProxyIpSets.NodePortUdp, KubeProxyIpSets.NodePortLocalUdp, IpSetEntry.ForPort(port.NodePort)),
                // bitmap:port cannot tell SCTP from TCP, so SCTP gets one hash:ip,port entry per node IP.
                _ => (KubeProxyIpSets.NodePortSctp, KubeProxyIpSets.NodePortLocalSctp, IpSetEntry.ForIpPort(node.Ip, protocol, port.NodePort)),
            };
            Add(set, entry);
            if (port.ExternalPolicyLocal)
            {
                Add(localSet, entry);
            }
            // kube-proxy makes a NodePort virtual server on every address of the node except kube-ipvs0's (docker0's
            // too, for instance); the simulated node has exactly one address, NodeSettings.Ip, so there is one here.
            VirtualServer(port, node.Ip, port.NodePort, bind: false, externalServers);
        }
        if (port.HealthCheckNodePort != 0)
        {
            Add(KubeProxyIpSets.HealthCheckNodePort, IpSetEntry.ForPort(port.HealthCheckNodePort));
        }
    }

    private void VirtualServer(ServicePort port, Ipv4Address address, ushort virtualPort, bool bind, IReadOnlyList<Endpoint> realServers)
    {
        VirtualServers.Add(new IpvsVirtualServerPlan(port, address, virtualPort, realServers));
        if (bind)
        {
            _bound.Add(address);
        }
    }

    /// <summary>
    /// syncEndpoint's choice of real servers. With a Local policy and no local endpoint, kube-proxy does NOT leave the
    /// virtual server empty: it falls back to the cluster endpoints (pkg/proxy/ipvs/proxier.go syncEndpoint, "Allow
    /// access from local PODs even if no local endpoints exist", PR 97081), so pods on this node can still reach the
    /// service; external clients' replies then carry a pod address and are lost. A ClusterIP service with
    /// internalTrafficPolicy Local has no cluster endpoints at all, so its virtual server does stay empty.
    /// </summary>
    private static IReadOnlyList<Endpoint> RealServers(EndpointCategories categories, bool onlyNodeLocal) =>
        onlyNodeLocal && categories.Local.Count > 0 ? categories.Local : categories.Cluster;
}
