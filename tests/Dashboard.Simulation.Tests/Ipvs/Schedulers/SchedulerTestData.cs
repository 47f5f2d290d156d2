using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Ipvs.Schedulers;

/// <summary>Real servers and connections shaped like a kube-proxy Service's endpoints.</summary>
internal static class SchedulerTestData
{
    public static readonly Ipv4Address ClusterIp = Ipv4Address.Parse("10.96.0.10");

    /// <summary>Backends 10.244.1.1:8080, 10.244.1.2:8080, ... with the given weights, in list order.</summary>
    public static RealServer[] Servers(params int[] weights) =>
        [.. weights.Select((weight, i) => new RealServer(Ipv4Address.Parse($"10.244.1.{i + 1}"), 8080, weight))];

    public static ConnectionTuple From(string source, ushort sourcePort = 40000) =>
        new(IpProtocol.Tcp, Ipv4Address.Parse(source), sourcePort, ClusterIp, 80);

    public static ConnectionTuple To(string destination) =>
        new(IpProtocol.Tcp, Ipv4Address.Parse("10.244.0.5"), 40000, Ipv4Address.Parse(destination), 80);

    public static ConnectionTuple AnyConnection => From("10.244.0.5");

    /// <summary>Schedules <paramref name="count"/> connections and returns the picked servers' last octets (1 = first server).</summary>
    public static int[] Picks(IIpvsScheduler scheduler, IReadOnlyList<RealServer> servers, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => (int)(scheduler.Schedule(servers, AnyConnection)!.Server.Address.Value & 0xFF))];
}
