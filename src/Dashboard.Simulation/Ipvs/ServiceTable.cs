using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Ipvs;

/// <summary>What a service lookup found, and where it looked: the bucket and how many services share it.</summary>
public readonly record struct ServiceLookup(VirtualService? Service, int Bucket, int ChainLength, bool ByFirewallMark)
{
    public bool Found => Service is not null;
}

/// <summary>
/// IPVS's virtual service tables (ip_vs_ctl.c): 256 buckets (IP_VS_SVC_TAB_BITS 8) hashed on &lt;protocol, address,
/// port&gt;, and a separate 256-bucket table hashed on the firewall mark. New services go to the head of their chain.
/// </summary>
public sealed class ServiceTable
{
    public const int TableBits = 8;
    public const int TableSize = 1 << TableBits;
    private const int TableMask = TableSize - 1;

    /// <summary>
    /// The kernel salts both hashes with the address of the namespace's netns_ipvs structure shifted right by 8
    /// ((size_t)ipvs >> 8), a value that differs per boot. This stands in for it: 0xffff88810a3c4000 >> 8, a typical
    /// x86-64 slab address; only its low 8 bits reach a bucket.
    /// </summary>
    public const uint DefaultNetnsSalt = 0x810A3C40;

    private readonly List<VirtualService>[] _table = new List<VirtualService>[TableSize];
    private readonly List<VirtualService>[] _fwmTable = new List<VirtualService>[TableSize];
    private readonly List<VirtualService> _services = [];

    public ServiceTable(uint netnsSalt = DefaultNetnsSalt)
    {
        NetnsSalt = netnsSalt;
        for (var i = 0; i < TableSize; i++)
        {
            _table[i] = [];
            _fwmTable[i] = [];
        }
    }

    public uint NetnsSalt { get; }

    public int Count => _services.Count;

    /// <summary>Every service, in the order added (ipvsadm sorts its own copy).</summary>
    public IReadOnlyList<VirtualService> Services => _services;

    /// <summary>
    /// The services as the kernel hands them to ipvsadm (ip_vs_genl_dump_services, ip_vs_ctl.c): bucket by bucket of
    /// the address table, each chain newest first (hlist_add_head_rcu in ip_vs_svc_hash), then the fwmark table.
    /// </summary>
    public IEnumerable<VirtualService> InKernelOrder() =>
        _table.Concat(_fwmTable).Where(chain => chain is not null).SelectMany(chain => chain);

    /// <summary>
    /// ip_vs_svc_hashkey: (proto ^ (ntohl(addr) ^ salt) ^ (port >> 8) ^ port) &amp; 255. The port is in host order
    /// and folded once, so ports that differ only above bit 15 cannot exist and nearby ports spread over buckets.
    /// </summary>
    public int BucketOf(IpProtocol protocol, Ipv4Address address, ushort port)
    {
        uint porth = port;
        var ahash = address.Value ^ NetnsSalt;
        return (int)(((uint)protocol ^ ahash ^ (porth >> TableBits) ^ porth) & TableMask);
    }

    /// <summary>ip_vs_svc_fwm_hashkey: (salt ^ fwmark) &amp; 255.</summary>
    public int FirewallMarkBucketOf(uint firewallMark) => (int)((NetnsSalt ^ firewallMark) & TableMask);

    /// <summary>`ipvsadm -A`. Throws if the same service exists (the kernel's EEXIST).</summary>
    public void Add(VirtualService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var existing = service.IsFirewallMark
            ? LookupFirewallMark(service.FirewallMark).Service
            : Lookup(service.Protocol, service.Address, service.Port).Service;
        if (existing is not null || service.IsHashed)
        {
            throw new InvalidOperationException($"virtual service {service} already exists");
        }
        Chain(service).Insert(0, service);
        _services.Add(service);
        service.IsHashed = true;
    }

    /// <summary>`ipvsadm -D`.</summary>
    public bool Remove(VirtualService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (!_services.Remove(service))
        {
            return false;
        }
        Chain(service).Remove(service);
        service.IsHashed = false;
        return true;
    }

    /// <summary>__ip_vs_service_find: the exact &lt;protocol, address, port&gt; match.</summary>
    public ServiceLookup Lookup(IpProtocol protocol, Ipv4Address address, ushort port)
    {
        var bucket = BucketOf(protocol, address, port);
        var chain = _table[bucket];
        foreach (var service in chain)
        {
            if (service.Protocol == protocol && service.Address == address && service.Port == port)
            {
                return new ServiceLookup(service, bucket, chain.Count, false);
            }
        }
        return new ServiceLookup(null, bucket, chain.Count, false);
    }

    /// <summary>__ip_vs_svc_fwm_find.</summary>
    public ServiceLookup LookupFirewallMark(uint firewallMark)
    {
        var bucket = FirewallMarkBucketOf(firewallMark);
        var chain = _fwmTable[bucket];
        foreach (var service in chain)
        {
            if (service.FirewallMark == firewallMark)
            {
                return new ServiceLookup(service, bucket, chain.Count, true);
            }
        }
        return new ServiceLookup(null, bucket, chain.Count, true);
    }

    /// <summary>
    /// ip_vs_service_find, as a packet meets it: a non-zero skb mark is tried in the fwmark table first, then the exact
    /// match, then a port-zero ("all ports") service on the same address. Reports the last lookup made.
    /// </summary>
    public ServiceLookup Find(IpProtocol protocol, Ipv4Address address, ushort port, uint mark = 0)
    {
        if (mark != 0)
        {
            var byMark = LookupFirewallMark(mark);
            if (byMark.Found)
            {
                return byMark;
            }
        }
        var exact = Lookup(protocol, address, port);
        if (exact.Found || port == 0)
        {
            return exact;
        }
        var portZero = Lookup(protocol, address, 0);
        return portZero.Found ? portZero : exact;
    }

    /// <summary>How many services share each bucket: the dashboard's heat map.</summary>
    public int ChainLength(int bucket, bool firewallMarkTable = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, TableSize);
        return (firewallMarkTable ? _fwmTable : _table)[bucket].Count;
    }

    private List<VirtualService> Chain(VirtualService service) => service.IsFirewallMark
        ? _fwmTable[FirewallMarkBucketOf(service.FirewallMark)]
        : _table[BucketOf(service.Protocol, service.Address, service.Port)];
}
