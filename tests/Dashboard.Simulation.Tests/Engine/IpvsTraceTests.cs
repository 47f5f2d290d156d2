using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Simulation.Tests.Engine;

/// <summary>IPVS mode end to end through the trace API's engine: requests, replies, the three forwarding methods, endpoint changes.</summary>
public class IpvsTraceTests
{
    private static readonly string Small = ScenarioCatalog.GetYaml("small");

    /// <summary>A service whose pods all run on this node (10.244.0.0/24) and listen on the service port: DR- and TUN-ready.</summary>
    private static readonly string Lvs = LvsObjects("10.244.0.11", "10.244.0.12");

    private static string LvsObjects(params string[] endpoints) => $$"""
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: echo, namespace: lvs}
          spec:
            clusterIP: 10.96.0.80
            ports: [{name: http, port: 80, protocol: TCP, targetPort: 80}]
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: echo-1
            namespace: lvs
            labels: {kubernetes.io/service-name: echo}
          addressType: IPv4
          ports: [{name: http, port: 80, protocol: TCP}]
          endpoints: [{{string.Join(", ", endpoints.Select(e => $"{{addresses: [{e}], conditions: {{ready: true}}, nodeName: node-1}}"))}}]
        """;

    private static TraceResult Run(string objects, IpvsSpec? ipvs, params PacketSpec[] packets) =>
        TraceSpec.Run(new TraceSpec { Mode = "ipvs", Objects = objects, Ipvs = ipvs, Packets = packets, Views = true });

    private static PacketSpec Tcp(string src, int sport, string dst, int dport, string flags = "S", double at = 0) =>
        new() { Src = src, Sport = sport, Dst = dst, Dport = dport, Flags = flags, At = at };

    private static PacketSpec Udp(string src, int sport, string dst, int dport, double at = 0) =>
        new() { Src = src, Sport = sport, Dst = dst, Dport = dport, Proto = "udp", At = at };

    private static (string Ip, int Port) Split(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The kernel links each new real server at the head of its service's list (list_add_rcu in __ip_vs_update_dest,
    /// net/netfilter/ipvs/ip_vs_ctl.c); `ipvsadm -Ln --nosort` prints the list as the kernel returns it. The first sync adds .11 then
    /// .12 (the endpoints' sorted order): the list is .12, .11. A later sync adds .13: .13, .12, .11. rr
    /// (ip_vs_rr_schedule) starts at the head and continues from its last pick, reaching a new head only after the
    /// list's end: picks .12, .11, then after the sync .13 (wrapping from .11 to the head), .12.
    /// </summary>
    [Fact]
    public void LaterSync_NewServerListedFirst_RoundRobinReachesItAfterTheEnd()
    {
        var result = TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = LvsObjects("10.244.0.11", "10.244.0.12"),
            Updates = [new UpdateSpec { At = 10, Objects = LvsObjects("10.244.0.11", "10.244.0.12", "10.244.0.13") }],
            Packets = [Tcp("10.244.0.5", 40000, "10.96.0.80", 80, at: 0), Tcp("10.244.0.5", 40001, "10.96.0.80", 80, at: 1),
                Tcp("10.244.0.5", 40002, "10.96.0.80", 80, at: 20), Tcp("10.244.0.5", 40003, "10.96.0.80", 80, at: 21)],
            Views = true,
        });

        Assert.Equal(["10.244.0.12:80", "10.244.0.11:80", "10.244.0.13:80", "10.244.0.12:80"], result.Packets.Select(p => p.Outcome.To));
        static List<string> RealServers(string list) => [.. list.Split('\n').Where(l => l.StartsWith("  -> 10.244.0.", StringComparison.Ordinal))
            .Select(l => l[5..].Split(' ')[0])];
        // `ipvsadm -Ln --nosort` prints the kernel's list; plain -Ln sorts (ipvsadm.c, print_service_entry).
        Assert.Equal(["10.244.0.13:80", "10.244.0.12:80", "10.244.0.11:80"], RealServers(result.Views!.IpvsadmLnNosort!));
        Assert.Equal(["10.244.0.11:80", "10.244.0.12:80", "10.244.0.13:80"], RealServers(result.Views.IpvsadmLn!));
    }

    [Fact]
    public void Nat_PodToClusterIp_IptablesTraceEndsAtFilterInputThenIpvsSchedulesAndRewritesDestination()
    {
        var packet = Run(Small, null, Tcp("10.244.0.5", 40000, "10.96.0.20", 80)).Packets[0];

        Assert.Equal("delivered", packet.Outcome.Kind);
        Assert.Matches(@"^10\.244\.(0\.6|1\.3|2\.4):8080$", packet.Outcome.To);
        // `trace` stops where IPVS takes the packet: filter INPUT is its last table.
        Assert.Equal(("filter", "INPUT", "POLICY:ACCEPT"), (packet.Trace[^1].Table, packet.Trace[^1].Chain, packet.Trace[^1].Verdict));
        var ipvs = packet.Ipvs!;
        Assert.True(ipvs.Service!.Hit);
        Assert.Equal("TCP 10.96.0.20:80", ipvs.Service.Service);
        Assert.Equal("rr", ipvs.Scheduler!.Name);
        Assert.Equal(packet.Outcome.To, ipvs.Scheduler.RealServer);
        Assert.False(ipvs.Connection!.Hit);
        Assert.Equal("SYN_RECV", ipvs.Connection.State);
        Assert.Equal("nat", ipvs.Forward!.Method);
        Assert.Equal("10.96.0.20", ipvs.Forward.Before.Dst);
        Assert.Equal(Split(packet.Outcome.To!), (ipvs.Forward.After.Dst, ipvs.Forward.After.Dport));
        // After IPVS the packet meets filter OUTPUT and nat POSTROUTING; those entries are the IPVS view's.
        Assert.Contains(ipvs.TraceAfter, t => t is { Table: "nat", Chain: "POSTROUTING" });
        // vs/conntrack=1: conntrack tracks the IPVS connection, with the real server in its reply tuple.
        var altered = Assert.Single(packet.Events.OfType<ConntrackAltered>());
        Assert.StartsWith($"tcp src={ipvs.Forward.After.Dst} dst=10.244.0.5 sport={ipvs.Forward.After.Dport} dport=40000", altered.Reply);
    }

    [Fact]
    public void Nat_Handshake_ReplyUnNattedByIpvsAtForwardAndLaterPacketsFoundInTheConnectionTable()
    {
        var first = Run(Small, null, Tcp("10.244.0.5", 40000, "10.96.0.20", 80)).Packets[0];
        var (server, serverPort) = Split(first.Outcome.To!);
        var result = Run(Small, null,
            Tcp("10.244.0.5", 40000, "10.96.0.20", 80),
            Tcp(server, serverPort, "10.244.0.5", 40000, "SA", 0.001),
            Tcp("10.244.0.5", 40000, "10.96.0.20", 80, "A", 0.002));

        var reply = result.Packets[1];
        Assert.Equal("delivered", reply.Outcome.Kind);
        Assert.Equal("10.244.0.5:40000", reply.Outcome.To);
        Assert.Equal(("10.96.0.20", 80), (reply.HeadersAfter.Src, reply.HeadersAfter.Sport));
        Assert.Equal("out", reply.Ipvs!.Connection!.Direction);
        Assert.True(reply.Ipvs.Connection.Hit);
        Assert.Contains(reply.Events, e => e is NatApplied { Rewrite: "un-DNAT", By: "ipvs" });
        Assert.Contains(reply.Trace, t => t is { Table: "filter", Chain: "KUBE-FORWARD", Verdict: "ACCEPT" });

        var ack = result.Packets[2];
        Assert.Null(ack.Ipvs!.Service); // no service lookup and no scheduling: the connection table decides
        Assert.Null(ack.Ipvs.Scheduler);
        Assert.True(ack.Ipvs.Connection!.Hit);
        Assert.Equal("ESTABLISHED", ack.Ipvs.Connection.State);
        Assert.Equal(900, ack.Ipvs.Connection.ExpiresS);
        Assert.Equal(first.Outcome.To, ack.Outcome.To);
        Assert.Equal("ESTABLISHED", ack.Conntrack.Ctstate);
        Assert.Matches($@"-> {System.Text.RegularExpressions.Regex.Escape(first.Outcome.To!)}\s+Masq\s+1\s+1\s+0", result.Views!.IpvsadmLn!);
    }

    [Fact]
    public void Nat_RoundRobin_ThreeNewConnectionsGoToThreeRealServersInTurn()
    {
        var result = Run(Small, null,
            Tcp("10.244.0.5", 40001, "10.96.0.20", 80),
            Tcp("10.244.0.5", 40002, "10.96.0.20", 80),
            Tcp("10.244.0.5", 40003, "10.96.0.20", 80),
            Tcp("10.244.0.5", 40004, "10.96.0.20", 80));

        var servers = result.Packets.Select(p => p.Outcome.To).ToList();
        Assert.Equal(3, servers.Take(3).Distinct().Count());
        Assert.Equal(servers[0], servers[3]);
        Assert.All(result.Packets, p => Assert.Contains(p.Ipvs!.Scheduler!.Why.Code, new[] { ExplanationCode.RrFirst, ExplanationCode.RrNext }));
    }

    [Fact]
    public void Nat_ExternalClientToNodePort_MarkedThenMasqueradedAndTheReplyGoesBackFromTheNodePort()
    {
        var request = Run(Small, null, Tcp("192.168.5.5", 40000, "192.168.1.10", 30080)).Packets[0];
        Assert.Equal("192.168.1.10", request.HeadersAfter.Src);
        Assert.Contains(request.Trace, t => t is { Table: "nat", Chain: "KUBE-NODE-PORT", Verdict: "JUMP:KUBE-MARK-MASQ" });
        Assert.Contains(request.Ipvs!.TraceAfter, t => t is { Table: "nat", Chain: "KUBE-POSTROUTING", Verdict: "ACCEPT" });

        var (server, port) = Split(request.Outcome.To!);
        var result = Run(Small, null,
            Tcp("192.168.5.5", 40000, "192.168.1.10", 30080),
            Tcp(server, port, "192.168.1.10", request.HeadersAfter.Sport, "SA", 0.001));
        var reply = result.Packets[1];
        Assert.Equal("192.168.5.5:40000", reply.Outcome.To);
        Assert.Equal(("192.168.1.10", 30080), (reply.HeadersAfter.Src, reply.HeadersAfter.Sport));
    }

    [Fact]
    public void ClientIpAffinity_PersistentService_EveryConnectionOfAClientFollowsItsTemplate()
    {
        // demo/cart has sessionAffinity ClientIP (10800 s): IPVS makes it a persistent service, `-p 10800`.
        var result = Run(Small, null,
            Tcp("10.244.0.5", 40001, "10.96.0.50", 80),
            Tcp("10.244.0.5", 40002, "10.96.0.50", 80, at: 1),
            Tcp("10.244.0.5", 40003, "10.96.0.50", 80, at: 2),
            Tcp("10.244.0.9", 40004, "10.96.0.50", 80, at: 3));

        Assert.Equal("template created", result.Packets[0].Ipvs!.Scheduler!.Persistence);
        Assert.All(result.Packets.Skip(1).Take(2), p =>
        {
            Assert.Equal("template hit", p.Ipvs!.Scheduler!.Persistence);
            Assert.Equal(result.Packets[0].Outcome.To, p.Outcome.To);
        });
        Assert.Equal("template created", result.Packets[3].Ipvs!.Scheduler!.Persistence);
        Assert.Contains("persistent 10800", result.Views!.IpvsadmLn, StringComparison.Ordinal);
    }

    [Fact]
    public void NoEndpoints_VirtualServiceWithoutRealServers_RejectedWithIcmpPortUnreachable()
    {
        var packet = Run(Small, null, Tcp("10.244.0.5", 40000, "10.96.0.40", 80)).Packets[0];

        Assert.Equal("rejected", packet.Outcome.Kind);
        Assert.Equal(ExplanationCode.IpvsNoRealServer, packet.Outcome.Why!.Code); // ICMP port unreachable
        Assert.True(packet.Ipvs!.Service!.Hit);
    }

    [Fact]
    public void VipOnAPortThatIsNoService_RejectedByKubeIpvsFilterBeforeIpvs()
    {
        var packet = Run(Small, null, Tcp("10.244.0.5", 40000, "10.96.0.20", 22)).Packets[0];

        Assert.Equal("rejected", packet.Outcome.Kind);
        Assert.Contains(packet.Trace, t => t is { Table: "filter", Chain: "KUBE-IPVS-FILTER", Verdict: "DROP" });
        Assert.Null(packet.Ipvs);
    }

    [Fact]
    public void DirectRouting_OnlyTheMacChanges_AndTheReplyGoesStraightToTheClientUnseen()
    {
        var options = new IpvsSpec { Forwarding = "dr" };
        var request = Run(Lvs, options, Tcp("10.244.0.5", 40000, "10.96.0.80", 80)).Packets[0];
        var forward = request.Ipvs!.Forward!;

        Assert.Equal("dr", forward.Method);
        Assert.Equal(forward.Before with { Ethernet = null }, forward.After with { Ethernet = null });
        Assert.Equal("10.96.0.80", forward.After.Dst);
        var (server, _) = Split(request.Outcome.To!);
        var octets = server.Split('.').Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0a:58:" + string.Join(':', octets), forward.After.Ethernet!.Dst);

        var result = Run(Lvs, options,
            Tcp("10.244.0.5", 40000, "10.96.0.80", 80),
            Tcp("10.96.0.80", 80, "10.244.0.5", 40000, "SA", 0.001));
        var reply = result.Packets[1];
        Assert.False(reply.SeenByNode);
        Assert.Empty(reply.Trace);
        Assert.Equal("10.244.0.5:40000", reply.Outcome.To);
        Assert.Contains(reply.Events, e => e is DirectReply { Method: "dr" });
        // The director never sees the reply: no OutPkts in ipvsadm --stats, and the connection is still SYN_RECV.
        Assert.Contains("TCP  10.96.0.80:80", result.Views!.IpvsadmLnStats!, StringComparison.Ordinal);
        Assert.Matches(@"-> 10\.244\.0\.1[12]:80\s+1\s+1\s+0\s+60\s+0", result.Views.IpvsadmLnStats!);
    }

    [Fact]
    public void Tunnel_InnerPacketUntouched_OuterHeaderFromNodeToRealServerProtocol4()
    {
        var result = Run(Lvs, new IpvsSpec { Forwarding = "tun" },
            Tcp("10.244.0.5", 40000, "10.96.0.80", 80),
            Tcp("10.96.0.80", 80, "10.244.0.5", 40000, "SA", 0.001));
        var forward = result.Packets[0].Ipvs!.Forward!;
        var (server, _) = Split(result.Packets[0].Outcome.To!);

        Assert.Equal("tun", forward.Method);
        Assert.Equal(forward.Before with { Outer = null }, forward.After with { Outer = null });
        Assert.Equal(new OuterView("ipencap", "192.168.1.10", server), forward.Outer);
        Assert.False(result.Packets[1].SeenByNode);
        Assert.Contains(result.Packets[1].Events, e => e is DirectReply { Method: "tun" });
    }

    [Fact]
    public void DirectRouting_RealServerOffTheL2SegmentOrWithPortMapping_RefusedNamingTheServer()
    {
        // 10.244.0.0/29 ends at .7: both real servers (.11, .12) are off the segment, and DR only rewrites the MAC.
        var offSegment = Assert.Throws<TraceInputException>(() =>
            Run(Lvs, new IpvsSpec { Forwarding = "dr", L2Subnet = "10.244.0.0/29" }, Tcp("10.244.0.5", 40000, "10.96.0.80", 80)));
        Assert.Contains(offSegment.Problems, p => p is RealServerUnreachable { Packet: 0, Problem: { Issue: TopologyIssue.NotOnL2Segment } u } &&
                                                  u.Server.ToString() == "10.244.0.11:80");

        // The small scenario's web service maps port 80 to targetPort 8080, which DR cannot do.
        var portMapping = Assert.Throws<TraceInputException>(() =>
            Run(Small, new IpvsSpec { Forwarding = "dr", L2Subnet = "10.244.0.0/16" }, Tcp("10.244.0.5", 40000, "10.96.0.20", 80)));
        Assert.Contains(portMapping.Problems, p => p is RealServerUnreachable { Problem: { Issue: TopologyIssue.PortMapped, Server.Port: 8080 } });
    }

    [Fact]
    public void EndpointRemoved_TcpRealServerGoesToWeightZeroAndItsConnectionContinues_NewConnectionsGoElsewhere()
    {
        var first = Run(Lvs, null, Tcp("10.244.0.5", 40000, "10.96.0.80", 80)).Packets[0];
        var (gone, _) = Split(first.Outcome.To!);
        var remaining = gone == "10.244.0.11" ? "10.244.0.12" : "10.244.0.11";
        var withoutIt = LvsObjects(remaining);

        var result = TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Lvs,
            Packets =
            [
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80),
                Tcp(gone, 80, "10.244.0.5", 40000, "SA", 0.001),
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80, "A", 0.002),
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80, "PA", 5),
                Tcp("10.244.0.5", 40001, "10.96.0.80", 80, "S", 6),
                Tcp("10.244.0.5", 40002, "10.96.0.80", 80, "S", 7),
            ],
            Updates = [new UpdateSpec { At = 1, Objects = withoutIt }],
            Views = true,
        });

        var update = Assert.Single(result.Updates);
        Assert.Contains(update.Changes, c => c.Code == ExplanationCode.RealServerWeightZero && c.Values[1].ToString() == $"{gone}:80");
        Assert.Equal($"{gone}:80", result.Packets[3].Outcome.To); // the established connection continues
        Assert.Equal($"{remaining}:80", result.Packets[4].Outcome.To);
        Assert.Equal($"{remaining}:80", result.Packets[5].Outcome.To);
        Assert.Matches($@"-> {gone.Replace(".", @"\.", StringComparison.Ordinal)}:80\s+Masq\s+0\s+1\s+0", result.Views!.IpvsadmLn!);
    }

    /// <summary>
    /// kube-proxy's graceful-termination manager retries on a ticker, every minute from its start (wait.Until with
    /// rsCheckDeleteInterval): a server set to weight 0 at 30 s whose last connection ends (RST, IPVS CLOSE, 10 s)
    /// by 41 s is deleted at the 60 s tick, not a minute after 30 s.
    /// </summary>
    [Fact]
    public void GracefulTermination_DrainedServer_DeletedAtTheNextMinuteTick()
    {
        var first = Run(Lvs, null, Tcp("10.244.0.5", 40000, "10.96.0.80", 80)).Packets[0];
        var (gone, _) = Split(first.Outcome.To!);
        var remaining = gone == "10.244.0.11" ? "10.244.0.12" : "10.244.0.11";
        TraceResult At(double seconds) => TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Lvs,
            Packets =
            [
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80),
                Tcp(gone, 80, "10.244.0.5", 40000, "SA", 0.001),
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80, "A", 0.002),
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80, "R", 31),
                Tcp("10.244.0.6", 40000, "10.96.0.80", 80, "S", seconds),
            ],
            Updates = [new UpdateSpec { At = 30, Objects = LvsObjects(remaining) }],
            Views = true,
        });

        var beforeTick = At(59);
        var afterTick = At(61);

        Assert.Contains($"{gone}:80", beforeTick.Views!.IpvsadmLn, StringComparison.Ordinal);
        Assert.DoesNotContain($"{gone}:80", afterTick.Views!.IpvsadmLn, StringComparison.Ordinal);
        Assert.Equal($"{remaining}:80", afterTick.Packets[4].Outcome.To);
    }

    /// <summary>
    /// vs/conntrack=1 gives every IPVS connection IP_VS_CONN_F_NFCT, so when one expires ip_vs_conn_expire deletes its
    /// conntrack entry too (ip_vs_conn_drop_conntrack, ip_vs_nfct.c): an established TCP flow's entry, which conntrack
    /// alone would keep for kube-proxy's 24 h, goes with the IPVS connection's 900 s.
    /// </summary>
    [Fact]
    public void IpvsConnectionExpires_ItsConntrackEntryGoesWithIt()
    {
        var first = Run(Lvs, null, Tcp("10.244.0.5", 40000, "10.96.0.80", 80)).Packets[0];
        var (server, _) = Split(first.Outcome.To!);
        TraceResult After(double seconds) => TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Lvs,
            Packets =
            [
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80),
                Tcp(server, 80, "10.244.0.5", 40000, "SA", 0.001),
                Tcp("10.244.0.5", 40000, "10.96.0.80", 80, "A", 0.002),
                Udp("10.244.0.6", 5000, "10.96.0.99", 53, seconds),
            ],
            Views = true,
        });

        Assert.Contains("dport=80 ", After(899).Views!.ConntrackL, StringComparison.Ordinal);
        Assert.DoesNotContain("dport=80 ", After(901).Views!.ConntrackL, StringComparison.Ordinal);
    }

    [Fact]
    public void EndpointRemoved_UdpRealServerDeletedAtOnce_NextQueryRescheduledAndAnswered_IptablesModeKeepsTcpButClearsUdp()
    {
        // kube-dns UDP 53 has 10.244.1.2 and 10.244.2.2; the update removes the one the flow went to.
        var first = Run(Small, null, Udp("10.244.0.5", 5353, "10.96.0.10", 53)).Packets[0];
        var (gone, _) = Split(first.Outcome.To!);
        var remaining = gone == "10.244.1.2" ? "10.244.2.2" : "10.244.1.2";
        var objects = ClusterObjectsReader.Read(Small, InputFormat.Yaml);
        Assert.NotEmpty(objects.EndpointSlices);
        var withoutIt = RemoveEndpoint(Small, gone);

        // kube-proxy deletes a UDP real server at once and clears its conntrack entries; the kernel (5.9+) flushes the
        // server's IPVS connections (ip_vs_del_dest -> ip_vs_expire_nodest_conn_flush). The next query, on the same
        // ports, finds neither and is scheduled afresh: answered, not dropped.
        var ipvs = TraceSpec.Run(new TraceSpec
        {
            Mode = "ipvs",
            Objects = Small,
            Packets = [Udp("10.244.0.5", 5353, "10.96.0.10", 53), Udp("10.244.0.5", 5353, "10.96.0.10", 53, 2)],
            Updates = [new UpdateSpec { At = 1, Objects = withoutIt }],
            Views = true,
        });
        Assert.Contains(ipvs.Updates[0].Changes, c => c.Code == ExplanationCode.RealServerDeletedUdp && c.Values[1].ToString() == $"{gone}:53");
        Assert.Contains(ipvs.Updates[0].Changes, c => c.ToString() == "ConnectionFlushed(1)");
        Assert.Equal("delivered", ipvs.Packets[1].Outcome.Kind);
        Assert.Equal($"{remaining}:53", ipvs.Packets[1].Outcome.To);
        Assert.DoesNotContain($"{gone}:53", ipvs.Views!.IpvsadmLnc, StringComparison.Ordinal);
        Assert.Contains($"{remaining}:53", ipvs.Views.IpvsadmLnc, StringComparison.Ordinal);

        // iptables mode: kube-proxy deletes the UDP flow's conntrack entry, so the next packet is DNATed afresh...
        var iptablesUdp = TraceSpec.Run(new TraceSpec
        {
            Mode = "iptables",
            Objects = Small,
            Packets = [Udp("10.244.0.5", 5353, "10.96.0.10", 53) with { ForceEndpoint = $"{gone}:53" }, Udp("10.244.0.5", 5353, "10.96.0.10", 53, 2)],
            Updates = [new UpdateSpec { At = 1, Objects = withoutIt }],
        });
        Assert.Single(iptablesUdp.Updates[0].ConntrackDeleted);
        Assert.Equal($"{remaining}:53", iptablesUdp.Packets[1].Outcome.To);

        // ...but a TCP connection's entry keeps pointing at the removed pod.
        var iptablesTcp = TraceSpec.Run(new TraceSpec
        {
            Mode = "iptables",
            Objects = Small,
            Packets =
            [
                Tcp("10.244.0.5", 40000, "10.96.0.10", 53) with { ForceEndpoint = $"{gone}:53" },
                Tcp(gone, 53, "10.244.0.5", 40000, "SA", 0.001),
                Tcp("10.244.0.5", 40000, "10.96.0.10", 53, "A", 2),
            ],
            Updates = [new UpdateSpec { At = 1, Objects = withoutIt }],
        });
        Assert.Empty(iptablesTcp.Updates[0].ConntrackDeleted);
        Assert.Equal($"{gone}:53", iptablesTcp.Packets[2].Outcome.To);
    }

    [Fact]
    public void Views_ShowTheToolsOutput_IncludingConntrackEntriesForIpvsConnections()
    {
        var result = Run(Small, null, Tcp("10.244.0.5", 40000, "10.96.0.20", 80));
        var views = result.Views!;

        Assert.StartsWith("IP Virtual Server version 1.2.1 (size=4096)", views.IpvsadmLn, StringComparison.Ordinal);
        Assert.Contains("TCP  10.96.0.20:80 rr", views.IpvsadmLn, StringComparison.Ordinal);
        Assert.Contains("SYN_RECV", views.IpvsadmLnc, StringComparison.Ordinal);
        Assert.Contains("Name: KUBE-CLUSTER-IP", views.IpsetList, StringComparison.Ordinal);
        Assert.Contains("10.96.0.20,tcp:80", views.IpsetList, StringComparison.Ordinal);
        Assert.Contains("tcp      6 ", views.ConntrackL, StringComparison.Ordinal);
        Assert.Contains("src=10.244.0.5 dst=10.96.0.20 sport=40000 dport=80 [UNREPLIED]", views.ConntrackL, StringComparison.Ordinal);
    }

    /// <summary>The small scenario's text without one endpoint (its address line and the conditions/node lines under it).</summary>
    private static string RemoveEndpoint(string yaml, string address)
    {
        var lines = yaml.Split('\n').ToList();
        var start = lines.FindIndex(l => l.TrimEnd() == $"    - {address}");
        Assert.True(start > 0, $"{address} not found in the scenario");
        start--; // the "- addresses:" line
        var indent = lines[start].Length - lines[start].TrimStart().Length;
        var end = start + 1;
        while (end < lines.Count && (lines[end].Length - lines[end].TrimStart().Length > indent || lines[end].Trim().Length == 0))
        {
            end++;
        }
        lines.RemoveRange(start, end - start);
        return string.Join('\n', lines);
    }
}
