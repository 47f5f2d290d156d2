using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>`-m conntrack [!] --ctstate S[,S]`: true when the packet's conntrack state is one of the listed ones.</summary>
public sealed class ConntrackMatch(CtState states, bool inverted) : Match
{
    private static readonly (CtState State, string Name)[] Names =
    [
        (CtState.Invalid, "INVALID"), (CtState.New, "NEW"), (CtState.Related, "RELATED"), (CtState.Established, "ESTABLISHED"),
        (CtState.Untracked, "UNTRACKED"), (CtState.Snat, "SNAT"), (CtState.Dnat, "DNAT"),
    ];

    public CtState States { get; } = states;
    public bool Inverted { get; } = inverted;

    public override string Module => "conntrack";

    public override bool Matches(MatchContext context) => ((context.CtState & States) != 0) != Inverted;

    public override void Save(StringBuilder output)
    {
        output.Append(" -m conntrack");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(" --ctstate ");
        var first = true;
        // libxt_conntrack prints INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT whatever the input order.
        foreach (var (state, name) in Names)
        {
            if ((States & state) != 0)
            {
                output.Append(first ? "" : ",").Append(name);
                first = false;
            }
        }
    }

    internal sealed class Builder : MatchBuilder
    {
        private CtState? _states;
        private bool _inverted;

        public override string Module => "conntrack";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            if (option is not "--ctstate")
            {
                if (option.StartsWith("--ct"))
                {
                    throw tokens.Error(option.ToString(), $"conntrack: unsupported option \"{option}\" (only --ctstate is modelled)");
                }
                return false;
            }
            RejectRepeat(_states is not null, option, tokens);
            var list = tokens.TakeValue(option);
            var states = CtState.None;
            foreach (var range in list.Split(','))
            {
                var name = list[range];
                var found = CtState.None;
                foreach (var (state, known) in Names)
                {
                    if (name.Equals(known, StringComparison.OrdinalIgnoreCase))
                    {
                        found = state;
                        break;
                    }
                }
                if (found == CtState.None)
                {
                    throw tokens.Error(name.ToString(), $"conntrack: bad ctstate \"{name}\"");
                }
                states |= found;
            }
            _states = states;
            _inverted = inverted;
            return true;
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _states is { } states ? (Match)(tokens.Shared(Module, (ulong)states, _inverted ? 1UL : 0) ??= new ConntrackMatch(states, _inverted)) : throw tokens.Error("-m conntrack", "conntrack: at least one option is required");
    }
}
