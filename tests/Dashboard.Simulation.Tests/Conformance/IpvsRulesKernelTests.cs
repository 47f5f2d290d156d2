using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Tests.Kernel;
using Dashboard.Simulation.Tests.KubeProxy;

namespace Dashboard.Simulation.Tests.Conformance;

/// <summary>
/// The real kernel as the oracle for IPVS mode's iptables and ipset state: a fresh node namespace gets the sets first
/// (`-m set` rules need them), then kube-proxy's chains and jumps one `iptables -N` / `iptables -I` at a time as
/// createAndLinkKubeChain makes them, then the sync with `iptables-restore --noflush`. The kernel's `iptables-save` and
/// `ipset save` must then be the simulator's text. The kernel here has no IPVS (CONFIG_IP_VS is not set, so xt_ipvs
/// cannot load), which is why the scenarios keep every load balancer's source ranges around the node IP: otherwise
/// kube-proxy writes a `-m ipvs` KUBE-IPVS-OUT-FILTER rule the kernel refuses. physdev is built in.
/// </summary>
public sealed class IpvsRulesKernelTests
{
    /// <summary>kube-proxy's iptablesJumpChain, in the order EnsureRule(Prepend) runs through it (spec §3.2).</summary>
    private static readonly (string Table, string From, string Comment, string To)[] JumpsInSyncOrder =
    [
        ("nat", "OUTPUT", "kubernetes service portals", "KUBE-SERVICES"),
        ("nat", "PREROUTING", "kubernetes service portals", "KUBE-SERVICES"),
        ("nat", "POSTROUTING", "kubernetes postrouting rules", "KUBE-POSTROUTING"),
        ("filter", "FORWARD", "kubernetes forwarding rules", "KUBE-FORWARD"),
        ("filter", "INPUT", "kubernetes health check rules", "KUBE-NODE-PORT"),
        ("filter", "INPUT", "kube-proxy firewall rules", "KUBE-PROXY-FIREWALL"),
        ("filter", "FORWARD", "kube-proxy firewall rules", "KUBE-PROXY-FIREWALL"),
        ("filter", "INPUT", "kubernetes ipvs access filter", "KUBE-IPVS-FILTER"),
        ("filter", "OUTPUT", "kubernetes ipvs access filter", "KUBE-IPVS-OUT-FILTER"),
    ];

    /// <summary>kube-proxy's iptablesChains, each created with EnsureChain before the jumps.</summary>
    private static readonly (string Table, string Chain)[] Chains =
    [
        ("nat", "KUBE-SERVICES"), ("nat", "KUBE-POSTROUTING"), ("nat", "KUBE-NODE-PORT"), ("nat", "KUBE-LOAD-BALANCER"), ("nat", "KUBE-MARK-MASQ"),
        ("filter", "KUBE-FORWARD"), ("filter", "KUBE-NODE-PORT"), ("filter", "KUBE-PROXY-FIREWALL"), ("filter", "KUBE-SOURCE-RANGES-FIREWALL"),
        ("filter", "KUBE-IPVS-FILTER"), ("filter", "KUBE-IPVS-OUT-FILTER"),
    ];

    public static TheoryData<string> Scenarios => new() { "small", "external IPs and load balancers" };

    private static ClusterObjects Load(string scenario) =>
        scenario == "small" ? ScenarioCatalog.Load("small") : IpvsTestScenarios.Read(IpvsTestScenarios.ExternalAndLoadBalancers);

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task KubeProxyStyleLoad_KernelIptablesSaveAndIpsetSave_EqualTheSimulators(string scenario)
    {
        KernelRequirements.Require([.. KernelRequirements.Tools, "ipset"]);
        var ct = TestContext.Current.CancellationToken;
        var node = NodeIpvs.Build(Load(scenario), NodeSettings.Default);
        await using var lab = await KernelLab.CreateAsync(new KernelLabOptions(), ct);

        await LabCommand.RunInNamespaceCheckedAsync(lab.NodeNamespace, "ipset", ["restore"], node.IpsetSave(), ct);
        foreach (var (table, chain) in Chains)
        {
            await LabCommand.RunInNamespaceCheckedAsync(lab.NodeNamespace, "iptables", ["-t", table, "-N", chain], cancellationToken: ct);
        }
        foreach (var (table, from, comment, to) in JumpsInSyncOrder)
        {
            await LabCommand.RunInNamespaceCheckedAsync(lab.NodeNamespace, "iptables",
                ["-t", table, "-I", from, "-m", "comment", "--comment", comment, "-j", to], cancellationToken: ct);
        }
        await lab.LoadRulesetNoflushAsync(node.SyncRestoreInput, ct);

        Assert.Equal(node.IptablesSave(), await lab.SaveAsync(ct));
        Assert.Equal(node.IpsetSave(), await LabCommand.RunInNamespaceCheckedAsync(lab.NodeNamespace, "ipset", ["save"], cancellationToken: ct));
    }
}
