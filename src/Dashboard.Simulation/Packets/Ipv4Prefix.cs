using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dashboard.Simulation.Packets;

/// <summary>An address block such as 10.244.0.0/16; a bare address is a /32.</summary>
public readonly record struct Ipv4Prefix
{
    public Ipv4Prefix(Ipv4Address address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 32);
        Length = length;
        Mask = length == 0 ? 0 : uint.MaxValue << (32 - length);
        // The kernel keeps the masked network: iptables-save prints 10.244.0.0/16 for 10.244.3.7/16.
        Network = new Ipv4Address(address.Value & Mask);
    }

    public Ipv4Address Network { get; }
    public int Length { get; }
    public uint Mask { get; }

    public static Ipv4Prefix Host(Ipv4Address address) => new(address, 32);

    public bool Contains(Ipv4Address address) => (address.Value & Mask) == Network.Value;

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var prefix) ? prefix : throw new FormatException($"'{text}' is not an IPv4 address or CIDR");

    /// <summary>Parses "a.b.c.d/n" or a bare address (a /32).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Prefix prefix)
    {
        prefix = default;
        if (text is null)
        {
            return false;
        }
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            if (!Ipv4Address.TryParse(text, out var host))
            {
                return false;
            }
            prefix = Host(host);
            return true;
        }
        if (!Ipv4Address.TryParse(text.AsSpan(0, slash), out var address) ||
            !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) ||
            length > 32 || text.Length - slash - 1 > 2)
        {
            return false;
        }
        prefix = new Ipv4Prefix(address, length);
        return true;
    }

    public override string ToString() => $"{Network}/{Length.ToString(CultureInfo.InvariantCulture)}";
}
