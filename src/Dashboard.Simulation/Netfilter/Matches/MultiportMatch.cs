using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>Which ports `-m multiport` tests.</summary>
public enum MultiportDirection
{
    /// <summary>--sports</summary>
    Source,

    /// <summary>--dports</summary>
    Destination,

    /// <summary>--ports: the source or the destination port.</summary>
    Either,
}

/// <summary>`-m multiport [!] --dports|--sports|--ports p[,a:b...]`: up to 15 ports, a range counting as two.</summary>
public sealed class MultiportMatch(MultiportDirection direction, IReadOnlyList<PortRange> ports, bool inverted) : Match
{
    /// <summary>XT_MULTI_PORTS.</summary>
    public const int MaxPorts = 15;

    public MultiportDirection Direction { get; } = direction;
    public IReadOnlyList<PortRange> Ports { get; } = ports;
    public bool Inverted { get; } = inverted;

    public override string Module => "multiport";

    public override bool Matches(MatchContext context)
    {
        var packet = context.Packet;
        foreach (var range in Ports)
        {
            var hit = Direction switch
            {
                MultiportDirection.Source => range.Contains(packet.SourcePort),
                MultiportDirection.Destination => range.Contains(packet.DestinationPort),
                _ => range.Contains(packet.SourcePort) || range.Contains(packet.DestinationPort),
            };
            if (hit)
            {
                return !Inverted;
            }
        }
        return Inverted;
    }

    public override void Save(StringBuilder output)
    {
        output.Append(" -m multiport");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(Direction switch
        {
            MultiportDirection.Source => " --sports ",
            MultiportDirection.Destination => " --dports ",
            _ => " --ports ",
        });
        for (var i = 0; i < Ports.Count; i++)
        {
            if (i > 0)
            {
                output.Append(',');
            }
            Ports[i].Save(output);
        }
    }

    internal sealed class Builder : MatchBuilder
    {
        private MultiportDirection? _direction;
        private PortRange[]? _ports;
        private bool _inverted;

        public override string Module => "multiport";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            MultiportDirection? direction = option switch
            {
                "--sports" or "--source-ports" => MultiportDirection.Source,
                "--dports" or "--destination-ports" => MultiportDirection.Destination,
                "--ports" => MultiportDirection.Either,
                _ => null,
            };
            if (direction is null)
            {
                return false;
            }
            if (_direction is not null)
            {
                throw tokens.Error(option.ToString(), "multiport: only one of --sports, --dports and --ports per match");
            }
            var list = tokens.TakeValue(option);
            var ports = new List<PortRange>(4);
            var count = 0;
            foreach (var range in list.Split(','))
            {
                var item = list[range];
                var colon = item.IndexOf(':');
                if (colon < 0)
                {
                    var port = ParsePort(item, tokens);
                    ports.Add(new PortRange(port, port));
                    count++;
                    continue;
                }
                var min = ParsePort(item[..colon], tokens);
                var max = ParsePort(item[(colon + 1)..], tokens);
                // libxt_multiport wants both ends and min strictly below max (80:80 is refused).
                if (min >= max)
                {
                    throw tokens.Error(item.ToString(), $"multiport: invalid port range \"{item}\"");
                }
                ports.Add(new PortRange(min, max));
                count += 2;
            }
            if (count > MaxPorts)
            {
                throw tokens.Error(list.ToString(), $"multiport: too many ports specified (at most {MaxPorts}, a range counts as 2)");
            }
            _direction = direction;
            _ports = [.. ports];
            _inverted = inverted;
            return true;
        }

        private static ushort ParsePort(ReadOnlySpan<char> text, RuleTokens tokens) =>
            OptionValues.TryParsePort(text, out var port) ? port : throw tokens.Error(text.ToString(), $"multiport: invalid port \"{text}\"");

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted)
        {
            if (_direction is not { } direction || _ports is null)
            {
                throw tokens.Error("-m multiport", "multiport: one of --sports, --dports or --ports is required");
            }
            if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp) || protocolInverted)
            {
                throw tokens.Error("-m multiport", "multiport: needs \"-p tcp\", \"-p udp\" or \"-p sctp\"");
            }
            return new MultiportMatch(direction, _ports, _inverted);
        }
    }
}
