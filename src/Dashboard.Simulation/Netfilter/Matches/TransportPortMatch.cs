using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>What `-m tcp`, `-m udp` and `-m sctp` share: a source and a destination port range, each optionally negated.</summary>
public abstract class TransportPortMatch(PortRange sourcePorts, bool sourceInverted, PortRange destinationPorts, bool destinationInverted) : Match
{
    /// <summary>0:65535 when --sport was not given.</summary>
    public PortRange SourcePorts { get; } = sourcePorts;
    public bool SourceInverted { get; } = sourceInverted;
    public PortRange DestinationPorts { get; } = destinationPorts;
    public bool DestinationInverted { get; } = destinationInverted;

    protected abstract IpProtocol Protocol { get; }

    public override bool Matches(MatchContext context)
    {
        var packet = context.Packet;
        // The kernel only attaches this match to rules with "-p tcp" (or udp); a packet of another protocol has no such ports.
        if (packet.Protocol != Protocol)
        {
            return false;
        }
        if (SourceInverted && DestinationInverted && SourcePorts.Min == SourcePorts.Max && DestinationPorts.Min == DestinationPorts.Max &&
            SourcePorts.Min != 0 && DestinationPorts.Min != 0)
        {
            // iptables-nft 1.8.9 compiles "! --sport a ! --dport b" into one 4-byte "!=" compare, so the rule matches
            // unless BOTH ports are equal (iptables-legacy: unless either is). Fixed upstream in 2024, after 1.8.9.
            return packet.SourcePort != SourcePorts.Min || packet.DestinationPort != DestinationPorts.Min;
        }
        return SourcePorts.Contains(packet.SourcePort) != SourceInverted &&
            DestinationPorts.Contains(packet.DestinationPort) != DestinationInverted;
    }

    public override void Save(StringBuilder output)
    {
        output.Append(" -m ").Append(Module);
        // libxt_tcp/libxt_udp print a port option only when its range is not the full 0:65535, source first.
        SavePorts(output, SourcePorts, SourceInverted, " --sport ");
        SavePorts(output, DestinationPorts, DestinationInverted, " --dport ");
    }

    private static void SavePorts(StringBuilder output, PortRange ports, bool inverted, string option)
    {
        if (ports.IsAll)
        {
            return;
        }
        if (inverted)
        {
            output.Append(" !");
        }
        output.Append(option);
        ports.Save(output);
    }

    internal abstract class PortBuilder : MatchBuilder
    {
        private PortRange? _source;
        private bool _sourceInverted;
        private PortRange? _destination;
        private bool _destinationInverted;

        protected abstract IpProtocol Protocol { get; }

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            switch (option)
            {
                case "--sport" or "--source-port":
                    RejectRepeat(_source is not null, "--source-port", tokens);
                    _source = OptionValues.ParsePortRange(tokens.TakeValue(option), Module, tokens);
                    _sourceInverted = inverted;
                    return true;
                case "--dport" or "--destination-port":
                    RejectRepeat(_destination is not null, "--destination-port", tokens);
                    _destination = OptionValues.ParsePortRange(tokens.TakeValue(option), Module, tokens);
                    _destinationInverted = inverted;
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>Checks "-p" and returns the port tests as written (0:65535 for a side not given).</summary>
        protected void Ports(RuleTokens tokens, IpProtocol? protocol,
            out PortRange source, out bool sourceInverted, out PortRange destination, out bool destinationInverted)
        {
            if (protocol != Protocol)
            {
                throw tokens.Error("-m " + Module, $"{Module}: requires \"-p {Protocol.ToName()}\"");
            }
            source = _source ?? PortRange.All;
            destination = _destination ?? PortRange.All;
            sourceInverted = _sourceInverted;
            destinationInverted = _destinationInverted;
        }

        /// <summary>
        /// Checks "-p" and returns the port tests as iptables-nft 1.8.9 leaves them in the kernel, or false when it
        /// leaves nothing. Without any port option the match stays an xtables match (saved as a bare "-m tcp"); with
        /// one, it becomes nft payload compares: a full range is dropped even when negated (so "! --dport 0:65535"
        /// matches everything), and a negated "0:b" becomes "greater than b", which reads back as "b+1:65535".
        /// </summary>
        protected bool Normalise(RuleTokens tokens, IpProtocol? protocol,
            out PortRange source, out bool sourceInverted, out PortRange destination, out bool destinationInverted)
        {
            Ports(tokens, protocol, out source, out sourceInverted, out destination, out destinationInverted);
            if (source.IsAll && destination.IsAll && !sourceInverted && !destinationInverted)
            {
                return true;
            }
            var emitted = NormaliseSide(ref source, ref sourceInverted);
            emitted |= NormaliseSide(ref destination, ref destinationInverted);
            return emitted;
        }

        protected static ulong Key(PortRange ports, bool inverted) => ((ulong)ports.Min << 17) | ((ulong)ports.Max << 1) | (inverted ? 1UL : 0);

        private static bool NormaliseSide(ref PortRange ports, ref bool inverted)
        {
            if (ports.IsAll)
            {
                inverted = false;
                return false;
            }
            if (inverted && ports.Min == 0 && ports.Min != ports.Max)
            {
                ports = new PortRange((ushort)(ports.Max + 1), ushort.MaxValue);
                inverted = false;
            }
            return true;
        }
    }
}
