using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>Builds single rules from iptables text and packets and contexts to evaluate them against.</summary>
internal static class NetfilterTestKit
{
    /// <summary>Parses "-A X ..." (the text after the chain name) in a table of its own and returns that rule.</summary>
    public static Rule ParseRule(string options, string table = "filter")
    {
        var ruleset = IptablesRestoreParser.Parse($"*{table}\n:X - [0:0]\n-A X {options}\nCOMMIT\n");
        return Assert.Single(ruleset.Find(table)!.Find("X")!.Rules);
    }

    public static Packet Tcp(string source, ushort sourcePort, string destination, ushort destinationPort, uint mark = 0) => new()
    {
        Protocol = IpProtocol.Tcp,
        Source = Ipv4Address.Parse(source),
        SourcePort = sourcePort,
        Destination = Ipv4Address.Parse(destination),
        DestinationPort = destinationPort,
        Mark = mark,
    };

    public static MatchContext Context(Packet packet, uint random = 0, CtState state = CtState.New,
        IAddressTypes? addressTypes = null, RecentTable? recent = null, IIpSetLookup? ipSets = null, TimeSpan now = default) => new()
    {
        Packet = packet,
        CtState = state,
        AddressTypes = addressTypes ?? new FakeAddressTypes(),
        Statistic = new FixedDraw(random),
        Recent = recent ?? new RecentTable(),
        IpSets = ipSets,
        Now = now,
    };

    /// <summary>Evaluates the rule the way the dataplane will: CurrentRule set, then every test.</summary>
    public static bool Evaluate(Rule rule, MatchContext context)
    {
        context.CurrentRule = rule;
        return rule.Evaluate(context);
    }
}

/// <summary>A random source that always draws the same 31-bit number, so statistic outcomes are exact.</summary>
internal sealed class FixedDraw(uint random) : IStatisticSource
{
    public List<uint> Probabilities { get; } = [];

    public bool Draw(Rule rule, uint probability31)
    {
        Probabilities.Add(probability31);
        return (random & 0x7FFF_FFFF) < probability31;
    }
}

/// <summary>The node's addresses: those listed are LOCAL, everything else UNICAST.</summary>
internal sealed class FakeAddressTypes(params string[] local) : IAddressTypes
{
    public AddressType TypeOf(Ipv4Address address) =>
        Array.Exists(local, l => Ipv4Address.Parse(l) == address) ? AddressType.Local : AddressType.Unicast;
}

/// <summary>One hash:ip,port set keyed on the first dimension's address and the second's port.</summary>
internal sealed class FakeIpSets(string name, string address, ushort port) : IIpSetLookup
{
    public bool? Test(string setName, IReadOnlyList<bool> sourceFlags, Packet packet)
    {
        if (setName != name)
        {
            return null;
        }
        var ip = sourceFlags[0] ? packet.Source : packet.Destination;
        var p = sourceFlags.Count > 1 ? (sourceFlags[1] ? packet.SourcePort : packet.DestinationPort) : port;
        return ip == Ipv4Address.Parse(address) && p == port;
    }

    public IpSetMatch? MemberMatching(string setName, IReadOnlyList<bool> sourceFlags, Packet packet) =>
        Test(setName, sourceFlags, packet) == true
            ? new IpSetMatch(IpSetEntry.ForIpPort(Ipv4Address.Parse(address), packet.Protocol, port), IpSetType.HashIpPort)
            : null;
}
