using System.Globalization;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// Collects one "-m module" occurrence's options while a rule line is read, then checks them and builds the match.
/// Options reach the builder by name, wherever they appear in the line, because iptables dispatches them that way.
/// </summary>
internal abstract class MatchBuilder
{
    public abstract string Module { get; }

    /// <summary>False when the option is not one of this module's, so the parser can offer it elsewhere.</summary>
    public abstract bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens);

    /// <summary>The module's final check (required options, protocol) and the match, or null when the kernel keeps nothing of it.</summary>
    public abstract Match? Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted);

    /// <summary>Creates the builder for "-m name", or null when the extension is not supported.</summary>
    public static MatchBuilder? Create(ReadOnlySpan<char> module) => module switch
    {
        "comment" => new CommentMatch.Builder(),
        "tcp" => new TcpMatch.Builder(),
        "udp" => new UdpMatch.Builder(),
        "sctp" => new SctpMatch.Builder(),
        "mark" => new MarkMatch.Builder(),
        "statistic" => new StatisticMatch.Builder(),
        "addrtype" => new AddrTypeMatch.Builder(),
        "conntrack" => new ConntrackMatch.Builder(),
        "recent" => new RecentMatch.Builder(),
        "set" => new SetMatch.Builder(),
        "multiport" => new MultiportMatch.Builder(),
        "physdev" => new PhysDevMatch.Builder(),
        "ipvs" => new IpvsMatch.Builder(),
        _ => null,
    };

    protected void RejectInversion(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
    {
        if (inverted)
        {
            throw tokens.Error(option.ToString(), $"{Module}: option \"{option}\" cannot be inverted");
        }
    }

    protected void RejectRepeat(bool alreadySeen, ReadOnlySpan<char> option, RuleTokens tokens)
    {
        if (alreadySeen)
        {
            throw tokens.Error(option.ToString(), $"{Module}: option \"{option}\" can only be used once");
        }
    }
}

/// <summary>Number and port syntax shared by the matches and targets, with iptables' rules for each.</summary>
internal static class OptionValues
{
    /// <summary>strtoul with base 0, as xtables_strtoui reads marks: 0x hex, leading 0 octal, else decimal.</summary>
    public static bool TryParseUInt32(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }
        if (text.Length > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        {
            return uint.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        if (text.Length > 1 && text[0] == '0')
        {
            ulong octal = 0;
            foreach (var c in text[1..])
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }
                octal = (octal * 8) + (uint)(c - '0');
                if (octal > uint.MaxValue)
                {
                    return false;
                }
            }
            value = (uint)octal;
            return true;
        }
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>"value" or "value/mask"; the mask defaults to all ones.</summary>
    public static bool TryParseValueMask(ReadOnlySpan<char> text, out uint value, out uint mask, out bool hasMask)
    {
        var slash = text.IndexOf('/');
        hasMask = slash >= 0;
        mask = uint.MaxValue;
        if (!hasMask)
        {
            return TryParseUInt32(text, out value);
        }
        return TryParseUInt32(text[..slash], out value) && TryParseUInt32(text[(slash + 1)..], out mask);
    }

    /// <summary>A numeric port; service names from /etc/services are deliberately not resolved.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port);

    /// <summary>The tcp/udp match's "port", "a:b", ":b" or "a:" (open ends mean 0 and 65535).</summary>
    public static PortRange ParsePortRange(ReadOnlySpan<char> text, string module, RuleTokens tokens)
    {
        var colon = text.IndexOf(':');
        ushort min;
        ushort max;
        if (colon < 0)
        {
            if (!TryParsePort(text, out min))
            {
                throw tokens.Error(text.ToString(), $"{module}: invalid port \"{text}\" (a number 0-65535 is required)");
            }
            return new PortRange(min, min);
        }
        var low = text[..colon];
        var high = text[(colon + 1)..];
        min = 0;
        max = ushort.MaxValue;
        if ((!low.IsEmpty && !TryParsePort(low, out min)) || (!high.IsEmpty && !TryParsePort(high, out max)))
        {
            throw tokens.Error(text.ToString(), $"{module}: invalid port range \"{text}\"");
        }
        if (min > max)
        {
            throw tokens.Error(text.ToString(), $"{module}: invalid port range \"{text}\" (min > max)");
        }
        return new PortRange(min, max);
    }
}
