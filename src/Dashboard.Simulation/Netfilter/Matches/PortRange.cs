using System.Globalization;
using System.Text;

namespace Dashboard.Simulation.Netfilter.Matches;

/// <summary>An inclusive range of TCP/UDP ports, as `--dport 3000:3005` gives it; a single port is a range of one.</summary>
public readonly record struct PortRange(ushort Min, ushort Max)
{
    /// <summary>0:65535, which the kernel stores when a port option is absent and iptables-save then leaves out.</summary>
    public static PortRange All => new(0, ushort.MaxValue);

    public bool IsAll => Min == 0 && Max == ushort.MaxValue;

    public bool Contains(ushort port) => port >= Min && port <= Max;

    internal void Save(StringBuilder output)
    {
        output.Append(Min.ToString(CultureInfo.InvariantCulture));
        if (Max != Min)
        {
            output.Append(':').Append(Max.ToString(CultureInfo.InvariantCulture));
        }
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        Save(text);
        return text.ToString();
    }
}
