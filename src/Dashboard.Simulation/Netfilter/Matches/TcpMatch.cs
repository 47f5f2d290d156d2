using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>`-m tcp [!] --sport a[:b] [!] --dport a[:b]` (flags and options are not modelled).</summary>
public sealed class TcpMatch(PortRange sourcePorts, bool sourceInverted, PortRange destinationPorts, bool destinationInverted)
    : TransportPortMatch(sourcePorts, sourceInverted, destinationPorts, destinationInverted)
{
    public override string Module => "tcp";

    protected override IpProtocol Protocol => IpProtocol.Tcp;

    internal sealed class Builder : PortBuilder
    {
        public override string Module => "tcp";

        protected override IpProtocol Protocol => IpProtocol.Tcp;

        public override Match? Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            Normalise(tokens, protocol, out var source, out var sourceInverted, out var destination, out var destinationInverted)
                ? (Match)(tokens.Shared(Module, Key(source, sourceInverted), Key(destination, destinationInverted))
                    ??= new TcpMatch(source, sourceInverted, destination, destinationInverted))
                : null;
    }
}
