using System.Globalization;
using System.Text;
using Dashboard.Simulation.Kubernetes;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// kube-proxy v1.35's iptables proxier: turns Services and EndpointSlices into the iptables-restore input its
/// syncProxyRules writes (a full sync). Services are emitted sorted by namespace/name/port, as kube-proxy's own test
/// fixtures are; a real node emits them in Go map order, which changes from sync to sync.
/// </summary>
public static class IptablesProxier
{
    /// <summary>kube-proxy's masquerade bit 14, written the way Go's "%#08x" formats it.</summary>
    public const string MasqueradeMark = "0x00004000";

    /// <summary>Above this many endpoints in total, kube-proxy stops commenting per-endpoint rules.</summary>
    public const int LargeClusterEndpointsThreshold = 1000;

    private const string NodePortsComment = "\"kubernetes service nodeports; NOTE: this must be the last rule in this chain\"";

    /// <summary>The service ports with their endpoints, in emission order.</summary>
    public static IReadOnlyList<(ServicePort Port, IReadOnlyList<Endpoint> Endpoints)> ServicePorts(ClusterObjects objects, NodeSettings node)
    {
        var endpoints = EndpointsMap.Build(objects.EndpointSlices, node.Name);
        return objects.Services
            .SelectMany(ServicePort.FromService)
            .OrderBy(p => p.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.ServiceName, StringComparer.Ordinal)
            .ThenBy(p => p.PortName, StringComparer.Ordinal)
            .ThenBy(p => p.ProtocolName, StringComparer.Ordinal)
            .Select(p => (p, (IReadOnlyList<Endpoint>)(endpoints.GetValueOrDefault((p.Name, p.Protocol)) ?? [])))
            .ToList();
    }

    /// <summary>The text kube-proxy pipes to `iptables-restore --noflush` on a full sync (filter, then nat).</summary>
    public static string SyncRestoreInput(ClusterObjects objects, NodeSettings node)
    {
        var ports = ServicePorts(objects, node);
        var largeCluster = ports.Sum(p => p.Endpoints.Count) > LargeClusterEndpointsThreshold;
        var clusterCidr = node.ClusterCidr.ToString();

        var filterChains = new StringBuilder();
        var filterRules = new StringBuilder();
        var natChains = new StringBuilder();
        var natRules = new StringBuilder();
        foreach (var chain in (string[])["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL", "KUBE-FIREWALL"])
        {
            ChainLine(filterChains, chain);
        }
        foreach (var chain in (string[])["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"])
        {
            ChainLine(natChains, chain);
        }
        WriteMasqueradeRules(natRules, MasqueradeMark);
        // localhostNodePorts (the IPv4 default) makes kube-proxy write kubelet's localnet guard too.
        Write(filterRules, "-A KUBE-FIREWALL -m comment --comment \"block incoming localnet connections\" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP");

        foreach (var (port, endpoints) in ports)
        {
            WriteServicePort(port, endpoints, node, clusterCidr, largeCluster, filterRules, natChains, natRules);
        }

        Write(natRules, "-A KUBE-SERVICES -m comment --comment", NodePortsComment, "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS");
        // nf_conntrack_tcp_be_liberal is 0, and nfacct counters are not modelled.
        Write(filterRules, "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP");
        WriteForwardAccepts(filterRules, MasqueradeMark);

        return new StringBuilder()
            .Append("*filter\n").Append(filterChains).Append(filterRules).Append("COMMIT\n")
            .Append("*nat\n").Append(natChains).Append(natRules).Append("COMMIT\n")
            .ToString();
    }

    private static void WriteServicePort(ServicePort port, IReadOnlyList<Endpoint> endpoints, NodeSettings node, string clusterCidr,
        bool largeCluster, StringBuilder filterRules, StringBuilder natChains, StringBuilder natRules)
    {
        var name = port.Name;
        var p = port.ProtocolName;
        var proto = $"-m {p} -p {p}";
        var dport = port.Port.ToString(CultureInfo.InvariantCulture);
        var categories = EndpointCategories.Categorize(endpoints, port);
        var hasEndpoints = categories.HasAny;

        var svcChain = ChainNames.Service(name, p);
        var svlChain = ChainNames.ServiceLocal(name, p);
        var extChain = ChainNames.External(name, p);
        var fwChain = ChainNames.Firewall(name, p);
        var usesClusterPolicyChain = categories.Cluster.Count > 0 && port.UsesClusterEndpoints;
        var usesLocalPolicyChain = categories.Local.Count > 0 && port.UsesLocalEndpoints;

        var internalPolicyChain = svcChain;
        var hasInternalEndpoints = hasEndpoints;
        if (port.InternalPolicyLocal)
        {
            internalPolicyChain = svlChain;
            hasInternalEndpoints = categories.Local.Count > 0;
        }
        var externalPolicyChain = svcChain;
        var hasExternalEndpoints = hasEndpoints;
        if (port.ExternalPolicyLocal)
        {
            externalPolicyChain = svlChain;
            hasExternalEndpoints = categories.Local.Count > 0;
        }
        var usesExternalTrafficChain = hasEndpoints && port.ExternallyAccessible;
        var usesFwChain = hasEndpoints && port.LoadBalancerVips.Count > 0 && port.LoadBalancerSourceRanges.Count > 0;
        var loadBalancerTrafficChain = usesFwChain ? fwChain : extChain;

        var (internalFilterTarget, internalFilterComment, externalFilterTarget, externalFilterComment) = hasEndpoints
            ? ("DROP", $"\"{name} has no local endpoints\"", "DROP", $"\"{name} has no local endpoints\"")
            : ("REJECT", $"\"{name} has no endpoints\"", "REJECT", $"\"{name} has no endpoints\"");

        // ClusterIP.
        if (hasInternalEndpoints)
        {
            Write(natRules, "-A KUBE-SERVICES -m comment --comment", $"\"{name} cluster IP\"", proto, "-d", port.ClusterIp.ToString(), "--dport", dport, "-j", internalPolicyChain);
        }
        else
        {
            Write(filterRules, "-A KUBE-SERVICES -m comment --comment", internalFilterComment, proto, "-d", port.ClusterIp.ToString(), "--dport", dport, "-j", internalFilterTarget);
        }
        // External IPs.
        foreach (var externalIp in port.ExternalIps)
        {
            if (hasEndpoints)
            {
                Write(natRules, "-A KUBE-SERVICES -m comment --comment", $"\"{name} external IP\"", proto, "-d", externalIp.ToString(), "--dport", dport, "-j", extChain);
            }
            if (!hasExternalEndpoints)
            {
                Write(filterRules, "-A KUBE-EXTERNAL-SERVICES -m comment --comment", externalFilterComment, proto, "-d", externalIp.ToString(), "--dport", dport, "-j", externalFilterTarget);
            }
        }
        // Load-balancer IPs.
        foreach (var vip in port.LoadBalancerVips)
        {
            if (hasEndpoints)
            {
                Write(natRules, "-A KUBE-SERVICES -m comment --comment", $"\"{name} loadbalancer IP\"", proto, "-d", vip.ToString(), "--dport", dport, "-j", loadBalancerTrafficChain);
            }
            if (usesFwChain)
            {
                Write(filterRules, "-A KUBE-PROXY-FIREWALL -m comment --comment", $"\"{name} traffic not accepted by {fwChain}\"", proto, "-d", vip.ToString(), "--dport", dport, "-j DROP");
            }
        }
        if (!hasExternalEndpoints)
        {
            foreach (var vip in port.LoadBalancerVips)
            {
                Write(filterRules, "-A KUBE-EXTERNAL-SERVICES -m comment --comment", externalFilterComment, proto, "-d", vip.ToString(), "--dport", dport, "-j", externalFilterTarget);
            }
        }
        // NodePort.
        if (port.NodePort != 0)
        {
            var nodePort = port.NodePort.ToString(CultureInfo.InvariantCulture);
            if (hasEndpoints)
            {
                Write(natRules, "-A KUBE-NODEPORTS -m comment --comment", name, proto, "--dport", nodePort, "-j", extChain);
            }
            if (!hasExternalEndpoints)
            {
                Write(filterRules, "-A KUBE-EXTERNAL-SERVICES -m comment --comment", externalFilterComment, "-m addrtype --dst-type LOCAL", proto, "--dport", nodePort, "-j", externalFilterTarget);
            }
        }
        if (port.HealthCheckNodePort != 0)
        {
            Write(filterRules, "-A KUBE-NODEPORTS -m comment --comment", $"\"{name} health check node port\"", "-m tcp -p tcp --dport",
                port.HealthCheckNodePort.ToString(CultureInfo.InvariantCulture), "-j ACCEPT");
        }

        // Traffic from outside the cluster CIDR to the ClusterIP is masqueraded (the local-traffic detector).
        if (hasInternalEndpoints)
        {
            Write(natRules, "-A", internalPolicyChain, "-m comment --comment", $"\"{name} cluster IP\"", proto, "-d", port.ClusterIp.ToString(), "--dport", dport,
                "! -s", clusterCidr, "-j KUBE-MARK-MASQ");
        }
        if (usesExternalTrafficChain)
        {
            ChainLine(natChains, extChain);
            if (!port.ExternalPolicyLocal)
            {
                Write(natRules, "-A", extChain, "-m comment --comment", $"\"masquerade traffic for {name} external destinations\"", "-j KUBE-MARK-MASQ");
            }
            else
            {
                Write(natRules, "-A", extChain, "-m comment --comment", $"\"pod traffic for {name} external destinations\"", "-s", clusterCidr, "-j", svcChain);
                Write(natRules, "-A", extChain, "-m comment --comment", $"\"masquerade LOCAL traffic for {name} external destinations\"", "-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ");
                Write(natRules, "-A", extChain, "-m comment --comment", $"\"route LOCAL traffic for {name} external destinations\"", "-m addrtype --src-type LOCAL -j", svcChain);
            }
            if (hasExternalEndpoints)
            {
                Write(natRules, "-A", extChain, "-j", externalPolicyChain);
            }
        }
        if (usesFwChain)
        {
            ChainLine(natChains, fwChain);
            var allowFromNode = false;
            foreach (var range in port.LoadBalancerSourceRanges)
            {
                Write(natRules, "-A", fwChain, "-m comment --comment", $"\"{name} loadbalancer IP\"", "-s", range.ToString(), "-j", extChain);
                allowFromNode |= range.Contains(node.Ip);
            }
            if (allowFromNode)
            {
                foreach (var vip in port.LoadBalancerVips)
                {
                    Write(natRules, "-A", fwChain, "-m comment --comment", $"\"{name} loadbalancer IP\"", "-s", vip.ToString(), "-j", extChain);
                }
            }
            Write(natRules, "-A", fwChain, "-m comment --comment", $"\"other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL\"");
        }
        if (usesClusterPolicyChain)
        {
            ChainLine(natChains, svcChain);
            WriteServiceToEndpointRules(natRules, port, svcChain, categories.Cluster, largeCluster);
        }
        if (usesLocalPolicyChain)
        {
            ChainLine(natChains, svlChain);
            WriteServiceToEndpointRules(natRules, port, svlChain, categories.Local, largeCluster);
        }
        foreach (var endpoint in categories.AllReachable)
        {
            var sepChain = ChainNames.Endpoint(name, p, endpoint.ToString());
            ChainLine(natChains, sepChain);
            var comment = largeCluster ? string.Empty : $"-m comment --comment {name}";
            Write(natRules, "-A", sepChain, comment, "-s", endpoint.Ip.ToString(), "-j KUBE-MARK-MASQ");
            var recent = port.AffinitySeconds is null ? string.Empty : $"-m recent --name {sepChain} --set";
            Write(natRules, "-A", sepChain, comment, recent, proto, "-j DNAT --to-destination", endpoint.ToString());
        }
    }

    private static void WriteServiceToEndpointRules(StringBuilder rules, ServicePort port, string chain, IReadOnlyList<Endpoint> endpoints, bool largeCluster)
    {
        string Comment(Endpoint e) => largeCluster ? string.Empty : $"-m comment --comment \"{port.Name} -> {e}\"";
        if (port.AffinitySeconds is { } seconds)
        {
            foreach (var endpoint in endpoints)
            {
                var sepChain = ChainNames.Endpoint(port.Name, port.ProtocolName, endpoint.ToString());
                Write(rules, "-A", chain, Comment(endpoint), "-m recent --name", sepChain, "--rcheck --seconds",
                    seconds.ToString(CultureInfo.InvariantCulture), "--reap -j", sepChain);
            }
        }
        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var sepChain = ChainNames.Endpoint(port.Name, port.ProtocolName, endpoint.ToString());
            var statistic = i < endpoints.Count - 1 ? $"-m statistic --mode random --probability {Probability(endpoints.Count - i)}" : string.Empty;
            Write(rules, "-A", chain, Comment(endpoint), statistic, "-j", sepChain);
        }
    }

    /// <summary>The probability of picking the first of the n endpoints still left: 1/n, formatted as kube-proxy's "%0.10f".</summary>
    public static string Probability(int remaining) =>
        (1.0 / remaining).ToString("F10", CultureInfo.InvariantCulture);

    /// <summary>The ":CHAIN - [0:0]" line that declares (and, with --noflush, flushes) a chain.</summary>
    /// <summary>KUBE-POSTROUTING's masquerade of marked packets and KUBE-MARK-MASQ, the same in every mode but for the mark's spelling.</summary>
    internal static void WriteMasqueradeRules(StringBuilder natRules, string mark)
    {
        Write(natRules, "-A KUBE-POSTROUTING -m mark ! --mark", $"{mark}/{mark}", "-j RETURN");
        Write(natRules, "-A KUBE-POSTROUTING -j MARK --xor-mark", mark);
        Write(natRules, "-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully");
        Write(natRules, "-A KUBE-MARK-MASQ -j MARK --or-mark", mark);
    }

    /// <summary>KUBE-FORWARD's accepts for marked packets and for established flows, shared by both modes.</summary>
    internal static void WriteForwardAccepts(StringBuilder filterRules, string mark)
    {
        Write(filterRules, "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding rules\" -m mark --mark", $"{mark}/{mark}", "-j ACCEPT");
        Write(filterRules, "-A KUBE-FORWARD -m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
    }

    internal static void ChainLine(StringBuilder chains, string chain) => chains.Append(':').Append(chain).Append(" - [0:0]\n");

    /// <summary>kube-proxy's LineBuffer.Write: the words joined by single spaces (empty ones left out), then a newline.</summary>
    internal static void Write(StringBuilder buffer, params string[] words)
    {
        var first = true;
        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                continue;
            }
            if (!first)
            {
                buffer.Append(' ');
            }
            buffer.Append(word);
            first = false;
        }
        buffer.Append('\n');
    }
}
