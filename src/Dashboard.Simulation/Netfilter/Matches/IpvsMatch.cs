using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>The virtual service whose IPVS connection a packet belongs to: what `-m ipvs --vaddr/--vport/--vproto` test.</summary>
public readonly record struct IpvsVirtualService(IpProtocol Protocol, Ipv4Address Address, ushort Port);

/// <summary>
/// `-m ipvs [!] --ipvs | [!] --vproto P [!] --vaddr A[/len] [!] --vport N`: tests whether IPVS has handled the packet and
/// for which virtual service. kube-proxy uses it in KUBE-IPVS-OUT-FILTER to drop the node's own connections to a
/// load-balancer VIP whose source ranges leave the node out. Without --ipvs alone, a packet IPVS did not handle never
/// matches, even with negated options (xt_ipvs).
/// </summary>
public sealed class IpvsMatch : Match
{
    private IpvsMatch(bool ipvsOnly, bool ipvsInverted)
    {
        IpvsOnly = ipvsOnly;
        IpvsInverted = ipvsInverted;
    }

    /// <summary>True for a bare `[!] --ipvs`: the only test is whether IPVS handled the packet.</summary>
    public bool IpvsOnly { get; }

    public bool IpvsInverted { get; }

    /// <summary>The protocol number of --vproto (iptables-save prints the number, e.g. 6), or null.</summary>
    public byte? Protocol { get; private init; }
    public bool ProtocolInverted { get; private init; }

    /// <summary>--vaddr as given (the address is not masked), with its prefix length; null when not given.</summary>
    public Ipv4Address? Address { get; private init; }
    public int AddressLength { get; private init; } = 32;
    public bool AddressInverted { get; private init; }

    public ushort? Port { get; private init; }
    public bool PortInverted { get; private init; }

    public override string Module => "ipvs";

    public override bool Matches(MatchContext context)
    {
        var virtualService = context.IpvsVirtual;
        if (IpvsOnly)
        {
            return virtualService.HasValue != IpvsInverted;
        }
        if (virtualService is not { } vs)
        {
            return false;
        }
        if (Protocol is { } protocol && ((byte)context.Packet.Protocol == protocol) == ProtocolInverted)
        {
            return false;
        }
        if (Port is { } port && (vs.Port == port) == PortInverted)
        {
            return false;
        }
        if (Address is { } address)
        {
            var mask = AddressLength == 0 ? 0u : uint.MaxValue << (32 - AddressLength);
            return (((vs.Address.Value ^ address.Value) & mask) == 0) != AddressInverted;
        }
        return true;
    }

    /// <summary>libxt_ipvs's save: --ipvs only when it stands alone, then --vproto, --vaddr (no "/32"), --vport.</summary>
    public override void Save(StringBuilder output)
    {
        output.Append(" -m ipvs");
        if (IpvsOnly)
        {
            output.Append(IpvsInverted ? " !" : "").Append(" --ipvs");
            return;
        }
        if (Protocol is { } protocol)
        {
            output.Append(ProtocolInverted ? " !" : "").Append(" --vproto ").Append(protocol.ToString(CultureInfo.InvariantCulture));
        }
        if (Address is { } address)
        {
            output.Append(AddressInverted ? " !" : "").Append(" --vaddr ").Append(address.ToString());
            if (AddressLength != 32)
            {
                output.Append('/').Append(AddressLength.ToString(CultureInfo.InvariantCulture));
            }
        }
        if (Port is { } port)
        {
            output.Append(PortInverted ? " !" : "").Append(" --vport ").Append(port.ToString(CultureInfo.InvariantCulture));
        }
    }

    internal sealed class Builder : MatchBuilder
    {
        private bool? _ipvsInverted;
        private byte? _protocol;
        private bool _protocolInverted;
        private Ipv4Address? _address;
        private int _addressLength = 32;
        private bool _addressInverted;
        private ushort? _port;
        private bool _portInverted;

        public override string Module => "ipvs";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            switch (option)
            {
                case "--ipvs":
                    RejectRepeat(_ipvsInverted is not null, option, tokens);
                    _ipvsInverted = inverted;
                    return true;
                case "--vproto":
                    RejectRepeat(_protocol is not null, option, tokens);
                    _protocol = ParseProtocol(tokens.TakeValue(option), tokens);
                    _protocolInverted = inverted;
                    return true;
                case "--vaddr":
                    RejectRepeat(_address is not null, option, tokens);
                    (_address, _addressLength) = ParseAddress(tokens.TakeValue(option), tokens);
                    _addressInverted = inverted;
                    return true;
                case "--vport":
                    RejectRepeat(_port is not null, option, tokens);
                    var text = tokens.TakeValue(option);
                    _port = OptionValues.TryParsePort(text, out var port)
                        ? port
                        : throw tokens.Error(text.ToString(), $"ipvs: invalid port \"{text}\" (a number 0-65535 is required)");
                    _portInverted = inverted;
                    return true;
                case "--vdir" or "--vmethod" or "--vportctl":
                    // They need the connection's direction, forwarding method or controlling connection, which the
                    // dataplane does not hand to matches.
                    throw tokens.Error(option.ToString(), $"ipvs: unsupported option \"{option}\" (only --ipvs, --vproto, --vaddr and --vport are modelled)");
                default:
                    return false;
            }
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted)
        {
            var hasOthers = _protocol is not null || _address is not null || _port is not null;
            if (!hasOthers)
            {
                return _ipvsInverted is { } inverted
                    ? new IpvsMatch(ipvsOnly: true, inverted)
                    : throw tokens.Error("-m ipvs", "ipvs: at least one option is required");
            }
            if (_ipvsInverted is true)
            {
                throw tokens.Error("--ipvs", "ipvs: ! --ipvs cannot be together with other options");
            }
            return new IpvsMatch(ipvsOnly: false, ipvsInverted: false)
            {
                Protocol = _protocol,
                ProtocolInverted = _protocolInverted,
                Address = _address,
                AddressLength = _addressLength,
                AddressInverted = _addressInverted,
                Port = _port,
                PortInverted = _portInverted,
            };
        }

        /// <summary>A protocol number 0-255 or a name, lower-cased first as libxt_ipvs does.</summary>
        private static byte ParseProtocol(ReadOnlySpan<char> text, RuleTokens tokens)
        {
            if (byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }
            return IpProtocolNames.TryParse(text.ToString(), out var named)
                ? (byte)named
                : throw tokens.Error(text.ToString(), $"ipvs: unknown protocol \"{text}\" (tcp, udp, sctp, icmp or a number 0-255)");
        }

        /// <summary>"a.b.c.d" or "a.b.c.d/n"; host names and dotted masks are not supported.</summary>
        private static (Ipv4Address Address, int Length) ParseAddress(ReadOnlySpan<char> text, RuleTokens tokens)
        {
            var slash = text.IndexOf('/');
            var length = 32;
            if (!Ipv4Address.TryParse(slash < 0 ? text : text[..slash], out var address) ||
                (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 32)))
            {
                throw tokens.Error(text.ToString(), $"ipvs: invalid address \"{text}\" (a.b.c.d or a.b.c.d/n)");
            }
            return (address, length);
        }
    }
}
