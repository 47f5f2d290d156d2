using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>`-m udp [!] --sport a[:b] [!] --dport a[:b]`.</summary>
public sealed class UdpMatch(PortRange sourcePorts, bool sourceInverted, PortRange destinationPorts, bool destinationInverted)
    : TransportPortMatch(sourcePorts, sourceInverted, destinationPorts, destinationInverted)
{
    public override string Module => "udp";

    protected override IpProtocol Protocol => IpProtocol.Udp;

    internal sealed class Builder : PortBuilder
    {
        public override string Module => "udp";

        protected override IpProtocol Protocol => IpProtocol.Udp;

        public override Match? Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            Normalise(tokens, protocol, out var source, out var sourceInverted, out var destination, out var destinationInverted)
                ? (Match)(tokens.Shared(Module, Key(source, sourceInverted), Key(destination, destinationInverted))
                    ??= new UdpMatch(source, sourceInverted, destination, destinationInverted))
                : null;
    }
}
