using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Dashboard.Simulation.Packets;

/// <summary>An IPv4 address held as the 32-bit number the kernel compares, so a rule match is one integer test.</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public static Ipv4Address Any => new(0);

    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");

    /// <summary>Parses dotted-quad notation strictly: four decimal octets, no leading zeros, nothing else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address) =>
        TryParse(text.AsSpan(), out address);

    public static bool TryParse(ReadOnlySpan<char> text, out Ipv4Address address)
    {
        address = default;
        uint value = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            var end = text.IndexOf('.');
            var part = octet < 3 ? (end < 0 ? ReadOnlySpan<char>.Empty : text[..end]) : text;
            if (part.IsEmpty || part.Length > 3 || (part.Length > 1 && part[0] == '0') ||
                !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 255)
            {
                return false;
            }
            value = (value << 8) | number;
            if (octet < 3)
            {
                text = text[(end + 1)..];
            }
        }
        address = new Ipv4Address(value);
        return true;
    }

    public byte[] GetBytes()
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Value);
        return bytes;
    }

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public static bool operator <(Ipv4Address left, Ipv4Address right) => left.Value < right.Value;
    public static bool operator >(Ipv4Address left, Ipv4Address right) => left.Value > right.Value;
    public static bool operator <=(Ipv4Address left, Ipv4Address right) => left.Value <= right.Value;
    public static bool operator >=(Ipv4Address left, Ipv4Address right) => left.Value >= right.Value;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
