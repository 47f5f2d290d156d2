using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.IpSets;

/// <summary>
/// The member of a set a packet matched, kept as the element and its set's type: it is worded as `ipset list` prints it
/// only when someone reads it, because formatting it for every matched set rule cost about a tenth of an IPVS-mode packet.
/// </summary>
public readonly record struct IpSetMatch(IpSetEntry Entry, IpSetType Type)
{
    public override string ToString() => Entry.Format(Type);
}

/// <summary>
/// One element of a set, laid out like the kernel's element structs: an address (Ip), a protocol and port, a second
/// address (Ip2) and a prefix length (Cidr) for the net dimension. Each type uses only its own fields; the rest stay zero.
/// </summary>
public readonly record struct IpSetEntry(Ipv4Address Ip, IpProtocol Protocol, ushort Port, Ipv4Address Ip2, byte Cidr)
{
    public static IpSetEntry ForIp(Ipv4Address ip) => new(ip, 0, 0, default, 0);

    public static IpSetEntry ForIpPort(Ipv4Address ip, IpProtocol protocol, ushort port) => new(ip, protocol, port, default, 0);

    public static IpSetEntry ForIpPortIp(Ipv4Address ip, IpProtocol protocol, ushort port, Ipv4Address ip2) =>
        new(ip, protocol, port, ip2, 0);

    /// <summary>The network is stored masked, as the kernel does: 10.1.2.3/8 becomes 10.0.0.0/8.</summary>
    public static IpSetEntry ForIpPortNet(Ipv4Address ip, IpProtocol protocol, ushort port, Ipv4Prefix net) =>
        new(ip, protocol, port, net.Network, CheckedCidr(net));

    public static IpSetEntry ForNet(Ipv4Prefix net) => new(net.Network, 0, 0, default, CheckedCidr(net));

    public static IpSetEntry ForPort(ushort port) => new(default, 0, port, default, 0);

    /// <summary>The element as `ipset save` prints it for a set of this type, e.g. "10.96.0.10,tcp:80".</summary>
    public string Format(IpSetType type)
    {
        var text = new StringBuilder();
        Format(type, text);
        return text.ToString();
    }

    public void Format(IpSetType type, StringBuilder output)
    {
        switch (type)
        {
            case IpSetType.HashIp:
                output.Append(Ip.ToString());
                break;
            case IpSetType.HashIpPort:
                AppendIpPort(output);
                break;
            case IpSetType.HashIpPortIp:
                AppendIpPort(output);
                output.Append(',').Append(Ip2.ToString());
                break;
            case IpSetType.HashIpPortNet:
                AppendIpPort(output);
                output.Append(',');
                AppendNet(output, Ip2, Cidr);
                break;
            case IpSetType.HashNet:
                AppendNet(output, Ip, Cidr);
                break;
            case IpSetType.BitmapPort:
                output.Append(Port.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>
    /// Parses an element as `ipset add` takes it: "10.96.0.10,tcp:80"; a port without protocol means tcp, and
    /// a net without prefix length is a /32 (both as the ipset tool reads them).
    /// </summary>
    public static bool TryParse(IpSetType type, string text, out IpSetEntry entry, [NotNullWhen(false)] out string? error)
    {
        error = ParseCore(type, text, out entry);
        return error is null;
    }

    public static IpSetEntry Parse(IpSetType type, string text) =>
        TryParse(type, text, out var entry, out var error) ? entry : throw new FormatException(error);

    /// <summary>Null when the text is a valid element, else why not.</summary>
    private static string? ParseCore(IpSetType type, string text, out IpSetEntry entry)
    {
        entry = default;
        string? error = null;
        var parts = text.Split(',');
        if (parts.Length != type.Dimensions())
        {
            return $"\"{text}\" does not have the {type.Dimensions()} comma-separated parts a {type.ToName()} element needs";
        }
        switch (type)
        {
            case IpSetType.HashIp:
                if (!TryAddress(parts[0], out var ip, ref error))
                {
                    return error;
                }
                entry = ForIp(ip);
                return null;
            case IpSetType.HashNet:
                if (!TryNet(parts[0], out var net, ref error))
                {
                    return error;
                }
                entry = ForNet(net);
                return null;
            case IpSetType.BitmapPort:
                if (!TryPortNumber(parts[0], out var bitmapPort, ref error))
                {
                    return error;
                }
                entry = ForPort(bitmapPort);
                return null;
            default:
                if (!TryAddress(parts[0], out var first, ref error) || !TryProtoPort(parts[1], out var protocol, out var port, ref error))
                {
                    return error;
                }
                if (type == IpSetType.HashIpPort)
                {
                    entry = ForIpPort(first, protocol, port);
                    return null;
                }
                if (type == IpSetType.HashIpPortIp)
                {
                    if (!TryAddress(parts[2], out var second, ref error))
                    {
                        return error;
                    }
                    entry = ForIpPortIp(first, protocol, port, second);
                    return null;
                }
                if (!TryNet(parts[2], out var third, ref error))
                {
                    return error;
                }
                entry = ForIpPortNet(first, protocol, port, third);
                return null;
        }
    }

    private void AppendIpPort(StringBuilder output) =>
        output.Append(Ip.ToString()).Append(',').Append(Protocol.ToName()).Append(':').Append(Port.ToString(CultureInfo.InvariantCulture));

    /// <summary>ipset prints a host route without its "/32", any other prefix with it.</summary>
    private static void AppendNet(StringBuilder output, Ipv4Address network, byte cidr)
    {
        output.Append(network.ToString());
        if (cidr != 32)
        {
            output.Append('/').Append(cidr.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static byte CheckedCidr(Ipv4Prefix net) =>
        net.Length == 0
            ? throw new ArgumentOutOfRangeException(nameof(net), "a set cannot store a /0 network (the kernel refuses prefix length 0)")
            : (byte)net.Length;

    private static bool TryAddress(string text, out Ipv4Address address, ref string? error)
    {
        if (Ipv4Address.TryParse(text, out address))
        {
            return true;
        }
        error = $"\"{text}\" is not an IPv4 address";
        return false;
    }

    private static bool TryNet(string text, out Ipv4Prefix net, ref string? error)
    {
        if (!Ipv4Prefix.TryParse(text, out net))
        {
            error = $"\"{text}\" is not an IPv4 address or network";
            return false;
        }
        if (net.Length == 0)
        {
            error = $"\"{text}\": a set cannot store a /0 network";
            return false;
        }
        return true;
    }

    private static bool TryPortNumber(string text, out ushort port, ref string? error)
    {
        if (ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            return true;
        }
        error = $"\"{text}\" is not a port number (0-65535)";
        return false;
    }

    private static bool TryProtoPort(string text, out IpProtocol protocol, out ushort port, ref string? error)
    {
        var colon = text.IndexOf(':');
        protocol = IpProtocol.Tcp;
        port = 0;
        if (colon >= 0)
        {
            var name = text[..colon];
            if (!IpProtocolNames.TryParse(name, out protocol) || !protocol.HasPorts())
            {
                error = $"\"{name}\" is not a protocol this model keeps ports for (tcp, udp, sctp)";
                return false;
            }
            text = text[(colon + 1)..];
        }
        return TryPortNumber(text, out port, ref error);
    }
}
