using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// `-m set [!] --match-set NAME src|dst[,src|dst...]`: looks the packet up in an ipset, one direction per set dimension.
/// IPVS mode's iptables rules use it so that their count does not grow with the number of services.
/// </summary>
public sealed class SetMatch(string setName, IReadOnlyList<bool> sourceFlags, bool inverted) : Match
{
    public string SetName { get; } = setName;

    /// <summary>Per dimension of the set: true for src, false for dst.</summary>
    public IReadOnlyList<bool> SourceFlags { get; } = sourceFlags;

    public bool Inverted { get; } = inverted;

    /// <summary>The directions as the rule writes them: dst,dst (made once: the dataplane names it for every packet a set matches).</summary>
    public string Flags { get; } = string.Join(',', sourceFlags.Select(source => source ? "src" : "dst"));

    public override string Module => "set";

    /// <summary>Without a set lookup, or for a set that does not exist, nothing matches (even inverted).</summary>
    public override bool Matches(MatchContext context) =>
        context.IpSets?.Test(SetName, SourceFlags, context.Packet) is { } found && found != Inverted;

    public override void Save(StringBuilder output)
    {
        output.Append(" -m set");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(" --match-set ").Append(SetName).Append(' ').Append(Flags);
    }

    internal sealed class Builder : MatchBuilder
    {
        /// <summary>IPSET_MAXNAMELEN is 32 bytes including the terminator; IPSET_DIM_MAX is 6.</summary>
        private const int MaxNameLength = 31;
        private const int MaxDimensions = 6;

        private string? _name;
        private bool[]? _flags;
        private bool _inverted;

        public override string Module => "set";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            if (option is not "--match-set")
            {
                if (option is "--return-nomatch" or "--update-counters" or "--update-subcounters" or "--packets-eq" or "--packets-lt"
                    or "--packets-gt" or "--bytes-eq" or "--bytes-lt" or "--bytes-gt")
                {
                    throw tokens.Error(option.ToString(), $"set: unsupported option \"{option}\"");
                }
                return false;
            }
            RejectRepeat(_name is not null, option, tokens);
            var name = tokens.TakeValue(option);
            if (name.IsEmpty || name.Length > MaxNameLength)
            {
                throw tokens.Error(name.ToString(), $"set: invalid set name \"{name}\" (1-{MaxNameLength} characters)");
            }
            _name = tokens.Intern(name);
            var list = tokens.TakeValue(option);
            var flags = new List<bool>(2);
            foreach (var range in list.Split(','))
            {
                flags.Add(list[range] switch
                {
                    "src" => true,
                    "dst" => false,
                    _ => throw tokens.Error(list.ToString(), $"set: bad direction \"{list[range]}\" (src or dst)"),
                });
            }
            if (flags.Count > MaxDimensions)
            {
                throw tokens.Error(list.ToString(), $"set: more than {MaxDimensions} directions in \"{list}\"");
            }
            _flags = [.. flags];
            _inverted = inverted;
            return true;
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _name is not null && _flags is not null
                ? new SetMatch(_name, _flags, _inverted)
                : throw tokens.Error("-m set", "set: option \"--match-set\" must be specified");
    }
}
