using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>`-m comment --comment TEXT`: always matches; kube-proxy labels its rules with the service it serves.</summary>
public sealed class CommentMatch(string text) : Match
{
    /// <summary>The kernel keeps at most 255 bytes of a comment (XT_MAX_COMMENT_LEN).</summary>
    public const int MaxLength = 255;

    public string Text { get; } = text;

    public override string Module => "comment";

    public override bool Matches(MatchContext context) => true;

    public override void Save(StringBuilder output)
    {
        output.Append(" -m comment --comment");
        IptablesSaveWriter.AppendString(output, Text);
    }

    internal sealed class Builder : MatchBuilder
    {
        private CommentMatch? _match;

        public override string Module => "comment";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            if (option is not "--comment")
            {
                return false;
            }
            RejectInversion(option, inverted, tokens);
            RejectRepeat(_match is not null, option, tokens);
            var value = tokens.TakeValue(option);
            if (value.Length > MaxLength)
            {
                // iptables would silently cut it to 255 characters; refusing keeps the saved text equal to the input.
                throw tokens.Error("--comment", $"comment: longer than {MaxLength} characters");
            }
            _match = tokens.Comment(value);
            return true;
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _match ?? throw tokens.Error("-m comment", "comment: option \"--comment\" must be specified");
    }
}
