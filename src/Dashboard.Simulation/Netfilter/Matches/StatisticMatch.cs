using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>
/// `-m statistic --mode random [!] --probability p`: kube-proxy's endpoint pick. The kernel keeps p as
/// lround(2^31 * p) and matches when a random 31-bit number is below it, so p = 1/3 really is 0.33333333349.
/// </summary>
public sealed class StatisticMatch(uint probability31, bool inverted) : Match
{
    private const double Scale = 2147483648.0;

    /// <summary>The probability as the kernel stores it: a count out of 2^31 (2^31 itself means always).</summary>
    public uint Probability31 { get; } = probability31;

    public bool Inverted { get; } = inverted;

    public override string Module => "statistic";

    /// <summary>Rounds p to the kernel's 2^-31 steps as iptables does (lround of the scaled double).</summary>
    public static StatisticMatch FromProbability(double probability, bool inverted = false)
    {
        if (!(probability is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), "a probability is between 0 and 1");
        }
        return new StatisticMatch((uint)Math.Round(probability * Scale, MidpointRounding.AwayFromZero), inverted);
    }

    public override bool Matches(MatchContext context) => context.Statistic.Draw(context.CurrentRule, Probability31) != Inverted;

    public override void Save(StringBuilder output)
    {
        output.Append(" -m statistic --mode random");
        if (Inverted)
        {
            output.Append(" !");
        }
        output.Append(" --probability ");
        AppendProbability(output, Probability31);
    }

    /// <summary>
    /// printf("%.11f", stored / 2^31) done in exact integer arithmetic: glibc rounds the exact binary value half to even,
    /// and a stored value that is an odd multiple of 2^19 lands exactly on such a tie (0.000244140625 prints 0.00024414062).
    /// </summary>
    internal static void AppendProbability(StringBuilder output, uint probability31)
    {
        const ulong Digits = 100_000_000_000UL;
        var scaled = (UInt128)probability31 * Digits;
        var quotient = (ulong)(scaled >> 31);
        var remainder = (ulong)(scaled & 0x7FFF_FFFF);
        if (remainder > 0x4000_0000 || (remainder == 0x4000_0000 && (quotient & 1) == 1))
        {
            quotient++;
        }
        output.Append((quotient / Digits).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((quotient % Digits).ToString("D11", CultureInfo.InvariantCulture));
    }

    internal sealed class Builder : MatchBuilder
    {
        private bool _mode;
        private double? _probability;
        private bool _inverted;

        public override string Module => "statistic";

        public override bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            switch (option)
            {
                case "--mode":
                    RejectInversion(option, inverted, tokens);
                    RejectRepeat(_mode, option, tokens);
                    var mode = tokens.TakeValue(option);
                    if (mode is not "random")
                    {
                        throw tokens.Error(mode.ToString(), $"statistic: unsupported mode \"{mode}\" (only random is modelled)");
                    }
                    _mode = true;
                    return true;
                case "--probability":
                    RejectRepeat(_probability is not null, option, tokens);
                    var text = tokens.TakeValue(option);
                    if (!double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var p) ||
                        !(p is >= 0 and <= 1))
                    {
                        throw tokens.Error(text.ToString(), $"statistic: bad value \"{text}\" for option \"--probability\" (0-1)");
                    }
                    _probability = p;
                    _inverted = inverted;
                    return true;
                case "--every" or "--packet":
                    throw tokens.Error(option.ToString(), $"statistic: unsupported option \"{option}\" (only --mode random is modelled)");
                default:
                    return false;
            }
        }

        public override Match Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted)
        {
            if (!_mode)
            {
                throw tokens.Error("-m statistic", "statistic: option \"--mode\" must be specified");
            }
            if (_probability is not { } probability)
            {
                throw tokens.Error("-m statistic", "statistic: --probability must be specified when using random mode");
            }
            var match = FromProbability(probability, _inverted);
            return (Match)(tokens.Shared(Module, match.Probability31, _inverted ? 1UL : 0) ??= match);
        }
    }
}
