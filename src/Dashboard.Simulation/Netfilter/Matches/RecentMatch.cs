using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>What `-m recent` does with the packet's address on its list.</summary>
public enum RecentCommand
{
    /// <summary>--set: add the address (or refresh it) and match.</summary>
    Set,

    /// <summary>--rcheck: match if the address is on the list (seen within --seconds, if given).</summary>
    Check,

    /// <summary>--update: like --rcheck, and refresh the address when it matches.</summary>
    Update,

    /// <summary>--remove: match if the address is on the list, and take it off.</summary>
    Remove,
}

/// <summary>
/// `-m recent`: the kernel's xt_recent address lists. kube-proxy's ClientIP affinity is `--set` when an endpoint is
/// chosen and `--rcheck --seconds 10800 --reap` on the way in, so a client keeps its endpoint for three hours.
/// </summary>
public sealed class RecentMatch(RecentCommand command, bool inverted, string name, Ipv4Address mask, bool destination, uint? seconds, bool reap) : Match
{
    public RecentCommand Command { get; } = command;
    public bool Inverted { get; } = inverted;

    /// <summary>The list name (--name; DEFAULT when not given).</summary>
    public string Name { get; } = name;

    /// <summary>Applied to the address before it is looked up (--mask; 255.255.255.255 by default).</summary>
    public Ipv4Address Mask { get; } = mask;

    /// <summary>--rdest: use the destination address instead of the source (--rsource, the default).</summary>
    public bool Destination { get; } = destination;

    /// <summary>--seconds: only entries seen within this many seconds count.</summary>
    public uint? Seconds { get; } = seconds;

    /// <summary>--reap: forget entries older than --seconds while checking.</summary>
    public bool Reap { get; } = reap;

    public override string Module => "recent";

    public override bool Matches(MatchContext context)
    {
        var packet = context.Packet;
        var address = new Ipv4Address((Destination ? packet.Destination : packet.Source).Value & Mask.Value);
        var table = context.Recent;
        var now = context.Now;
        // Mirrors recent_mt(): the result starts as the inversion flag and flips when the test succeeds.
        var result = Inverted;
        if (!table.Check(Name, address, now, window: null))
        {
            if (Command != RecentCommand.Set)
            {
                return result;
            }
            table.Set(Name, address, now);
            return !result;
        }
        switch (Command)
        {
            case RecentCommand.Set:
                result = !result;
                break;
            case RecentCommand.Remove:
                table.Remove(Name, address);
                return !result;
            default:
                TimeSpan? window = Seconds is { } s ? TimeSpan.FromSeconds(s) : null;
                if (table.Check(Name, address, now, window))
                {
                    result = !result;
                }
                if (Reap && window is { } reapWindow)
                {
                    table.Reap(Name, now, reapWindow);
                }
                break;
        }
        if (Command == RecentCommand.Set || (Command == RecentCommand.Update && result))
        {
            table.Set(Name, address, now);
        }
        return result;
    }

    public override void Save(StringBuilder output)
    {
        output.Append(" -m recent");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(Command switch
        {
            RecentCommand.Set => " --set",
            RecentCommand.Check => " --rcheck",
            RecentCommand.Update => " --update",
            _ => " --remove",
        });
        if (Seconds is { } seconds)
        {
            output.Append(" --seconds ").Append(seconds.ToString(CultureInfo.InvariantCulture));
        }
        if (Reap)
        {
            output.Append(" --reap");
        }
        output.Append(" --name ").Append(Name).Append(" --mask ").Append(Mask.ToString()).Append(Destination ? " --rdest" : " --rsource");
    }

    internal sealed class Builder : MatchBuilder
    {
        /// <summary>XT_RECENT_NAME_LEN is 200 bytes including the terminator.</summary>
        private const int MaxNameLength = 199;

        private RecentCommand? _command;
        private bool _inverted;
        private string? _name;
        private Ipv4Address? _mask;
        private bool _destination;
        private uint? _seconds;
        private bool _reap;

        public override string Module => "recent";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            RecentCommand? command = option switch
            {
                "--set" => RecentCommand.Set,
                "--rcheck" => RecentCommand.Check,
                "--update" => RecentCommand.Update,
                "--remove" => RecentCommand.Remove,
                _ => null,
            };
            if (command is { } given)
            {
                if (_command is { } previous)
                {
                    throw tokens.Error(option.ToString(), $"recent: option \"{option}\" cannot be used together with \"{OptionName(previous)}\"");
                }
                _command = given;
                _inverted = inverted;
                return true;
            }
            switch (option)
            {
                case "--seconds":
                    RejectInversion(option, inverted, tokens);
                    RejectRepeat(_seconds is not null, option, tokens);
                    var text = tokens.TakeValue(option);
                    if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds == 0)
                    {
                        throw tokens.Error(text.ToString(), $"recent: bad value \"{text}\" for option \"--seconds\" (1-4294967295)");
                    }
                    _seconds = seconds;
                    return true;
                case "--reap":
                    RejectInversion(option, inverted, tokens);
                    _reap = true;
                    return true;
                case "--name":
                    RejectInversion(option, inverted, tokens);
                    var name = tokens.TakeValue(option);
                    if (name.IsEmpty || name.Length > MaxNameLength || name.Contains('/'))
                    {
                        throw tokens.Error(name.ToString(), $"recent: invalid list name \"{name}\" (1-{MaxNameLength} characters, no '/')");
                    }
                    _name = tokens.Intern(name);
                    return true;
                case "--mask":
                    RejectInversion(option, inverted, tokens);
                    var maskText = tokens.TakeValue(option);
                    if (!Ipv4Address.TryParse(maskText, out var mask))
                    {
                        throw tokens.Error(maskText.ToString(), $"recent: bad mask \"{maskText}\"");
                    }
                    _mask = mask;
                    return true;
                case "--rsource" or "--rdest":
                    RejectInversion(option, inverted, tokens);
                    // Both are accepted together; the last one wins, as in libxt_recent.
                    _destination = option is "--rdest";
                    return true;
                case "--hitcount" or "--rttl":
                    throw tokens.Error(option.ToString(), $"recent: unsupported option \"{option}\"");
                default:
                    return false;
            }
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted)
        {
            if (_command is not { } command)
            {
                throw tokens.Error("-m recent", "recent: you must specify one of --set, --rcheck, --update or --remove");
            }
            if (_reap && _seconds is null)
            {
                throw tokens.Error("--reap", "recent: option \"--reap\" also requires \"--seconds\"");
            }
            if (command is RecentCommand.Set or RecentCommand.Remove && (_seconds is not null || _reap))
            {
                // The kernel's checkentry refuses these; iptables-restore reports "Invalid argument".
                throw tokens.Error(_seconds is not null ? "--seconds" : "--reap", $"recent: \"--seconds\" and \"--reap\" only go with --rcheck or --update, not {OptionName(command)}");
            }
            return new RecentMatch(command, _inverted, _name ?? "DEFAULT", _mask ?? new Ipv4Address(uint.MaxValue), _destination, _seconds, _reap);
        }

        private static string OptionName(RecentCommand command) => command switch
        {
            RecentCommand.Set => "--set",
            RecentCommand.Check => "--rcheck",
            RecentCommand.Update => "--update",
            _ => "--remove",
        };
    }
}
