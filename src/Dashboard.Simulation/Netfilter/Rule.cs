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

    // The header tests as plain mask/value pairs: (address & mask) == value, the inversion applied with XOR.
    private uint _sourceMask, _sourceValue, _destinationMask, _destinationValue;
    private bool _sourceInverted, _destinationInverted, _protocolInverted;
    private byte _protocol;
    private Ipv4Prefix? _source, _destination;
    private IpProtocol? _protocolTest;

    public Ipv4Prefix? Source
    {
        get => _source;
        init
        {
            _source = value;
            (_sourceMask, _sourceValue) = value is { } prefix ? (prefix.Mask, prefix.Network.Value) : (0u, 0u);
        }
    }

    public bool SourceInverted { get => _sourceInverted; init => _sourceInverted = value; }

    public Ipv4Prefix? Destination
    {
        get => _destination;
        init
        {
            _destination = value;
            (_destinationMask, _destinationValue) = value is { } prefix ? (prefix.Mask, prefix.Network.Value) : (0u, 0u);
        }
    }

    public bool DestinationInverted { get => _destinationInverted; init => _destinationInverted = value; }

    public IpProtocol? Protocol
    {
        get => _protocolTest;
        init
        {
            _protocolTest = value;
            _protocol = value is { } protocol ? (byte)protocol : (byte)0;
        }
    }

    public bool ProtocolInverted { get => _protocolInverted; init => _protocolInverted = value; }

    /// <summary>-i; a trailing '+' matches any interface with that prefix.</summary>
    public string? InInterface { get; init; }
    public bool InInterfaceInverted { get; init; }
    public string? OutInterface { get; init; }
    public bool OutInterfaceInverted { get; init; }

    private Match[] _matches = [];

    /// <summary>The -m matches in the order they were given (and iptables-save prints them).</summary>
    public IReadOnlyList<Match> Matches { get => _matches; init => _matches = [.. value]; }

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

    internal RuleHeader Header => new(_destinationMask, _destinationValue, _destinationInverted);

    /// <summary>True when every test of the rule matches the packet. Tests run cheapest first; the first miss ends it.</summary>
    public bool Evaluate(MatchContext context)
    {
        var packet = context.Packet;
        // A rule without -d has mask 0 and value 0, which every address matches.
        if (((packet.Destination.Value & _destinationMask) == _destinationValue) == _destinationInverted)
        {
            return false;
        }
        if (((packet.Source.Value & _sourceMask) == _sourceValue) == _sourceInverted)
        {
            return false;
        }
        if (_protocol != 0 && ((byte)packet.Protocol == _protocol) == _protocolInverted)
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
        foreach (var match in _matches)
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

/// <summary>A rule's destination test alone, small enough to scan many of in a row.</summary>
internal readonly record struct RuleHeader(uint DestinationMask, uint DestinationValue, bool DestinationInverted)
{
    public bool MayMatch(uint destination) => ((destination & DestinationMask) == DestinationValue) != DestinationInverted;
}
