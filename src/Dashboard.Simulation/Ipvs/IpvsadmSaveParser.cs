using System.Globalization;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>A real server line of ipvsadm-save (`-a ... -r addr:port -m -w 1`).</summary>
public sealed record SavedRealServer(Ipv4Address Address, ushort Port, ForwardingMethod Method, int Weight);

/// <summary>
/// A virtual service of ipvsadm-save (`-A -t addr:port -s rr [-b flags] [-p timeout [-M mask]]`) with its real servers;
/// SchedulerFlags is the -b value as written (mh-port, sh-fallback,sh-port, ...).
/// </summary>
public sealed record SavedService(
    IpProtocol Protocol,
    Ipv4Address Address,
    ushort Port,
    uint FirewallMark,
    string Scheduler,
    int PersistenceTimeoutSeconds,
    Ipv4Address PersistenceNetmask,
    bool OnePacket,
    IReadOnlyList<SavedRealServer> Servers,
    string? SchedulerFlags = null);

/// <summary>
/// Reads the rules `ipvsadm-save -n` writes (the -A and -a commands ipvsadm-restore feeds back to ipvsadm), with
/// ipvsadm's defaults for what a line leaves out: scheduler wlc, persistence 300 s with a bare -p, weight 1, and
/// direct routing (-g) when no forwarding option is given.
/// </summary>
public static class IpvsadmSaveParser
{
    public const string DefaultScheduler = "wlc";

    public static IReadOnlyList<SavedService> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var services = new List<(SavedService Service, List<SavedRealServer> Servers)>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            try
            {
                ParseLine(line, services);
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {lineNumber}: {e.Message}: {line}", e);
            }
        }
        return services.Select(s => s.Service with { Servers = s.Servers }).ToList();
    }

    private static void ParseLine(string line, List<(SavedService Service, List<SavedRealServer> Servers)> services)
    {
        var tokens = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var command = tokens[0];
        if (command is not ("-A" or "--add-service" or "-a" or "--add-server"))
        {
            throw new FormatException($"unsupported command '{command}' (ipvsadm-save writes -A and -a)");
        }
        var isService = command is "-A" or "--add-service";
        IpProtocol? protocol = null;
        Ipv4Address address = default;
        ushort port = 0;
        uint mark = 0;
        string? scheduler = null;
        string? schedulerFlags = null;
        int? persistence = null;
        var netmask = new Ipv4Address(uint.MaxValue);
        var onePacket = false;
        (Ipv4Address Address, ushort Port)? real = null;
        ForwardingMethod? method = null;
        int? weight = null;
        for (var i = 1; i < tokens.Length; i++)
        {
            var option = tokens[i];
            switch (option)
            {
                case "-t" or "--tcp-service":
                    protocol = IpProtocol.Tcp;
                    address = ParseEndpoint(Value(tokens, ref i), out port);
                    break;
                case "-u" or "--udp-service":
                    protocol = IpProtocol.Udp;
                    address = ParseEndpoint(Value(tokens, ref i), out port);
                    break;
                case "--sctp-service":
                    protocol = IpProtocol.Sctp;
                    address = ParseEndpoint(Value(tokens, ref i), out port);
                    break;
                case "-f" or "--fwmark-service":
                    mark = ParseNumber(Value(tokens, ref i), 1, uint.MaxValue, "firewall mark");
                    protocol = IpProtocol.Tcp;
                    break;
                case "-s" or "--scheduler" when isService:
                    scheduler = Value(tokens, ref i);
                    break;
                case "-b" or "--sched-flags" when isService:
                    schedulerFlags = Value(tokens, ref i);
                    break;
                case "-p" or "--persistent" when isService:
                    // -p takes an optional value: a following option starts with '-'.
                    persistence = i + 1 < tokens.Length && !tokens[i + 1].StartsWith('-') && tokens[i + 1] != "ops"
                        ? (int)ParseNumber(tokens[++i], 1, 86400 * 31, "persistence timeout")
                        : VirtualService.DefaultPersistenceTimeoutSeconds;
                    break;
                case "-M" or "--netmask" when isService:
                    if (!Ipv4Address.TryParse(Value(tokens, ref i), out netmask))
                    {
                        throw new FormatException($"'{tokens[i]}' is not a netmask");
                    }
                    break;
                case "ops" or "-o" or "--ops" when isService:
                    onePacket = true;
                    break;
                case "-r" or "--real-server" when !isService:
                    var realAddress = ParseEndpoint(Value(tokens, ref i), out var realPort);
                    real = (realAddress, realPort);
                    break;
                case "-m" or "--masquerading" when !isService:
                    method = ForwardingMethod.Masquerade;
                    break;
                case "-g" or "--gatewaying" when !isService:
                    method = ForwardingMethod.DirectRouting;
                    break;
                case "-i" or "--ipip" when !isService:
                    method = ForwardingMethod.Tunnel;
                    break;
                case "-w" or "--weight" when !isService:
                    weight = (int)ParseNumber(Value(tokens, ref i), 0, 65535, "weight");
                    break;
                default:
                    throw new FormatException($"unexpected '{option}'");
            }
        }
        if (protocol is null)
        {
            throw new FormatException("no service given (-t, -u, --sctp-service or -f)");
        }
        if (isService)
        {
            if (Find(services, protocol.Value, address, port, mark) is not null)
            {
                throw new FormatException("service already added");
            }
            var service = new SavedService(protocol.Value, address, port, mark, scheduler ?? DefaultScheduler, persistence ?? 0,
                netmask, onePacket, [], schedulerFlags);
            services.Add((service, []));
            return;
        }
        var owner = Find(services, protocol.Value, address, port, mark)
            ?? throw new FormatException("real server for a service not added before it");
        if (real is null)
        {
            throw new FormatException("-a needs -r");
        }
        owner.Servers.Add(new SavedRealServer(real.Value.Address, real.Value.Port, method ?? ForwardingMethod.DirectRouting, weight ?? 1));
    }

    private static (SavedService Service, List<SavedRealServer> Servers)? Find(
        List<(SavedService Service, List<SavedRealServer> Servers)> services, IpProtocol protocol, Ipv4Address address, ushort port, uint mark)
    {
        foreach (var entry in services)
        {
            var s = entry.Service;
            if (mark != 0 ? s.FirewallMark == mark : s.FirewallMark == 0 && s.Protocol == protocol && s.Address == address && s.Port == port)
            {
                return entry;
            }
        }
        return null;
    }

    private static string Value(string[] tokens, ref int i)
    {
        if (i + 1 >= tokens.Length)
        {
            throw new FormatException($"'{tokens[i]}' needs a value");
        }
        return tokens[++i];
    }

    /// <summary>host[:port] in numeric form; a missing port is 0, as ipvsadm takes it.</summary>
    private static Ipv4Address ParseEndpoint(string text, out ushort port)
    {
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        port = colon < 0 ? (ushort)0 : (ushort)ParseNumber(text[(colon + 1)..], 0, 65535, "port");
        return Ipv4Address.TryParse(host, out var address) ? address : throw new FormatException($"'{host}' is not an IPv4 address");
    }

    private static uint ParseNumber(string text, uint min, uint max, string what) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException($"'{text}' is not a valid {what}");
}
