using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// `-m physdev [!] --physdev-is-in [!] --physdev-in NAME [!] --physdev-is-bridged`: tests the bridge port a packet came in
/// on. kube-proxy's IPVS mode uses `! --physdev-is-in` to accept external-IP traffic that did not come from a container
/// bridge. The simulated node has no bridge, so no packet has bridge-port information, and then the kernel (xt_physdev)
/// matches exactly when every option given is negated.
/// </summary>
public sealed class PhysDevMatch(bool? isInInverted, string? inInterface, bool inInterfaceInverted, bool? isBridgedInverted) : Match
{
    /// <summary>null: --physdev-is-in not given; otherwise whether it is negated.</summary>
    public bool? IsInInverted { get; } = isInInverted;

    /// <summary>The bridge port name of --physdev-in (a trailing + is a prefix wildcard), or null.</summary>
    public string? InInterface { get; } = inInterface;

    public bool InInterfaceInverted { get; } = inInterfaceInverted;

    /// <summary>null: --physdev-is-bridged not given; otherwise whether it is negated.</summary>
    public bool? IsBridgedInverted { get; } = isBridgedInverted;

    public override string Module => "physdev";

    public override bool Matches(MatchContext context) =>
        (IsInInverted is null or true) && (InInterface is null || InInterfaceInverted) && (IsBridgedInverted is null or true);

    /// <summary>libxt_physdev prints --physdev-is-in, --physdev-in, (the out options,) --physdev-is-bridged, whatever the input order.</summary>
    public override void Save(StringBuilder output)
    {
        output.Append(" -m physdev");
        if (IsInInverted is { } isIn)
        {
            output.Append(isIn ? " !" : "").Append(" --physdev-is-in");
        }
        if (InInterface is not null)
        {
            output.Append(InInterfaceInverted ? " !" : "").Append(" --physdev-in ").Append(InInterface);
        }
        if (IsBridgedInverted is { } isBridged)
        {
            output.Append(isBridged ? " !" : "").Append(" --physdev-is-bridged");
        }
    }

    internal sealed class Builder : MatchBuilder
    {
        /// <summary>IFNAMSIZ is 16 bytes with the terminator.</summary>
        private const int MaxInterfaceName = 15;

        private bool? _isIn;
        private string? _in;
        private bool _inInverted;
        private bool? _isBridged;

        public override string Module => "physdev";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            switch (option)
            {
                case "--physdev-is-in":
                    RejectRepeat(_isIn is not null, option, tokens);
                    _isIn = inverted;
                    return true;
                case "--physdev-in":
                    RejectRepeat(_in is not null, option, tokens);
                    var name = tokens.TakeValue(option);
                    if (name.IsEmpty || name.Length > MaxInterfaceName)
                    {
                        throw tokens.Error(name.ToString(), $"physdev: invalid interface name \"{name}\" (1-{MaxInterfaceName} characters)");
                    }
                    _in = tokens.Intern(name);
                    _inInverted = inverted;
                    return true;
                case "--physdev-is-bridged":
                    RejectRepeat(_isBridged is not null, option, tokens);
                    _isBridged = inverted;
                    return true;
                case "--physdev-out" or "--physdev-is-out":
                    // The kernel accepts these only in chains that LOCAL_OUT cannot reach, a check on the whole table
                    // that the simulator does not make; a node without bridges has no use for them either.
                    throw tokens.Error(option.ToString(), $"physdev: unsupported option \"{option}\" (only --physdev-is-in, --physdev-in and --physdev-is-bridged are modelled)");
                default:
                    return false;
            }
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted) =>
            _isIn is null && _in is null && _isBridged is null
                ? throw tokens.Error("-m physdev", "physdev: no physdev option specified")
                : new PhysDevMatch(_isIn, _in, _inInverted, _isBridged);
    }
}
