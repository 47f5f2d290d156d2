using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter;

/// <summary>What a matching rule does: a verdict, a jump to another chain, or a packet rewrite.</summary>
public abstract class Target
{
    /// <summary>The name after -j (or -g): ACCEPT, KUBE-SVC-..., DNAT.</summary>
    public abstract string Name { get; }

    /// <summary>Writes " -j NAME --options" exactly as iptables-save prints it, with a leading space.</summary>
    public virtual void Save(StringBuilder output) => output.Append(" -j ").Append(Name);
}

/// <summary>ACCEPT, DROP or RETURN.</summary>
public sealed class VerdictTarget(Verdict verdict) : Target
{
    public Verdict Verdict { get; } = verdict;
    public override string Name => Verdict switch
    {
        Verdict.Accept => "ACCEPT",
        Verdict.Drop => "DROP",
        _ => "RETURN",
    };
}

/// <summary>-j CHAIN (come back after it) or -g CHAIN (do not come back).</summary>
public sealed class JumpTarget(string chainName, bool isGoto) : Target
{
    public string ChainName { get; } = chainName;
    public bool IsGoto { get; } = isGoto;

    /// <summary>Resolved once the whole table is read: a jump to a missing chain is an error in iptables-restore.</summary>
    public Chain Chain { get; internal set; } = null!;

    public override string Name => ChainName;

    public override void Save(StringBuilder output) => output.Append(IsGoto ? " -g " : " -j ").Append(ChainName);
}

/// <summary>REJECT: drops the packet and answers with an ICMP error (or a TCP reset).</summary>
public sealed class RejectTarget(string rejectWith) : Target
{
    public string RejectWith { get; } = rejectWith;
    public override string Name => "REJECT";
    public override void Save(StringBuilder output) => output.Append(" -j REJECT --reject-with ").Append(RejectWith);
}

/// <summary>DNAT / SNAT: rewrite the destination / source of the connection's first packet; conntrack does the rest.</summary>
public sealed class NatTarget(bool isDestination, Ipv4Address address, ushort? port, bool randomFully = false) : Target
{
    public bool IsDestination { get; } = isDestination;
    public Ipv4Address Address { get; } = address;
    public ushort? Port { get; } = port;
    public bool RandomFully { get; } = randomFully;
    public override string Name => IsDestination ? "DNAT" : "SNAT";

    public override void Save(StringBuilder output)
    {
        output.Append(" -j ").Append(Name).Append(IsDestination ? " --to-destination " : " --to-source ").Append(Address.ToString());
        if (Port is { } port)
        {
            output.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }
        if (RandomFully)
        {
            output.Append(" --random-fully");
        }
    }
}

/// <summary>MASQUERADE: SNAT to the address of the interface the packet leaves by.</summary>
public sealed class MasqueradeTarget(bool randomFully, bool random = false) : Target
{
    public bool RandomFully { get; } = randomFully;

    /// <summary>--random: randomised source port allocation (iptables-save prints it before --random-fully).</summary>
    public bool Random { get; } = random;

    public override string Name => "MASQUERADE";

    public override void Save(StringBuilder output)
    {
        output.Append(" -j MASQUERADE");
        if (Random)
        {
            output.Append(" --random");
        }
        if (RandomFully)
        {
            output.Append(" --random-fully");
        }
    }
}

/// <summary>
/// MARK: sets bits of the skb mark. Every form (--set-mark, --or-mark, --xor-mark, --and-mark) is the kernel's
/// mark = (mark AND NOT mask) XOR value, which is why iptables-save prints them all as --set-xmark value/mask.
/// </summary>
public sealed class MarkTarget(uint value, uint mask) : Target
{
    public uint Value { get; } = value;
    public uint Mask { get; } = mask;
    public override string Name => "MARK";

    public uint Apply(uint mark) => (mark & ~Mask) ^ Value;

    public override void Save(StringBuilder output) =>
        output.Append(" -j MARK --set-xmark 0x").Append(Value.ToString("x", CultureInfo.InvariantCulture))
            .Append("/0x").Append(Mask.ToString("x", CultureInfo.InvariantCulture));
}
