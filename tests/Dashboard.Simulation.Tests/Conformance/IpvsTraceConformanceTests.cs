using Dashboard.Simulation.Engine;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Tests.Engine;
using Dashboard.Simulation.Tests.Kernel;

namespace Dashboard.Simulation.Tests.Conformance;

/// <summary>
/// The real kernel as the oracle for IPVS mode's iptables part. A fresh node namespace gets kube-proxy's ipsets
/// (`ipset restore`, before any `-m set` rule needs them), its built-in jumps, then the sync with
/// `iptables-restore --noflush`, as <see cref="SmallScenarioConformanceTests"/> loads iptables mode. The kernel here
/// has no dummy interfaces and no IPVS, so the addresses kube-proxy binds to kube-ipvs0 go on lo as /32s instead: the
/// node owns them just the same (routing and `addrtype --dst-type LOCAL` see them), and where IPVS would take a packet
/// at LOCAL_IN the kernel delivers it to the local stack. That is why only the iptables part is compared: from
/// PREROUTING to the end of filter INPUT (or a REJECT before it), which the simulator reports as the packet's `trace`,
/// leaving what follows IPVS to `ipvs.traceAfter`. A packet no IPVS service claims is compared all the way.
/// </summary>
public sealed class IpvsTraceConformanceTests
{
    private static readonly string Yaml = ScenarioCatalog.GetYaml("small");
    private static readonly NodeIpvs Node = NodeIpvs.Build(ScenarioCatalog.Load("small"), NodeSettings.Default);

    public static TheoryData<string, LabClient, int, string, int, string, bool> Cases => new()
    {
        { "pod on this node to a ClusterIP", LabClient.LocalPod, 41000, "10.96.0.20", 80, "tcp", true },
        { "pod on another node to a ClusterIP", LabClient.RemotePod, 41001, "10.96.0.20", 80, "tcp", true },
        { "external client to a NodePort on the node IP (externalTrafficPolicy Cluster)", LabClient.External, 41002, "192.168.1.10", 30080, "tcp", true },
        { "external client to a NodePort on the node IP (externalTrafficPolicy Local)", LabClient.External, 41003, "192.168.1.10", 30060, "tcp", true },
        { "external client to a ClusterIP (KUBE-MARK-MASQ)", LabClient.External, 41004, "10.96.0.30", 80, "tcp", true },
        { "pod on another node to a ClusterIP on a port no service has (KUBE-IPVS-FILTER REJECT)", LabClient.RemotePod, 41005, "10.96.0.20", 81, "tcp", false },
        { "pod on this node to an address that is no service", LabClient.LocalPod, 41006, "10.96.0.99", 80, "tcp", false },
        { "pod on this node: DNS query to kube-dns", LabClient.LocalPod, 41007, "10.96.0.10", 53, "udp", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_SmallScenario_SimulatorTraceUpToIpvsEqualsKernel(
        string what, LabClient client, int sourcePort, string destination, int destinationPort, string protocol, bool ipvsTakesIt)
    {
        KernelRequirements.Require([.. KernelRequirements.Tools, "ipset"]);
        var ct = TestContext.Current.CancellationToken;
        await using var lab = await KernelLab.CreateAsync(new KernelLabOptions(), ct);
        await LabCommand.RunInNamespaceCheckedAsync(lab.NodeNamespace, "ipset", ["restore"], Node.IpsetSave(), ct);
        await lab.LoadRulesetAsync(NodeIpvs.BuiltinJumps, ct);
        await lab.LoadRulesetNoflushAsync(Node.SyncRestoreInput, ct);
        await lab.AddNodeLoopbackAddressesAsync(Node.BoundAddresses.Select(address => address.ToString()), ct);

        var kernel = protocol == "udp"
            ? (await lab.SendUdpAsync(client, sourcePort, destination, destinationPort, ct)).Request
            : (await lab.SendTcpSynAsync(client, sourcePort, destination, destinationPort, ct)).Syn;
        var simulated = TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Yaml,
            // No `from`: the simulator places the source by the node's ranges (pod CIDR, cluster CIDR, outside), as the lab does.
            Packets = [new() { Src = lab.AddressOf(client), Sport = sourcePort, Dst = destination, Dport = destinationPort, Proto = protocol }],
        }).Packets[0];

        Assert.True(kernel.Entries.SequenceEqual(simulated.Trace),
            $"{what}\nkernel:\n{kernel}\nsimulator:\n{new KernelPacketTrace(simulated.Trace, [])}\nxtables-monitor:\n{string.Join('\n', kernel.MonitorOutput)}");
        // Where the comparison stops: IPVS forwarded the request on after filter INPUT, or never saw it.
        Assert.Equal(ipvsTakesIt, simulated.Ipvs?.Forward is not null);
    }
}
