using Dashboard.Simulation.Engine;
using Xunit;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// The lab's parsers against output captured from a real kernel (iptables 1.8.9 nf_tables, Linux 6.18), so they
/// are checked on machines that cannot run the kernel tests too.
/// </summary>
public sealed class XtablesTraceParsingTests
{
    // A SYN rejected in filter/KUBE-FORWARD: the node's ICMP error (raw:OUTPUT) is traced between the SYN's jump
    // into KUBE-FORWARD and its DROP line. The third packet is a later capture whose trace id was set to the first's,
    // as the kernel does when it reuses the skb.
    private const string RejectedSyn = """
        PACKET: 2 3d788c79 IN=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=192.168.5.5 DST=10.96.0.99 LEN=60 TOS=0x0 TTL=64 ID=48840 DF SPORT=40020 DPORT=80 SYN 
         TRACE: 2 3d788c79 raw:PREROUTING:rule:0x2:CONTINUE  -4 -t raw -A PREROUTING -j TRACE
         TRACE: 2 3d788c79 raw:PREROUTING:policy:ACCEPT 
        PACKET: 2 3d788c79 IN=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=192.168.5.5 DST=10.96.0.99 LEN=60 TOS=0x0 TTL=64 ID=48840 DF SPORT=40020 DPORT=80 SYN 
         TRACE: 2 3d788c79 nat:PREROUTING:rule:0xb:JUMP:KUBE-SERVICES  -4 -t nat -A PREROUTING -j KUBE-SERVICES
         TRACE: 2 3d788c79 nat:PREROUTING:policy:ACCEPT 
        PACKET: 2 3d788c79 IN=eth0 OUT=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=192.168.5.5 DST=10.96.0.99 LEN=60 TOS=0x0 TTL=63 ID=48840 DF SPORT=40020 DPORT=80 SYN 
         TRACE: 2 3d788c79 filter:FORWARD:rule:0x5:JUMP:KUBE-FORWARD  -4 -t filter -A FORWARD -j KUBE-FORWARD
        PACKET: 2 4a685aba OUT=eth0 SRC=192.168.1.10 DST=192.168.5.5 LEN=88 TOS=0xc0 TTL=64 ID=21190 
         TRACE: 2 4a685aba raw:OUTPUT:rule:0x4:CONTINUE  -4 -t raw -A OUTPUT -j TRACE
         TRACE: 2 4a685aba raw:OUTPUT:policy:ACCEPT 
        PACKET: 2 4a685aba OUT=eth0 SRC=192.168.1.10 DST=192.168.5.5 LEN=88 TOS=0xc0 TTL=64 ID=21190 
         TRACE: 2 4a685aba filter:OUTPUT:policy:ACCEPT 
         TRACE: 2 3d788c79 filter:KUBE-FORWARD:rule:0x8:DROP  -4 -t filter -A KUBE-FORWARD -d 10.96.0.99/32 -p tcp -j REJECT --reject-with icmp-port-unreachable
        PACKET: 2 3d788c79 IN=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=10.244.1.7 DST=10.96.0.98 LEN=60 TOS=0x0 TTL=64 ID=63480 DF SPORT=40021 DPORT=80 SYN 
         TRACE: 2 3d788c79 raw:PREROUTING:rule:0x2:CONTINUE  -4 -t raw -A PREROUTING -j TRACE
         TRACE: 2 3d788c79 raw:PREROUTING:policy:ACCEPT 
        PACKET: 2 3d788c79 IN=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=10.244.1.7 DST=10.96.0.98 LEN=60 TOS=0x0 TTL=64 ID=63480 DF SPORT=40021 DPORT=80 SYN 
         TRACE: 2 3d788c79 nat:PREROUTING:rule:0xb:JUMP:KUBE-SERVICES  -4 -t nat -A PREROUTING -j KUBE-SERVICES
         TRACE: 2 3d788c79 nat:PREROUTING:policy:ACCEPT 
        PACKET: 2 3d788c79 IN=eth0 OUT=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=10.244.1.7 DST=10.96.0.98 LEN=60 TOS=0x0 TTL=63 ID=63480 DF SPORT=40021 DPORT=80 SYN 
         TRACE: 2 3d788c79 filter:FORWARD:rule:0x5:JUMP:KUBE-FORWARD  -4 -t filter -A FORWARD -j KUBE-FORWARD
         TRACE: 2 3d788c79 filter:FORWARD:policy:ACCEPT 
        PACKET: 2 3d788c79 IN=eth0 OUT=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=10.244.1.7 DST=10.96.0.98 LEN=60 TOS=0x0 TTL=63 ID=63480 DF SPORT=40021 DPORT=80 SYN 
         TRACE: 2 3d788c79 nat:POSTROUTING:rule:0xc:JUMP:KUBE-POSTROUTING  -4 -t nat -A POSTROUTING -j KUBE-POSTROUTING
         TRACE: 2 3d788c79 nat:KUBE-POSTROUTING:rule:0xe:0xfffffffb  -4 -t nat -A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
         TRACE: 2 3d788c79 nat:POSTROUTING:policy:ACCEPT 
        """;

    // `nft -a list ruleset` of the same node, abridged to the chains above.
    private const string NftListing = """
        table ip nat { # handle 1
        	chain PREROUTING { # handle 1
        		type nat hook prerouting priority dstnat; policy accept;
        		counter packets 0 bytes 0 jump KUBE-SERVICES # handle 11
        	}

        	chain POSTROUTING { # handle 4
        		type nat hook postrouting priority srcnat; policy accept;
        		counter packets 0 bytes 0 jump KUBE-POSTROUTING # handle 12
        	}

        	chain KUBE-POSTROUTING { # handle 7
        		meta mark & 0x00004000 != 0x00004000 counter packets 0 bytes 0 return # handle 14
        		counter packets 0 bytes 0 meta mark set mark xor 0x4000 # handle 15
        		counter packets 0 bytes 0 masquerade fully-random # handle 16
        	}
        }
        table ip filter { # handle 2
        	chain FORWARD { # handle 2
        		type filter hook forward priority filter; policy accept;
        		counter packets 0 bytes 0 jump KUBE-FORWARD # handle 5
        	}

        	chain KUBE-FORWARD { # handle 4
        		ct state invalid counter packets 0 bytes 0 drop # handle 6
        		meta mark & 0x00004000 == 0x00004000 counter packets 0 bytes 0 accept # handle 7
        		ip daddr 10.96.0.99 meta l4proto tcp counter packets 0 bytes 0 reject # handle 8
        	}
        }
        table ip raw { # handle 3
        	chain PREROUTING { # handle 1
        		type filter hook prerouting priority raw; policy accept;
        		counter packets 0 bytes 0 meta nftrace set 1 # handle 2
        	}

        	chain OUTPUT { # handle 3
        		type filter hook output priority raw; policy accept;
        		counter packets 0 bytes 0 meta nftrace set 1 # handle 4
        	}
        }
        """;

    private static readonly HashSet<long> TraceRules = [2, 4];

    [Fact]
    public void ParseTraceLine_RuleLine_SplitsHandleVerdictAndRuleText()
    {
        var line = XtablesTrace.ParseTraceLine(" TRACE: 2 27461e93 nat:KUBE-SERVICES:rule:0x12:JUMP:KUBE-SVC-AAAA  -4 -t nat -A KUBE-SERVICES -d 10.96.0.10/32 -j KUBE-SVC-AAAA");

        Assert.Equal(new TracedLine("27461e93", "nat", "KUBE-SERVICES", "rule", 0x12, "JUMP:KUBE-SVC-AAAA", "-4 -t nat -A KUBE-SERVICES -d 10.96.0.10/32 -j KUBE-SVC-AAAA"), line);
    }

    [Fact]
    public void ParseTraceLine_PolicyLine_HasNoHandle()
    {
        var line = XtablesTrace.ParseTraceLine(" TRACE: 2 5999bfe9 nat:PREROUTING:policy:ACCEPT ");

        Assert.Equal(new TracedLine("5999bfe9", "nat", "PREROUTING", "policy", null, "ACCEPT", string.Empty), line);
    }

    [Fact]
    public void ParsePacketLine_TcpSynWithMark_ReadsTupleFlagsAndMark()
    {
        var header = XtablesTrace.ParsePacketLine("PACKET: 2 0860c147 IN=eth0 OUT=eth0 MACSRC=2a:6d:72:4:8c:ef MACDST=c6:3f:42:6c:e2:68 MACPROTO=0800 SRC=192.168.5.5 DST=10.244.1.2 LEN=60 TOS=0x0 TTL=63 ID=51468 DF SPORT=40000 DPORT=8080 SYN MARK=0x4000 ");

        Assert.NotNull(header);
        Assert.Equal(("192.168.5.5", 40000, "10.244.1.2", 8080, "0x4000"), (header.Source, header.SourcePort, header.Destination, header.DestinationPort, header.Mark));
        Assert.True(header.HasExactFlags("SYN"));
        Assert.Equal(("eth0", "eth0"), (header.InInterface, header.OutInterface));
    }

    [Fact]
    public void SplitPackets_InterleavedIcmpErrorAndReusedTraceId_GivesThreePacketsInArrivalOrder()
    {
        var packets = XtablesTrace.SplitPackets(RejectedSyn.Split('\n'), TraceRules);

        Assert.Equal(3, packets.Count);
        Assert.Equal(["10.96.0.99", "192.168.5.5", "10.96.0.98"], packets.Select(p => p.Arrival!.Destination));
        Assert.Equal("DROP", packets[0].Lines[^1].Verdict);
        Assert.Equal(["raw", "raw", "filter"], packets[1].Lines.Select(l => l.Table));
    }

    [Fact]
    public void ToKernelTrace_RejectedSyn_DropsRawLinesAndMapsHandlesToPositions()
    {
        var packets = XtablesTrace.SplitPackets(RejectedSyn.Split('\n'), TraceRules);

        var trace = XtablesTrace.ToKernelTrace(packets[0], RulePositions.Parse(NftListing));

        Assert.Equal(
            [
                new KernelTraceEntry("nat", "PREROUTING", 1, "JUMP:KUBE-SERVICES"),
                new KernelTraceEntry("nat", "PREROUTING", null, "POLICY:ACCEPT"),
                new KernelTraceEntry("filter", "FORWARD", 1, "JUMP:KUBE-FORWARD"),
                new KernelTraceEntry("filter", "KUBE-FORWARD", 3, "DROP"),
            ],
            trace);
    }

    [Fact]
    public void ToKernelTrace_ReturnVerdictCode_IsNamedReturn()
    {
        var packets = XtablesTrace.SplitPackets(RejectedSyn.Split('\n'), TraceRules);

        var trace = XtablesTrace.ToKernelTrace(packets[2], RulePositions.Parse(NftListing));

        Assert.Equal(new KernelTraceEntry("nat", "KUBE-POSTROUTING", 1, "RETURN"), trace[^2]);
        Assert.Equal(new KernelTraceEntry("nat", "POSTROUTING", null, "POLICY:ACCEPT"), trace[^1]);
    }

    [Fact]
    public void ConntrackParse_DomainSheetLine_ReadsBothTuplesStateFlagsAndMark()
    {
        var entry = ConntrackEntry.Parse("tcp      6 431999 ESTABLISHED src=10.244.0.5 dst=10.96.0.10 sport=41234 dport=80 src=10.244.1.2 dst=10.244.0.5 sport=8080 dport=41234 [ASSURED] mark=0 use=1");

        Assert.Equal(("tcp", 6, 431999, "ESTABLISHED"), (entry.Protocol, entry.ProtocolNumber, entry.TimeoutSeconds, entry.State));
        Assert.Equal(new ConntrackTuple("10.244.0.5", "10.96.0.10", 41234, 80), entry.Original);
        Assert.Equal(new ConntrackTuple("10.244.1.2", "10.244.0.5", 8080, 41234), entry.Reply);
        Assert.Equal(["ASSURED"], entry.Flags);
        Assert.Equal(0u, entry.Mark);
    }

    [Fact]
    public void ConntrackParse_UnrepliedUdp_HasNoStateAndTheFlagBetweenTuples()
    {
        var entry = ConntrackEntry.Parse("udp      17 28 src=10.244.1.7 dst=10.96.0.10 sport=40011 dport=80 [UNREPLIED] src=10.96.0.10 dst=10.244.1.7 sport=80 dport=40011 mark=0 use=1");

        Assert.Null(entry.State);
        Assert.True(entry.HasFlag("UNREPLIED"));
        Assert.Equal(new ConntrackTuple("10.96.0.10", "10.244.1.7", 80, 40011), entry.Reply);
    }
}
