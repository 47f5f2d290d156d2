using Dashboard.Simulation.Engine;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>A kernel setting kube-proxy makes at start-up, with the reason it needs it.</summary>
public sealed record KubeProxySysctl(string Name, string Value, string Reason);

/// <summary>
/// A node running kube-proxy in IPVS mode after one full sync: its iptables rules, its ipsets, the IPVS virtual servers
/// with their real servers, the addresses on the dummy interface kube-ipvs0, and the sysctls kube-proxy set.
/// </summary>
public sealed class NodeIpvs
{
    /// <summary>
    /// What kube-proxy sets up outside iptables-restore on every sync (createAndLinkKubeChain: `iptables -N` of its
    /// chains, then each jump with EnsureRule(Prepend), i.e. `iptables -I` at position 1), in the order a fresh node then
    /// shows the jumps: being prepended one by one, those of one chain end up in reverse. IPVS mode has no canary chain
    /// and no KUBE-FIREWALL. With nf_tables a base chain exists only once it has a rule, so nat has no INPUT chain.
    /// </summary>
    public const string BuiltinJumps = """
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-NODE-PORT - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        :KUBE-IPVS-FILTER - [0:0]
        :KUBE-IPVS-OUT-FILTER - [0:0]
        -A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER
        -A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
        -A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT
        -A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
        -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
        -A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER
        COMMIT
        *nat
        :PREROUTING ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]

        """ + NodeIptables.NatServicePortalJumps;

    /// <summary>
    /// What NewProxier sets through EnsureSysctl. conn_reuse_mode is left alone: kube-proxy sets it to 0 only on kernels
    /// from 4.1 to before 5.9, and this node's kernel is 6.x (issue 93297). strictARP is off, so arp_ignore and
    /// arp_announce are not touched; the IPVS timeouts are left at the kernel's defaults as well.
    /// </summary>
    private static readonly KubeProxySysctl[] KubeProxySysctls =
    [
        new("net/ipv4/vs/conntrack", "1",
            "IPVS-handled packets keep their conntrack entries, so the KUBE-POSTROUTING masquerade and the KUBE-LOOP-BACK hairpin rules see them"),
        new("net/ipv4/vs/expire_nodest_conn", "1",
            "a connection whose real server was removed is expired on its next packet instead of being dropped until it times out"),
        new("net/ipv4/vs/expire_quiescent_template", "1",
            "ClientIP-affinity templates that point at a weight-0 real server expire, so new connections leave a terminating backend"),
        new("net/ipv4/ip_forward", "1",
            "the node forwards requests to pods and to other nodes"),
    ];

    /// <summary>The node's iptables: <see cref="BuiltinJumps"/>, then the sync restored with --noflush.</summary>
    public Ruleset Ruleset { get; }

    /// <summary>The sync's `iptables-restore --noflush` input, as <see cref="IpvsProxier.SyncRestoreInput"/> writes it.</summary>
    public string SyncRestoreInput { get; }

    /// <summary>kube-proxy's 17 sets with this sync's entries; the lookup the rules' `-m set` matches ask.</summary>
    public IpSetCollection IpSets { get; } = new();

    /// <summary>The virtual servers: one per ClusterIP:port, external IP:port, load-balancer VIP:port and NodePort.</summary>
    public ServiceTable Services { get; } = new();

    /// <summary>The Service port each virtual server was made for.</summary>
    public IReadOnlyDictionary<VirtualService, ServicePort> ServicePortOf { get; }

    /// <summary>The addresses on kube-ipvs0 (every ClusterIP, and external and load-balancer IPs that are not the node's own), sorted.</summary>
    public IReadOnlyList<Ipv4Address> BoundAddresses { get; }

    /// <summary>The kernel settings kube-proxy made at start-up, named by their /proc/sys path as kube-proxy names them.</summary>
    public IReadOnlyList<KubeProxySysctl> Sysctls => KubeProxySysctls;

    /// <summary>
    /// Runs one full sync of kube-proxy's IPVS proxier on a fresh node. <paramref name="scheduler"/> is kube-proxy's
    /// ipvs.scheduler (empty means rr, as in kube-proxy). kube-proxy always forwards by masquerading;
    /// <paramref name="method"/> lets the simulator show LVS's other methods (direct routing, tunnelling) on the same services.
    /// </summary>
    public static NodeIpvs Build(ClusterObjects objects, NodeSettings node, string scheduler = SchedulerCatalog.KubeProxyDefault, ForwardingMethod method = IpvsDirector.KubeProxyMethod,
        IReadOnlyList<int>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(node);
        if (string.IsNullOrEmpty(scheduler))
        {
            scheduler = SchedulerCatalog.KubeProxyDefault;
        }
        // kube-proxy's FlagSourceHash (0x10) is the kernel's IP_VS_SVC_F_SCHED2, which mh reads as mh-port.
        var flags = scheduler == "mh" ? HashingFlags.Port : HashingFlags.None;
        // Checked before anything is built, so an unknown name fails even without services, with the catalog's message.
        _ = SchedulerCatalog.Create(scheduler, flags);

        if (weights is not null && RealServerWeights.Problem(weights) is { } problem)
        {
            throw new ArgumentException("weights: " + problem, nameof(weights));
        }

        return new NodeIpvs(IpvsSync.Compute(objects, node), node, scheduler, flags, method, weights);
    }

    private NodeIpvs(IpvsSync sync, NodeSettings node, string scheduler, HashingFlags flags, ForwardingMethod method, IReadOnlyList<int>? weights)
    {
        SyncRestoreInput = IpvsProxier.WriteRestoreInput(sync, node);
        Ruleset = IptablesRestoreParser.Parse(BuiltinJumps);
        IptablesRestoreParser.ParseInto(SyncRestoreInput, Ruleset);

        KubeProxyIpSets.CreateAll(IpSets);
        foreach (var set in KubeProxyIpSets.All)
        {
            foreach (var entry in sync.EntriesOf(set))
            {
                IpSets[set.Name].Add(entry);
            }
        }

        var servicePortOf = new Dictionary<VirtualService, ServicePort>();
        foreach (var plan in sync.VirtualServers)
        {
            // Two services claiming one VIP:port share one virtual server; kube-proxy's map order decides whose endpoints
            // it ends up with, the first service in sorted order keeps it here.
            if (Services.Lookup(plan.Port.Protocol, plan.Address, plan.VirtualPort).Found)
            {
                continue;
            }
            var service = new VirtualService(plan.Port.Protocol, plan.Address, plan.VirtualPort, SchedulerCatalog.Create(scheduler, flags));
            if (plan.Port.AffinitySeconds is { } seconds)
            {
                service.SetPersistence(seconds);
            }
            // kube-proxy adds real servers in Go set order (random); endpoint order keeps the simulation reproducible.
            // Their weight is kube-proxy's 1 unless the user asked for weights (RealServerWeights).
            var index = 0;
            foreach (var endpoint in plan.RealServers)
            {
                service.AddServer(endpoint.Ip, endpoint.Port, RealServerWeights.Of(weights, index++), method);
            }
            Services.Add(service);
            servicePortOf.Add(service, plan.Port);
        }
        ServicePortOf = servicePortOf;
        BoundAddresses = [.. sync.Bound];
    }

    /// <summary>The node's `iptables-save` (iptables 1.8.9, nf_tables), without the dated comment lines.</summary>
    public string IptablesSave() => IptablesSaveWriter.Write(Ruleset);

    /// <summary>The node's `ipset save`.</summary>
    public string IpsetSave() => IpSetSaveWriter.Write(IpSets);

    /// <summary>The node's `ipvsadm-save -n` (`ipvsadm -Sn`).</summary>
    public string IpvsadmSave() => IpvsadmFormatter.Save(Services);
}
