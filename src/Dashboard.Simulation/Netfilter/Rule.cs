using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter;

/// <summary>
/// One iptables rule. The IP header tests (-s, -d, -p, -i, -o) are held inline and checked first, as the kernel's
/// ipt_entry does, so the common "wrong destination" miss in KUBE-SERVICES costs a couple of integer compares.
/// </summary>
public sealed class Rule
{
    public Chain Chain { get; internal set; } = null!;

    /// <summary>1-based position in its chain, as iptables-save lists it and TRACE numbers it.</summary>
    public int Position { get; internal set; }

    public Ipv4Prefix? Source { get; init; }
    public bool SourceInverted { get; init; }
    public Ipv4Prefix? Destination { get; init; }
    public bool DestinationInverted { get; init; }
    public IpProtocol? Protocol { get; init; }
    public bool ProtocolInverted { get; init; }

    /// <summary>-i; a trailing '+' matches any interface with that prefix.</summary>
    public string? InInterface { get; init; }
    public bool InInterfaceInverted { get; init; }
    public string? OutInterface { get; init; }
    public bool OutInterfaceInverted { get; init; }

    /// <summary>The -m matches in the order they were given (and iptables-save prints them).</summary>
    public IReadOnlyList<Match> Matches { get; init; } = [];

    /// <summary>The -j / -g target; null for a rule that only counts.</summary>
    public Target? Target { get; init; }

    /// <summary>Line of the iptables-restore input this rule came from (0 when built in code).</summary>
    public int SourceLine { get; init; }

    public long PacketCount { get; private set; }
    public long ByteCount { get; private set; }

    internal void Count(int bytes)
    {
        PacketCount++;
        ByteCount += bytes;
    }

    /// <summary>True when every test of the rule matches the packet. Tests run cheapest first; the first miss ends it.</summary>
    public bool Evaluate(MatchContext context)
    {
        var packet = context.Packet;
        if (Destination is { } destination && destination.Contains(packet.Destination) == DestinationInverted)
        {
            return false;
        }
        if (Source is { } source && source.Contains(packet.Source) == SourceInverted)
        {
            return false;
        }
        if (Protocol is { } protocol && (packet.Protocol == protocol) == ProtocolInverted)
        {
            return false;
        }
        if (InInterface is not null && InterfaceMatches(InInterface, packet.InInterface) == InInterfaceInverted)
        {
            return false;
        }
        if (OutInterface is not null && InterfaceMatches(OutInterface, packet.OutInterface) == OutInterfaceInverted)
        {
            return false;
        }
        foreach (var match in Matches)
        {
            if (!match.Matches(context))
            {
                return false;
            }
        }
        return true;
    }

    private static bool InterfaceMatches(string pattern, string? name) =>
        name is not null && (pattern.EndsWith('+') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : name == pattern);
}
