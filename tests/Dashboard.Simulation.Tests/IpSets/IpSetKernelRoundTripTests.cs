using System.Globalization;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Tests.Kernel;

namespace Dashboard.Simulation.Tests.IpSets;

/// <summary>
/// The writers against the real ipset: sets are restored into a fresh network namespace (ipsets are per namespace),
/// then `ipset save` must equal <see cref="IpSetSaveWriter"/> and `ipset list` <see cref="IpSetListWriter"/> line for
/// line. Nothing is masked: the hash seed (initval) is passed or read back, and "Size in memory" is computed with
/// struct sizes of x86_64 kernel 6.18, so another kernel build may need the memory lines left out here.
/// </summary>
public class IpSetKernelRoundTripTests
{
    /// <summary>kube-proxy's IPVS-mode sets for a small cluster, as kube-proxy creates and fills them (no initval given).</summary>
    private const string KubeProxySets = """
        create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536
        create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536
        create KUBE-EXTERNAL-IP hash:ip,port family inet hashsize 1024 maxelem 65536
        create KUBE-LOAD-BALANCER hash:ip,port family inet hashsize 1024 maxelem 65536
        create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536
        create KUBE-LOAD-BALANCER-SOURCE-IP hash:ip,port,ip family inet hashsize 1024 maxelem 65536
        create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536
        create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
        create KUBE-NODE-PORT-LOCAL-UDP bitmap:port range 0-65535
        create KUBE-NODE-PORT-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536
        create KUBE-HEALTH-CHECK-NODE-PORT bitmap:port range 0-65535
        create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536
        add KUBE-LOOP-BACK 10.244.1.5,tcp:8080,10.244.1.5
        add KUBE-LOOP-BACK 10.244.1.6,tcp:8080,10.244.1.6
        add KUBE-LOOP-BACK 10.244.1.7,udp:53,10.244.1.7
        add KUBE-LOOP-BACK 10.244.1.7,tcp:53,10.244.1.7
        add KUBE-CLUSTER-IP 10.96.0.1,tcp:443
        add KUBE-CLUSTER-IP 10.96.0.10,udp:53
        add KUBE-CLUSTER-IP 10.96.0.10,tcp:53
        add KUBE-CLUSTER-IP 10.96.0.10,tcp:9153
        add KUBE-CLUSTER-IP 10.96.12.34,tcp:80
        add KUBE-CLUSTER-IP 10.96.200.7,sctp:9000
        add KUBE-EXTERNAL-IP 198.51.100.20,tcp:80
        add KUBE-LOAD-BALANCER 203.0.113.10,tcp:80
        add KUBE-LOAD-BALANCER 203.0.113.11,tcp:443
        add KUBE-LOAD-BALANCER-FW 203.0.113.10,tcp:80
        add KUBE-LOAD-BALANCER-SOURCE-IP 203.0.113.10,tcp:80,192.168.5.10
        add KUBE-LOAD-BALANCER-SOURCE-CIDR 203.0.113.10,tcp:80,192.168.0.0/16
        add KUBE-LOAD-BALANCER-SOURCE-CIDR 203.0.113.10,tcp:80,10.20.30.40/24
        add KUBE-LOAD-BALANCER-SOURCE-CIDR 203.0.113.10,tcp:80,172.16.0.9
        add KUBE-NODE-PORT-TCP 30080
        add KUBE-NODE-PORT-TCP 31443
        add KUBE-NODE-PORT-TCP 30001
        add KUBE-NODE-PORT-LOCAL-UDP 30053
        add KUBE-NODE-PORT-SCTP-HASH 192.168.5.10,sctp:30900
        add KUBE-HEALTH-CHECK-NODE-PORT 32000
        add KUBE-IPVS-IPS 10.96.0.1
        add KUBE-IPVS-IPS 10.96.0.10
        add KUBE-IPVS-IPS 10.96.12.34
        add KUBE-IPVS-IPS 10.96.200.7
        add KUBE-IPVS-IPS 198.51.100.20
        add KUBE-IPVS-IPS 203.0.113.10
        add KUBE-IPVS-IPS 203.0.113.11
        """;

    [Fact]
    public async Task Save_KubeProxySetsWithModelSeeds_EqualsKernelSaveAndList()
    {
        KernelRequirements.Require("ip", "ipset");
        var model = IpSetRestoreParser.Parse(KubeProxySets, seed: 42);
        // The writer's output carries the model's initvals, so the kernel hashes with the same seeds.
        var saved = IpSetSaveWriter.Write(model);
        var (kernelSave, kernelList) = await RestoreAndReadAsync(saved);
        Assert.Equal(saved, kernelSave);
        Assert.Equal(IpSetListWriter.Write(model), kernelList);
    }

    [Fact]
    public async Task Save_KernelDrawsItsOwnSeeds_ModelReproducesItsMemberOrder()
    {
        KernelRequirements.Require("ip", "ipset");
        var (kernelSave, kernelList) = await RestoreAndReadAsync(KubeProxySets);
        // Take only the kernel's random initvals; members come from kube-proxy's text in kube-proxy's order.
        var model = new IpSetCollection();
        foreach (var line in kernelSave.Split('\n').Where(l => l.StartsWith("create ", StringComparison.Ordinal)))
        {
            IpSetRestoreParser.Apply(model, line);
        }
        IpSetRestoreParser.Apply(model, string.Join('\n', KubeProxySets.Split('\n').Where(l => l.StartsWith("add ", StringComparison.Ordinal))));
        Assert.Equal(kernelSave, IpSetSaveWriter.Write(model));
        Assert.Equal(kernelList, IpSetListWriter.Write(model));
    }

    [Fact]
    public async Task Save_GrowthResizeDeletesAndComments_EqualsKernelSaveAndList()
    {
        KernelRequirements.Require("ip", "ipset");
        var restore = new System.Text.StringBuilder();
        restore.Append("create GROWN hash:ip,port family inet hashsize 64 maxelem 65536 initval 0x0badcafe\n");
        for (var i = 0; i < 500; i++)
        {
            restore.Append(CultureInfo.InvariantCulture, $"add GROWN 10.96.{i / 256}.{i % 256},tcp:{Port(i)}\n");
        }
        // Deletes leave holes the next adds reuse, and shrink buckets: both move members in the listing.
        for (var i = 0; i < 500; i += 3)
        {
            restore.Append(CultureInfo.InvariantCulture, $"del GROWN 10.96.{i / 256}.{i % 256},tcp:{Port(i)}\n");
        }
        for (var i = 0; i < 60; i++)
        {
            restore.Append(CultureInfo.InvariantCulture, $"add GROWN 10.97.0.{i},udp:53\n");
        }
        restore.Append("create NOTED hash:ip,port,ip family inet hashsize 1024 maxelem 65536 comment initval 0x00c0ffee\n");
        restore.Append("add NOTED 10.244.1.5,tcp:8080,10.244.1.5 comment \"ns1/web:http hairpin\"\n");
        restore.Append("add NOTED 10.244.1.6,tcp:8080,10.244.1.6\n");
        restore.Append("create DROPPED hash:ip family inet hashsize 1024 maxelem 65536\n");
        restore.Append("create RANGE bitmap:port range 30000-32767 comment\n");
        restore.Append("add RANGE 30000 comment \"first\"\nadd RANGE 32767\n");
        restore.Append("destroy DROPPED\n");
        restore.Append("create NETS hash:net family inet hashsize 1024 maxelem 65536 initval 0x7\n");
        restore.Append("add NETS 10.0.0.0/8\nadd NETS 10.1.0.0/16\nadd NETS 10.1.2.3\n");
        // Past 1024 buckets the table is split into lock regions, which "Size in memory" counts.
        restore.Append("create BIG hash:ip family inet hashsize 1024 maxelem 65536 initval 0x1\n");
        for (var i = 0; i < 6000; i++)
        {
            restore.Append(CultureInfo.InvariantCulture, $"add BIG 10.96.{i * 37 / 256 % 256}.{i * 37 % 256}\n");
        }
        var model = IpSetRestoreParser.Parse(restore.ToString());
        var (kernelSave, kernelList) = await RestoreAndReadAsync(restore.ToString());
        // DROPPED got a random seed in the kernel, but it is destroyed; NETS takes its index in both.
        Assert.Equal(IpSetSaveWriter.Write(model), kernelSave);
        Assert.Equal(IpSetListWriter.Write(model), kernelList);
        // Proof that the growth paths ran: both tables doubled in the kernel too.
        Assert.Contains("create GROWN hash:ip,port family inet hashsize 128 ", kernelSave, StringComparison.Ordinal);
        Assert.Contains("create BIG hash:ip family inet hashsize 2048 ", kernelSave, StringComparison.Ordinal);

        static int Port(int i) => (i * 7919 % 65535) + 1;
    }

    /// <summary>Restores into a namespace of its own, reads `ipset save` and `ipset list`, and always deletes the namespace.</summary>
    private static async Task<(string Save, string List)> RestoreAndReadAsync(string restore)
    {
        var name = $"ipset-rt-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var file = Path.Combine(Path.GetTempPath(), name + ".restore");
        await File.WriteAllTextAsync(file, restore);
        var add = await LabCommand.RunAsync("ip", ["netns", "add", name]);
        Assert.True(add.ExitCode == 0, $"ip netns add: {add.StandardError}");
        try
        {
            var restored = await LabCommand.RunAsync("ip", ["netns", "exec", name, "ipset", "restore", "-file", file]);
            Assert.True(restored.ExitCode == 0, $"ipset restore: {restored.StandardError}");
            var save = await LabCommand.RunAsync("ip", ["netns", "exec", name, "ipset", "save"]);
            Assert.True(save.ExitCode == 0, $"ipset save: {save.StandardError}");
            var list = await LabCommand.RunAsync("ip", ["netns", "exec", name, "ipset", "list"]);
            Assert.True(list.ExitCode == 0, $"ipset list: {list.StandardError}");
            return (save.StandardOutput, list.StandardOutput);
        }
        finally
        {
            await LabCommand.RunAsync("ip", ["netns", "del", name]);
            File.Delete(file);
        }
    }
}
