using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// `-m sctp [!] --sport a[:b] [!] --dport a[:b]`, which kube-proxy writes for a Service's SCTP ports
/// (`-m sctp -p sctp ... --dport 80`). Unlike tcp and udp, iptables-nft 1.8.9 keeps it as an xtables match (xt_sctp
/// through nft_compat), so its ports stay as written and iptables-save prints them back unchanged.
/// </summary>
public sealed class SctpMatch(PortRange sourcePorts, bool sourceInverted, PortRange destinationPorts, bool destinationInverted)
    : TransportPortMatch(sourcePorts, sourceInverted, destinationPorts, destinationInverted)
{
    public override string Module => "sctp";

    protected override IpProtocol Protocol => IpProtocol.Sctp;

    public override bool Matches(MatchContext context)
    {
        var packet = context.Packet;
        return packet.Protocol == IpProtocol.Sctp &&
            SourcePorts.Contains(packet.SourcePort) != SourceInverted &&
            DestinationPorts.Contains(packet.DestinationPort) != DestinationInverted;
    }

    internal sealed class Builder : PortBuilder
    {
        public override string Module => "sctp";

        protected override IpProtocol Protocol => IpProtocol.Sctp;

        public override Match? Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted)
        {
            Ports(tokens, protocol, out var source, out var sourceInverted, out var destination, out var destinationInverted);
            return (Match)(tokens.Shared(Module, Key(source, sourceInverted), Key(destination, destinationInverted))
                ??= new SctpMatch(source, sourceInverted, destination, destinationInverted));
        }
    }
}
