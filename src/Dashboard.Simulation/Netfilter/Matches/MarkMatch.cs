using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>`-m mark [!] --mark value[/mask]`: true when (packet mark AND mask) equals value.</summary>
public sealed class MarkMatch(uint value, uint mask, bool inverted) : Match
{
    public uint Value { get; } = value;

    /// <summary>0xffffffff when no mask was given.</summary>
    public uint Mask { get; } = mask;

    public bool Inverted { get; } = inverted;

    public override string Module => "mark";

    public override bool Matches(MatchContext context) => ((context.Packet.Mark & Mask) == Value) != Inverted;

    public override void Save(StringBuilder output)
    {
        output.Append(" -m mark");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(" --mark 0x").Append(Value.ToString("x", CultureInfo.InvariantCulture));
        if (Mask != uint.MaxValue)
        {
            output.Append("/0x").Append(Mask.ToString("x", CultureInfo.InvariantCulture));
        }
    }

    internal sealed class Builder : MatchBuilder
    {
        private bool _seen;
        private uint _value;
        private uint _mask;
        private bool _inverted;

        public override string Module => "mark";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            if (option is not "--mark")
            {
                return false;
            }
            RejectRepeat(_seen, option, tokens);
            var text = tokens.TakeValue(option);
            if (!OptionValues.TryParseValueMask(text, out _value, out _mask, out _))
            {
                throw tokens.Error(text.ToString(), $"mark: bad value \"{text}\" for option \"--mark\"");
            }
            _seen = true;
            _inverted = inverted;
            return true;
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _seen ? (Match)(tokens.Shared(Module, ((ulong)_value << 1) | (_inverted ? 1UL : 0), _mask) ??= new MarkMatch(_value, _mask, _inverted)) : throw tokens.Error("-m mark", "mark: option \"--mark\" must be specified");
    }
}
