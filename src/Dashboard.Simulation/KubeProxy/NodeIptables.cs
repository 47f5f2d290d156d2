using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// A node's iptables after kube-proxy has run: the jump rules it ensures in the built-in chains (each inserted at the
/// top, so they end up in reverse order), the KUBE-PROXY-CANARY chains, then its sync restored with --noflush.
/// </summary>
public static class NodeIptables
{
    /// <summary>
    /// What kube-proxy sets up outside iptables-restore (iptablesJumpChains and iptablesKubeletJumpChains, each
    /// `iptables -I`, plus the canaries), already in the order a node shows it. With the nf_tables backend a base chain
    /// exists only once a rule is put in it, so mangle has none and nat has no INPUT: packets are not traced through
    /// them, although iptables-save prints every built-in chain anyway.
    /// </summary>
    public const string BuiltinJumps = """
        *mangle
        :KUBE-PROXY-CANARY - [0:0]
        COMMIT
        *filter
        :INPUT ACCEPT [0:0]
        :FORWARD ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :KUBE-PROXY-CANARY - [0:0]
        :KUBE-EXTERNAL-SERVICES - [0:0]
        :KUBE-NODEPORTS - [0:0]
        :KUBE-SERVICES - [0:0]
        :KUBE-FORWARD - [0:0]
        :KUBE-PROXY-FIREWALL - [0:0]
        :KUBE-FIREWALL - [0:0]
        -A INPUT -j KUBE-FIREWALL
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS
        -A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES
        -A OUTPUT -j KUBE-FIREWALL
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL
        -A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        COMMIT
        *nat
        :PREROUTING ACCEPT [0:0]
        :OUTPUT ACCEPT [0:0]
        :POSTROUTING ACCEPT [0:0]
        :KUBE-PROXY-CANARY - [0:0]

        """ + NatServicePortalJumps;

    /// <summary>
    /// The nat half both the iptables and the IPVS proxier share: PREROUTING and OUTPUT jump to KUBE-SERVICES, POSTROUTING
    /// to KUBE-POSTROUTING, with the same comments (after the table line and the built-in chains' declarations).
    /// </summary>
    internal const string NatServicePortalJumps = """
        :KUBE-SERVICES - [0:0]
        :KUBE-POSTROUTING - [0:0]
        -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
        -A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
        COMMIT

        """;

    /// <summary>The node's ruleset for these objects: the built-in jumps, then a full sync.</summary>
    public static Ruleset Build(ClusterObjects objects, NodeSettings node)
    {
        var ruleset = IptablesRestoreParser.Parse(BuiltinJumps);
        IptablesRestoreParser.ParseInto(IptablesProxier.SyncRestoreInput(objects, node), ruleset);
        return ruleset;
    }
}
