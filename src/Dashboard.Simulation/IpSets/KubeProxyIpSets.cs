namespace Dashboard.Simulation.IpSets;

/// <summary>One set kube-proxy's IPVS proxier keeps: its name, type, and the comment kube-proxy puts on the iptables rules that use it.</summary>
public sealed record KubeProxyIpSet(string Name, IpSetType Type, string Comment);

/// <summary>
/// The sets of kube-proxy's IPVS mode (pkg/proxy/ipvs/ipset.go and ipsetInfo in proxier.go), in the order kube-proxy
/// creates them. kube-proxy creates them with "family inet hashsize 1024 maxelem 65536" (hash types) or
/// "range 0-65535" (bitmap:port) and -exist; the comments never reach the kernel, they label iptables rules.
/// </summary>
public static class KubeProxyIpSets
{
    public static KubeProxyIpSet LoopBack { get; } = new("KUBE-LOOP-BACK", IpSetType.HashIpPortIp,
        "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose");

    public static KubeProxyIpSet ClusterIp { get; } = new("KUBE-CLUSTER-IP", IpSetType.HashIpPort,
        "Kubernetes service cluster ip + port for masquerade purpose");

    public static KubeProxyIpSet ExternalIp { get; } = new("KUBE-EXTERNAL-IP", IpSetType.HashIpPort,
        "Kubernetes service external ip + port for masquerade and filter purpose");

    public static KubeProxyIpSet ExternalIpLocal { get; } = new("KUBE-EXTERNAL-IP-LOCAL", IpSetType.HashIpPort,
        "Kubernetes service external ip + port with externalTrafficPolicy=local");

    public static KubeProxyIpSet LoadBalancer { get; } = new("KUBE-LOAD-BALANCER", IpSetType.HashIpPort,
        "Kubernetes service lb portal");

    public static KubeProxyIpSet LoadBalancerFirewall { get; } = new("KUBE-LOAD-BALANCER-FW", IpSetType.HashIpPort,
        "Kubernetes service load balancer ip + port for load balancer with sourceRange");

    public static KubeProxyIpSet LoadBalancerLocal { get; } = new("KUBE-LOAD-BALANCER-LOCAL", IpSetType.HashIpPort,
        "Kubernetes service load balancer ip + port with externalTrafficPolicy=local");

    public static KubeProxyIpSet LoadBalancerSourceIp { get; } = new("KUBE-LOAD-BALANCER-SOURCE-IP", IpSetType.HashIpPortIp,
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose");

    public static KubeProxyIpSet LoadBalancerSourceCidr { get; } = new("KUBE-LOAD-BALANCER-SOURCE-CIDR", IpSetType.HashIpPortNet,
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose");

    public static KubeProxyIpSet NodePortTcp { get; } = new("KUBE-NODE-PORT-TCP", IpSetType.BitmapPort,
        "Kubernetes nodeport TCP port for masquerade purpose");

    public static KubeProxyIpSet NodePortLocalTcp { get; } = new("KUBE-NODE-PORT-LOCAL-TCP", IpSetType.BitmapPort,
        "Kubernetes nodeport TCP port with externalTrafficPolicy=local");

    public static KubeProxyIpSet NodePortUdp { get; } = new("KUBE-NODE-PORT-UDP", IpSetType.BitmapPort,
        "Kubernetes nodeport UDP port for masquerade purpose");

    public static KubeProxyIpSet NodePortLocalUdp { get; } = new("KUBE-NODE-PORT-LOCAL-UDP", IpSetType.BitmapPort,
        "Kubernetes nodeport UDP port with externalTrafficPolicy=local");

    /// <summary>hash:ip,port, not bitmap:port: the kernel's bitmap:port only ever matches TCP and UDP packets.</summary>
    public static KubeProxyIpSet NodePortSctp { get; } = new("KUBE-NODE-PORT-SCTP-HASH", IpSetType.HashIpPort,
        "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'");

    public static KubeProxyIpSet NodePortLocalSctp { get; } = new("KUBE-NODE-PORT-LOCAL-SCTP-HASH", IpSetType.HashIpPort,
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'");

    public static KubeProxyIpSet HealthCheckNodePort { get; } = new("KUBE-HEALTH-CHECK-NODE-PORT", IpSetType.BitmapPort,
        "Kubernetes health check node port");

    public static KubeProxyIpSet IpvsIps { get; } = new("KUBE-IPVS-IPS", IpSetType.HashIp,
        "Addresses on the ipvs interface");

    /// <summary>All of them in kube-proxy's ipsetInfo order, which is the order it creates them in.</summary>
    public static IReadOnlyList<KubeProxyIpSet> All { get; } =
    [
        LoopBack, ClusterIp, ExternalIp, ExternalIpLocal, LoadBalancer, LoadBalancerFirewall, LoadBalancerLocal,
        LoadBalancerSourceIp, LoadBalancerSourceCidr, NodePortTcp, NodePortLocalTcp, NodePortUdp, NodePortLocalUdp,
        NodePortSctp, NodePortLocalSctp, HealthCheckNodePort, IpvsIps,
    ];

    /// <summary>Creates every set as kube-proxy does at start-up (existing identical sets are kept, as with -exist).</summary>
    public static void CreateAll(IpSetCollection sets)
    {
        foreach (var set in All)
        {
            sets.Create(set.Name, set.Type, IpSetOptions.KubeProxy, exist: true);
        }
    }
}
