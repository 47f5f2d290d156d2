using System.Globalization;
using System.Text;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>
/// The text ipvsadm prints for these tables, column for column as ipvsadm.c's printf formats produce it (numeric
/// mode, IPv4): `ipvsadm -Ln`, `-Lnc`, `-Ln --stats`, `ipvsadm-save -n` and `--timeout`. Lines end in '\n' and keep
/// the trailing spaces the left-aligned columns leave.
/// </summary>
public static class IpvsadmFormatter
{
    /// <summary>The IPVS version every current kernel reports (IP_VS_VERSION_CODE 0x010201).</summary>
    public const string KernelIpvsVersion = "1.2.1";

    /// <summary>The kernel's ip_vs_proto_name: TCP, UDP, SCTP, and IP for a firewall-mark template (protocol 0).</summary>
    public static string ProtocolName(IpProtocol protocol) => protocol switch
    {
        IpProtocol.Tcp => "TCP",
        IpProtocol.Udp => "UDP",
        IpProtocol.Sctp => "SCTP",
        0 => "IP",
        _ => string.Create(CultureInfo.InvariantCulture, $"IP_{(byte)protocol}"),
    };

    /// <summary>ipvsadm's fwd_name: the Forward column.</summary>
    public static string ForwardName(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "Masq",
        ForwardingMethod.DirectRouting => "Route",
        ForwardingMethod.Tunnel => "Tunnel",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>ipvsadm's fwd_switch: the option ipvsadm-save writes.</summary>
    public static string ForwardSwitch(ForwardingMethod method) => method switch
    {
        ForwardingMethod.Masquerade => "-m",
        ForwardingMethod.DirectRouting => "-g",
        ForwardingMethod.Tunnel => "-i",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    /// <summary>
    /// `ipvsadm -Ln`, or with <paramref name="sorted"/> false `ipvsadm -Ln --nosort`: ipvsadm sorts services and real
    /// servers unless told not to (print_service_entry's FMT_NOSORT), so only --nosort shows the kernel's own order,
    /// in which a service's newest real server comes first.
    /// </summary>
    public static string List(ServiceTable services, int connectionTableSize = 1 << ConnectionTable.DefaultTableBits, bool sorted = true)
    {
        var text = new StringBuilder();
        List(ListingBuilder.ForText(text), services, connectionTableSize, sorted);
        return text.ToString();
    }

    /// <summary>`ipvsadm -Ln` as lines, with the line of each virtual service and of each real server under it.</summary>
    public static ToolListing ListListing(ServiceTable services, int connectionTableSize = 1 << ConnectionTable.DefaultTableBits, bool sorted = true)
    {
        var listing = ListingBuilder.ForListing();
        List(listing, services, connectionTableSize, sorted);
        return listing.ToListing();
    }

    private static void List(ListingBuilder listing, ServiceTable services, int connectionTableSize, bool sorted)
    {
        ArgumentNullException.ThrowIfNull(services);
        var text = listing.Line;
        AppendVersion(text, connectionTableSize);
        listing.EndLine(LineKind.Heading);
        text.Append("Prot LocalAddress:Port Scheduler Flags");
        listing.EndLine(LineKind.Heading);
        text.Append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn");
        listing.EndLine(LineKind.Heading);
        foreach (var service in sorted ? SortedServices(services) : services.InKernelOrder())
        {
            var name = ServiceName(service);
            text.Append(service.ToString()).Append(' ').Append(service.Scheduler.Name);
            if (SchedulerFlags(service) is { } flags)
            {
                text.Append(" (").Append(flags).Append(')');
            }
            if (service.IsPersistent)
            {
                text.Append(Invariant($" persistent {service.PersistenceTimeoutSeconds}"));
                if (service.PersistenceNetmask.Value != uint.MaxValue)
                {
                    text.Append(" mask ").Append(service.PersistenceNetmask);
                }
                // ipvsadm prints ops only inside the persistent branch of -L (not so in -S).
                if (service.OnePacket)
                {
                    text.Append(" ops");
                }
            }
            listing.EndLine(LineKind.VirtualService, new VirtualServiceAnchor(name));
            foreach (var server in sorted ? SortedServers(service) : service.Servers)
            {
                // "  -> %-28s %-7s %-6d %-10u %-10u\n"
                var address = server.ToString();
                text.Append("  -> ").Append(Left(address, 28)).Append(' ')
                    .Append(Left(ForwardName(server.Method), 7)).Append(' ')
                    .Append(Left(Invariant($"{server.Weight}"), 6)).Append(' ')
                    .Append(Left(Invariant($"{server.ActiveConnections}"), 10)).Append(' ')
                    .Append(Left(Invariant($"{server.InactiveConnections}"), 10));
                listing.EndLine(LineKind.RealServer, new RealServerAnchor(name, address));
            }
        }
    }

    /// <summary>
    /// How the engine names a virtual service in its events and anchors: "TCP 10.96.0.10:80" (one space, where ipvsadm's
    /// column leaves two), or "FWM 1".
    /// </summary>
    public static string ServiceName(VirtualService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.IsFirewallMark ? Invariant($"FWM {service.FirewallMark}") : ServiceName(service.Protocol, service.Address, service.Port);
    }

    /// <summary>The name of the service a packet to this protocol, address and port looks up.</summary>
    public static string ServiceName(IpProtocol protocol, Ipv4Address address, ushort port) =>
        Invariant($"{ProtocolName(protocol)} {address}:{port}");

    /// <summary>`ipvsadm -Ln --stats`: totals per service and per real server, large numbers shortened with K/M/G/T.</summary>
    public static string ListStats(ServiceTable services, int connectionTableSize = 1 << ConnectionTable.DefaultTableBits)
    {
        ArgumentNullException.ThrowIfNull(services);
        var text = new StringBuilder();
        AppendVersion(text, connectionTableSize).Append('\n');
        // "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n"
        text.Append(Left("Prot LocalAddress:Port", 33))
            .Append(' ').Append(Right("Conns", 8))
            .Append(' ').Append(Right("InPkts", 8))
            .Append(' ').Append(Right("OutPkts", 8))
            .Append(' ').Append(Right("InBytes", 8))
            .Append(' ').Append(Right("OutBytes", 8)).Append('\n');
        text.Append("  -> RemoteAddress:Port\n");
        foreach (var service in SortedServices(services))
        {
            text.Append(Left(service.ToString(), 33));
            AppendLargeNumbers(text, service.Connections, service.InPackets, service.OutPackets, service.InBytes, service.OutBytes);
            text.Append('\n');
            foreach (var server in SortedServers(service))
            {
                text.Append("  -> ").Append(Left(server.ToString(), 28));
                AppendLargeNumbers(text, server.Connections, server.InPackets, server.OutPackets, server.InBytes, server.OutBytes);
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// `ipvsadm -Lnc`: the connection table as /proc/net/ip_vs_conn lists it (bucket order, newest first in a bucket,
    /// templates included), expiry as mm:ss of the whole seconds left; the first <paramref name="maxEntries"/> entries
    /// only, for a view that shows no more.
    /// </summary>
    public static string ListConnections(ConnectionTable table, TimeSpan now, int maxEntries = int.MaxValue)
    {
        var text = new StringBuilder();
        ListConnections(ListingBuilder.ForText(text), table, now, maxEntries);
        return text.ToString();
    }

    /// <summary>`ipvsadm -Lnc` as lines, its two headings told apart from the connections.</summary>
    public static ToolListing ConnectionsListing(ConnectionTable table, TimeSpan now, int maxEntries = int.MaxValue)
    {
        var listing = ListingBuilder.ForListing();
        ListConnections(listing, table, now, maxEntries);
        return listing.ToListing();
    }

    private static void ListConnections(ListingBuilder listing, ConnectionTable table, TimeSpan now, int maxEntries)
    {
        ArgumentNullException.ThrowIfNull(table);
        table.Advance(now);
        var text = listing.Line;
        text.Append("IPVS connection entries");
        listing.EndLine(LineKind.Heading);
        // "pro expire %-11s %-18s %-18s %s\n"
        text.Append("pro expire ").Append(Left("state", 11)).Append(' ').Append(Left("source", 18)).Append(' ')
            .Append(Left("virtual", 18)).Append(' ').Append("destination");
        listing.EndLine(LineKind.Heading);
        foreach (var entry in table.Entries.Take(maxEntries))
        {
            AppendConnection(text, entry, now);
            listing.EndLine(LineKind.Connection);
        }
    }

    /// <summary>One entry as `ipvsadm -Lnc` prints it (no newline).</summary>
    public static string ConnectionLine(IpvsConnection entry, TimeSpan now) => AppendConnection(new StringBuilder(), entry, now).ToString();

    private static StringBuilder AppendConnection(StringBuilder text, IpvsConnection entry, TimeSpan now)
    {
        var seconds = entry.RemainingSeconds(now);
        var expire = Invariant($"{seconds / 60:00}:{seconds % 60:00}");
        // "%-3s %-6s %-11s %-18s %-18s %s\n"
        return text.Append(Left(ProtocolName(entry.Protocol), 3)).Append(' ')
            .Append(Left(expire, 6)).Append(' ')
            .Append(Left(entry.State.ToIpvsName(), 11)).Append(' ')
            .Append(Left(Invariant($"{entry.ClientAddress}:{entry.ClientPort}"), 18)).Append(' ')
            .Append(Left(Invariant($"{entry.VirtualAddress}:{entry.VirtualPort}"), 18)).Append(' ')
            .Append(Invariant($"{entry.DestinationAddress}:{entry.DestinationPort}"));
    }

    /// <summary>`ipvsadm-save -n` (ipvsadm -S -n): one -A line per service, then one -a line per real server.</summary>
    public static string Save(ServiceTable services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var text = new StringBuilder();
        foreach (var service in SortedServices(services))
        {
            var name = RuleName(service);
            text.Append("-A ").Append(name).Append(" -s ").Append(service.Scheduler.Name);
            if (SchedulerFlags(service) is { } flags)
            {
                text.Append(" -b ").Append(flags);
            }
            if (service.IsPersistent)
            {
                text.Append(Invariant($" -p {service.PersistenceTimeoutSeconds}"));
                if (service.PersistenceNetmask.Value != uint.MaxValue)
                {
                    text.Append(" -M ").Append(service.PersistenceNetmask);
                }
            }
            if (service.OnePacket)
            {
                text.Append(" ops");
            }
            text.Append('\n');
            foreach (var server in SortedServers(service))
            {
                text.Append("-a ").Append(name).Append(" -r ").Append(server.ToString()).Append(' ')
                    .Append(ForwardSwitch(server.Method)).Append(Invariant($" -w {server.Weight}")).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// ipvsadm's print_sched_flags: sh and mh name their flags (mh-fallback,mh-port); null when none is set. kube-proxy
    /// sets mh-port on every mh service (its FlagSourceHash).
    /// </summary>
    private static string? SchedulerFlags(VirtualService service)
    {
        var flags = service.Scheduler switch
        {
            Maglev maglev => maglev.Flags,
            SourceHashing sourceHashing => sourceHashing.Flags,
            _ => HashingFlags.None,
        };
        if (flags == HashingFlags.None)
        {
            return null;
        }
        var name = service.Scheduler.Name;
        return string.Join(',', new[] { (HashingFlags.Fallback, "-fallback"), (HashingFlags.Port, "-port") }
            .Where(f => flags.HasFlag(f.Item1)).Select(f => name + f.Item2));
    }

    /// <summary>`ipvsadm --timeout` (list_timeout).</summary>
    public static string Timeouts(IpvsTimeouts timeouts)
    {
        ArgumentNullException.ThrowIfNull(timeouts);
        return Invariant($"Timeout (tcp tcpfin udp): {timeouts.TcpSeconds} {timeouts.TcpFinSeconds} {timeouts.UdpSeconds}\n");
    }

    /// <summary>
    /// Services in ipvsadm's order: qsort with ipvs_cmp_services (fwmark, protocol, address, port), whose int
    /// subtraction of unsigned values wraps, so addresses more than 2^31 apart compare "backwards". glibc's qsort is
    /// a merge sort for arrays like these, reproduced here so that order comes out the same.
    /// </summary>
    public static IReadOnlyList<VirtualService> SortedServices(ServiceTable services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var list = services.Services.ToArray();
        MergeSort(list, CompareServices);
        return list;
    }

    /// <summary>Real servers in ipvsadm's order (ipvs_cmp_dests: address, then port).</summary>
    public static IReadOnlyList<RealServer> SortedServers(VirtualService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var list = service.Servers.ToArray();
        MergeSort(list, CompareServers);
        return list;
    }

    internal static int CompareServices(VirtualService s1, VirtualService s2)
    {
        var r = unchecked((int)(s1.FirewallMark - s2.FirewallMark));
        if (r != 0)
        {
            return r;
        }
        r = (byte)s1.Protocol - (byte)s2.Protocol;
        if (r != 0)
        {
            return r;
        }
        r = unchecked((int)(s1.Address.Value - s2.Address.Value));
        return r != 0 ? r : s1.Port - s2.Port;
    }

    internal static int CompareServers(RealServer d1, RealServer d2)
    {
        var r = unchecked((int)(d1.Address.Value - d2.Address.Value));
        return r != 0 ? r : d1.Port - d2.Port;
    }

    /// <summary>glibc's msort_with_tmp: split n/2, sort both halves, merge taking the left element on ties.</summary>
    internal static void MergeSort<T>(T[] items, Comparison<T> compare)
    {
        var scratch = new T[items.Length];
        Sort(items, 0, items.Length);

        void Sort(T[] b, int start, int n)
        {
            if (n <= 1)
            {
                return;
            }
            var n1 = n / 2;
            var n2 = n - n1;
            Sort(b, start, n1);
            Sort(b, start + n1, n2);
            int i = start, j = start + n1, k = 0;
            while (n1 > 0 && n2 > 0)
            {
                if (compare(b[i], b[j]) <= 0)
                {
                    scratch[k++] = b[i++];
                    n1--;
                }
                else
                {
                    scratch[k++] = b[j++];
                    n2--;
                }
            }
            while (n1-- > 0)
            {
                scratch[k++] = b[i++];
            }
            Array.Copy(scratch, 0, b, start, k);
        }
    }

    /// <summary>print_largenum: 9 columns; from 10^8 on, 8 digits and a K, M, G or T suffix (the value divided down).</summary>
    public static string LargeNumber(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var i = (ulong)value;
        return i switch
        {
            < 100_000_000UL => Right(Invariant($"{i}"), 9),
            < 1_000_000_000UL => Right(Invariant($"{i / 1_000}"), 8) + "K",
            < 100_000_000_000UL => Right(Invariant($"{i / 1_000_000}"), 8) + "M",
            < 100_000_000_000_000UL => Right(Invariant($"{i / 1_000_000_000}"), 8) + "G",
            _ => Right(Invariant($"{i / 1_000_000_000_000}"), 8) + "T",
        };
    }

    private static StringBuilder AppendVersion(StringBuilder text, int connectionTableSize) =>
        text.Append(Invariant($"IP Virtual Server version {KernelIpvsVersion} (size={connectionTableSize})"));

    private static void AppendLargeNumbers(StringBuilder text, params ReadOnlySpan<long> values)
    {
        foreach (var value in values)
        {
            text.Append(LargeNumber(value));
        }
    }

    /// <summary>"-t 10.96.0.10:80", "-u ...", "--sctp-service ..." or "-f 1".</summary>
    private static string RuleName(VirtualService service) => service.IsFirewallMark
        ? Invariant($"-f {service.FirewallMark}")
        : Invariant($"{ServiceSwitch(service.Protocol)} {service.Address}:{service.Port}");

    internal static string ServiceSwitch(IpProtocol protocol) => protocol switch
    {
        IpProtocol.Tcp => "-t",
        IpProtocol.Udp => "-u",
        IpProtocol.Sctp => "--sctp-service",
        _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
    };

    private static string Left(string value, int width) => value.PadRight(width);

    private static string Right(string value, int width) => value.PadLeft(width);

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
