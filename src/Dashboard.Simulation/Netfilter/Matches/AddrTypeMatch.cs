using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// `-m addrtype [!] --src-type T[,T] [!] --dst-type T[,T]`: tests the route type of an address on this node;
/// kube-proxy's `--dst-type LOCAL` is how KUBE-SERVICES sends traffic for any node IP to KUBE-NODEPORTS.
/// </summary>
public sealed class AddrTypeMatch(AddressType sourceTypes, bool sourceInverted, AddressType destinationTypes, bool destinationInverted) : Match
{
    private static readonly (AddressType Type, string Name)[] Names =
    [
        (AddressType.Unspec, "UNSPEC"), (AddressType.Unicast, "UNICAST"), (AddressType.Local, "LOCAL"),
        (AddressType.Broadcast, "BROADCAST"), (AddressType.Anycast, "ANYCAST"), (AddressType.Multicast, "MULTICAST"),
        (AddressType.Blackhole, "BLACKHOLE"), (AddressType.Unreachable, "UNREACHABLE"), (AddressType.Prohibit, "PROHIBIT"),
        (AddressType.Throw, "THROW"), (AddressType.Nat, "NAT"), (AddressType.XResolve, "XRESOLVE"),
    ];

    /// <summary>None when --src-type was not given.</summary>
    public AddressType SourceTypes { get; } = sourceTypes;
    public bool SourceInverted { get; } = sourceInverted;
    public AddressType DestinationTypes { get; } = destinationTypes;
    public bool DestinationInverted { get; } = destinationInverted;

    public override string Module => "addrtype";

    public override bool Matches(MatchContext context)
    {
        if (SourceTypes != AddressType.None &&
            ((context.AddressTypes.TypeOf(context.Packet.Source) & SourceTypes) != 0) == SourceInverted)
        {
            return false;
        }
        return DestinationTypes == AddressType.None ||
            ((context.AddressTypes.TypeOf(context.Packet.Destination) & DestinationTypes) != 0) != DestinationInverted;
    }

    public override void Save(StringBuilder output)
    {
        output.Append(" -m addrtype");
        SaveTypes(output, SourceTypes, SourceInverted, " --src-type ");
        SaveTypes(output, DestinationTypes, DestinationInverted, " --dst-type ");
    }

    private static void SaveTypes(StringBuilder output, AddressType types, bool inverted, string option)
    {
        if (types == AddressType.None)
        {
            return;
        }
        if (inverted)
        {
            output.Append(" !");
        }
        output.Append(option);
        var first = true;
        // Printed in the kernel's RTN_* order, whatever order they were given in.
        foreach (var (type, name) in Names)
        {
            if ((types & type) != 0)
            {
                output.Append(first ? "" : ",").Append(name);
                first = false;
            }
        }
    }

    private static AddressType ParseTypes(ReadOnlySpan<char> list, RuleTokens tokens)
    {
        var types = AddressType.None;
        foreach (var range in list.Split(','))
        {
            var name = list[range];
            var found = AddressType.None;
            foreach (var (type, known) in Names)
            {
                if (name.Equals(known, StringComparison.OrdinalIgnoreCase))
                {
                    found = type;
                    break;
                }
            }
            if (found == AddressType.None)
            {
                throw tokens.Error(name.ToString(), $"addrtype: unknown address type \"{name}\"");
            }
            types |= found;
        }
        return types;
    }

    internal sealed class Builder : MatchBuilder
    {
        private AddressType _source;
        private bool _sourceInverted;
        private AddressType _destination;
        private bool _destinationInverted;

        public override string Module => "addrtype";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            switch (option)
            {
                case "--src-type":
                    RejectRepeat(_source != AddressType.None, option, tokens);
                    _source = ParseTypes(tokens.TakeValue(option), tokens);
                    _sourceInverted = inverted;
                    return true;
                case "--dst-type":
                    RejectRepeat(_destination != AddressType.None, option, tokens);
                    _destination = ParseTypes(tokens.TakeValue(option), tokens);
                    _destinationInverted = inverted;
                    return true;
                case "--limit-iface-in" or "--limit-iface-out":
                    throw tokens.Error(option.ToString(), $"addrtype: unsupported option \"{option}\"");
                default:
                    return false;
            }
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _source == AddressType.None && _destination == AddressType.None
                ? throw tokens.Error("-m addrtype", "addrtype: you must specify --src-type or --dst-type")
                : (Match)(tokens.Shared(Module, ((ulong)_source << 1) | (_sourceInverted ? 1UL : 0), ((ulong)_destination << 1) | (_destinationInverted ? 1UL : 0))
                    ??= new AddrTypeMatch(_source, _sourceInverted, _destination, _destinationInverted));
    }
}
