using System.Buffers.Binary;
using Dashboard.Simulation.Hashing;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.IpSets;

/// <summary>A member as the kernel lists it: the element and, in a set created with "comment", its comment.</summary>
public readonly record struct IpSetMember(IpSetEntry Entry, string? Comment);

/// <summary>
/// One ipset, kept in the kernel's own data structure so that lookups cost what they cost there and `ipset save`
/// lists members in the kernel's order: a hash type is a table of 2^n buckets chosen by jhash2 of the element struct
/// and the set's initval, each bucket an array grown two slots at a time; bitmap:port is one bit per port of its range.
/// </summary>
public sealed class IpSet
{
    // Kernel constants (net/netfilter/ipset/ip_set_hash_gen.h): buckets grow by AHASH_INIT_SIZE slots; a table of
    // 2^n buckets has one lock region per 2^10 buckets; a table never starts below 64 buckets.
    private const int SlotStep = 2;
    private const int RegionBits = 10;
    private const int MinimumHashSize = 64;
    private const int MaxCommentLength = 255;

    // Struct sizes measured on x86_64 (kernel 6.18): `ipset list` prints the sum in "Size in memory".
    private const int BucketHeaderBytes = 32;
    private const int RegionBytes = 24;
    private const int CommentHeaderBytes = 16;
    private const int CommentPointerBytes = 8;
    private const int BitmapHeaderBytes = 72;

    private readonly int _dataSize;
    private readonly int _bucketSize;
    private readonly int[] _cidrCounts = new int[33];
    private Bucket?[] _buckets = [];
    private int _hashBits;
    private long _bucketBytes;
    private long _commentBytes;
    private readonly ulong[] _bitmap = [];
    private readonly string?[] _bitmapComments = [];

    internal IpSet(string name, IpSetType type, IpSetOptions options, uint initval)
    {
        Name = name;
        Type = type;
        Options = options;
        InitVal = initval;
        MaxElements = options.MaxElements;
        if (type.IsHash())
        {
            _hashBits = HashBits(options.HashSize);
            _buckets = new Bucket?[1 << _hashBits];
            _bucketSize = Math.Clamp(options.BucketSize + (options.BucketSize & 1), 2, 12);
            var size = type.ElementSize();
            // ip_set_elem_len: the comment extension is a pointer, so the element is padded to 8 bytes before it.
            _dataSize = options.Comment ? Align8(size) + CommentPointerBytes : size;
        }
        else
        {
            FirstPort = Math.Min(options.FirstPort, options.LastPort);
            LastPort = Math.Max(options.FirstPort, options.LastPort);
            var ports = LastPort - FirstPort + 1;
            _bitmap = new ulong[(ports + 63) / 64];
            _bitmapComments = options.Comment ? new string?[ports] : [];
            _dataSize = options.Comment ? CommentPointerBytes : 0;
        }
    }

    public string Name { get; }

    public IpSetType Type { get; }

    /// <summary>The options it was created with (HashSize there is the requested one; see <see cref="HashSize"/>).</summary>
    public IpSetOptions Options { get; }

    public uint InitVal { get; }

    public int MaxElements { get; }

    public bool HasComments => Options.Comment;

    /// <summary>The current bucket count, which `ipset save` prints as hashsize: it doubles as buckets overflow.</summary>
    public int HashSize => Type.IsHash() ? 1 << _hashBits : 0;

    public int BucketSize => _bucketSize;

    public ushort FirstPort { get; }

    public ushort LastPort { get; }

    public int Count { get; private set; }

    /// <summary>How many iptables rules (and list:set sets) use the set; the kernel refuses to destroy it while above zero.</summary>
    public int References { get; set; }

    /// <summary>
    /// "Size in memory" as kernel 6.18 on x86_64 counts it: the table header and lock regions, every bucket allocation
    /// (header plus two slots, again per growth), the comment strings; for bitmap:port the bitmap and the per-port
    /// extension array. Another kernel build can print other numbers.
    /// </summary>
    public long MemorySize
    {
        get
        {
            if (!Type.IsHash())
            {
                var ports = LastPort - FirstPort + 1;
                return BitmapHeaderBytes + (_bitmap.Length * 8L) + ((long)ports * _dataSize) + _commentBytes;
            }
            var regions = _hashBits < RegionBits ? 1 : 1 << (_hashBits - RegionBits);
            return HashHeaderBytes(Type) + ((long)regions * RegionBytes) + _bucketBytes + _commentBytes;
        }
    }

    /// <summary>Members in the order `ipset save` and `ipset list` print them: bucket by bucket, slot by slot; ports ascending.</summary>
    public IEnumerable<IpSetMember> Members
    {
        get
        {
            if (!Type.IsHash())
            {
                for (var offset = 0; offset <= LastPort - FirstPort; offset++)
                {
                    if ((_bitmap[offset >> 6] & (1UL << (offset & 63))) != 0)
                    {
                        yield return new IpSetMember(IpSetEntry.ForPort((ushort)(FirstPort + offset)),
                            _bitmapComments.Length > 0 ? _bitmapComments[offset] : null);
                    }
                }
                yield break;
            }
            foreach (var bucket in _buckets)
            {
                if (bucket is null)
                {
                    continue;
                }
                for (var i = 0; i < bucket.Position; i++)
                {
                    if (bucket.Used[i])
                    {
                        yield return bucket.Slots[i];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Adds an element as `ipset add` does. Returns false when it is already there (the tool's "it's already added");
    /// with <paramref name="exist"/> (-exist) its comment is overwritten instead. Throws when the set is full or a port
    /// is outside a bitmap's range, the errors the tool reports.
    /// </summary>
    public bool Add(IpSetEntry entry, string? comment = null, bool exist = false)
    {
        entry = Normalize(entry);
        comment = HasComments && !string.IsNullOrEmpty(comment)
            ? comment.Length > MaxCommentLength ? comment[..MaxCommentLength] : comment
            : null;
        return Type.IsHash() ? AddToHash(entry, comment, exist) : AddToBitmap(entry, comment, exist);
    }

    /// <summary>Deletes an element as `ipset del` does; false when it was not there.</summary>
    public bool Remove(IpSetEntry entry)
    {
        entry = Normalize(entry);
        if (!Type.IsHash())
        {
            if (!InRange(entry.Port) || !BitmapContains(entry.Port))
            {
                return false;
            }
            var offset = entry.Port - FirstPort;
            _bitmap[offset >> 6] &= ~(1UL << (offset & 63));
            SetBitmapComment(offset, null);
            Count--;
            return true;
        }
        var key = (int)Key(entry, _hashBits);
        var bucket = _buckets[key];
        if (bucket is null)
        {
            return false;
        }
        var free = 0;
        for (var i = 0; i < bucket.Position; i++)
        {
            if (!bucket.Used[i])
            {
                free++;
                continue;
            }
            if (bucket.Slots[i].Entry != entry)
            {
                continue;
            }
            bucket.Used[i] = false;
            _commentBytes -= CommentBytes(bucket.Slots[i].Comment);
            bucket.Slots[i] = default;
            if (i + 1 == bucket.Position)
            {
                bucket.Position--;
            }
            Count--;
            ForgetCidr(entry);
            for (; i < bucket.Position; i++)
            {
                if (!bucket.Used[i])
                {
                    free++;
                }
            }
            // mtype_del: a bucket whose used part holds only holes is freed; one with two free slots shrinks by two
            // and is compacted, which is why members can move forward in the listing after a delete. The kernel's
            // byte accounting subtracts a whole bucket header even when it only shrinks; so does this model.
            if (free == bucket.Position)
            {
                _bucketBytes -= BucketHeaderBytes + ((long)bucket.Size * _dataSize);
                _buckets[key] = null;
            }
            else if (free >= SlotStep)
            {
                bucket.Compact(bucket.Size - SlotStep);
                _bucketBytes -= BucketHeaderBytes + ((long)SlotStep * _dataSize);
            }
            return true;
        }
        return false;
    }

    public bool Contains(IpSetEntry entry)
    {
        entry = Normalize(entry);
        if (!Type.IsHash())
        {
            return InRange(entry.Port) && BitmapContains(entry.Port);
        }
        return Lookup(entry);
    }

    /// <summary>
    /// The `-m set --match-set NAME flags` test (ip_set_test): each dimension takes the packet's source or destination
    /// per flag; the port dimension takes that side's port and the packet's protocol. With fewer flags than the set has
    /// dimensions nothing matches. Net dimensions are tried with each prefix length the set holds, longest first.
    /// bitmap:port only answers for TCP and UDP (ip_set_get_ip_port), which is why kube-proxy keeps SCTP node ports in
    /// a hash:ip,port set instead.
    /// </summary>
    public bool Test(IReadOnlyList<bool> sourceFlags, Packet packet) => Find(sourceFlags, packet) is not null;

    /// <summary>The member <see cref="Test"/> finds for the packet (with the prefix length a net dimension matched at), or null.</summary>
    public IpSetEntry? Find(IReadOnlyList<bool> sourceFlags, Packet packet)
    {
        if (sourceFlags.Count < Type.Dimensions())
        {
            return null;
        }
        Ipv4Address AddressOf(int dimension) => sourceFlags[dimension] ? packet.Source : packet.Destination;
        ushort PortOf(int dimension) => !packet.Protocol.HasPorts() ? (ushort)0
            : sourceFlags[dimension] ? packet.SourcePort : packet.DestinationPort;
        IpSetEntry? Found(IpSetEntry entry) => Lookup(entry) ? entry : null;

        switch (Type)
        {
            case IpSetType.HashIp:
                return Found(IpSetEntry.ForIp(AddressOf(0)));
            case IpSetType.HashIpPort:
                return Found(IpSetEntry.ForIpPort(AddressOf(0), packet.Protocol, PortOf(1)));
            case IpSetType.HashIpPortIp:
                return Found(IpSetEntry.ForIpPortIp(AddressOf(0), packet.Protocol, PortOf(1), AddressOf(2)));
            case IpSetType.HashIpPortNet:
                for (var cidr = 32; cidr > 0; cidr--)
                {
                    if (_cidrCounts[cidr] > 0 && Found(IpSetEntry.ForIpPortNet(
                        AddressOf(0), packet.Protocol, PortOf(1), new Ipv4Prefix(AddressOf(2), cidr))) is { } entry)
                    {
                        return entry;
                    }
                }
                return null;
            case IpSetType.HashNet:
                for (var cidr = 32; cidr > 0; cidr--)
                {
                    if (_cidrCounts[cidr] > 0 && Found(IpSetEntry.ForNet(new Ipv4Prefix(AddressOf(0), cidr))) is { } entry)
                    {
                        return entry;
                    }
                }
                return null;
            default:
                if (packet.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
                {
                    return null;
                }
                var port = PortOf(0);
                return InRange(port) && BitmapContains(port) ? IpSetEntry.ForPort(port) : null;
        }
    }

    /// <summary>Removes every member; the table keeps its current size, as `ipset flush` leaves it.</summary>
    public void Flush()
    {
        if (Type.IsHash())
        {
            Array.Clear(_buckets);
            _bucketBytes = 0;
        }
        else
        {
            Array.Clear(_bitmap);
            Array.Clear(_bitmapComments);
        }
        Array.Clear(_cidrCounts);
        _commentBytes = 0;
        Count = 0;
    }

    private bool AddToBitmap(IpSetEntry entry, string? comment, bool exist)
    {
        if (!InRange(entry.Port))
        {
            throw new InvalidOperationException($"{Name}: port {entry.Port} is outside the range {FirstPort}-{LastPort} of the set");
        }
        var offset = entry.Port - FirstPort;
        if (BitmapContains(entry.Port))
        {
            if (exist)
            {
                SetBitmapComment(offset, comment);
            }
            return false;
        }
        _bitmap[offset >> 6] |= 1UL << (offset & 63);
        SetBitmapComment(offset, comment);
        Count++;
        return true;
    }

    private void SetBitmapComment(int offset, string? comment)
    {
        if (_bitmapComments.Length == 0)
        {
            return;
        }
        _commentBytes += CommentBytes(comment) - CommentBytes(_bitmapComments[offset]);
        _bitmapComments[offset] = comment;
    }

    private bool AddToHash(IpSetEntry entry, string? comment, bool exist)
    {
        while (true)
        {
            var key = (int)Key(entry, _hashBits);
            var bucket = _buckets[key];
            var reuse = -1;
            if (bucket is not null)
            {
                for (var i = 0; i < bucket.Position; i++)
                {
                    if (!bucket.Used[i])
                    {
                        // mtype_add reuses the first slot a delete left empty.
                        reuse = reuse < 0 ? i : reuse;
                        continue;
                    }
                    if (bucket.Slots[i].Entry == entry)
                    {
                        if (exist)
                        {
                            _commentBytes += CommentBytes(comment) - CommentBytes(bucket.Slots[i].Comment);
                            bucket.Slots[i] = new IpSetMember(entry, comment);
                        }
                        return false;
                    }
                }
            }
            if (Count >= MaxElements)
            {
                throw new InvalidOperationException($"{Name}: Hash is full, cannot add more elements (maxelem {MaxElements})");
            }
            if (bucket is null)
            {
                bucket = new Bucket(SlotStep);
                _buckets[key] = bucket;
                _bucketBytes += BucketHeaderBytes + ((long)SlotStep * _dataSize);
            }
            else if (reuse < 0 && bucket.Position >= bucket.Size)
            {
                if (bucket.Size >= _bucketSize)
                {
                    // -EAGAIN: the kernel doubles the table, rehashes, and the ipset core retries the add.
                    Resize();
                    continue;
                }
                bucket.Grow(bucket.Size + SlotStep);
                _bucketBytes += BucketHeaderBytes + ((long)SlotStep * _dataSize);
            }
            var slot = reuse >= 0 ? reuse : bucket.Position++;
            bucket.Slots[slot] = new IpSetMember(entry, comment);
            bucket.Used[slot] = true;
            _commentBytes += CommentBytes(comment);
            Count++;
            if (entry.Cidr > 0)
            {
                _cidrCounts[entry.Cidr]++;
            }
            return true;
        }
    }

    /// <summary>
    /// mtype_resize: one more hash bit, then every member re-added in listing order into fresh buckets; if any bucket
    /// would still overflow, one more bit again.
    /// </summary>
    private void Resize()
    {
        var members = Members.ToList();
        for (var bits = _hashBits + 1; bits <= 32; bits++)
        {
            var buckets = new Bucket?[1 << bits];
            long bytes = 0;
            var fits = true;
            foreach (var member in members)
            {
                var key = Key(member.Entry, bits);
                var bucket = buckets[key];
                if (bucket is null)
                {
                    bucket = new Bucket(SlotStep);
                    buckets[key] = bucket;
                    bytes += BucketHeaderBytes + ((long)SlotStep * _dataSize);
                }
                else if (bucket.Position >= bucket.Size)
                {
                    if (bucket.Size >= _bucketSize)
                    {
                        fits = false;
                        break;
                    }
                    bucket.Grow(bucket.Size + SlotStep);
                    bytes += BucketHeaderBytes + ((long)SlotStep * _dataSize);
                }
                bucket.Slots[bucket.Position] = member;
                bucket.Used[bucket.Position++] = true;
            }
            if (fits)
            {
                _buckets = buckets;
                _hashBits = bits;
                _bucketBytes = bytes;
                return;
            }
        }
        throw new InvalidOperationException($"{Name}: cannot grow the hash table any further");
    }

    private bool Lookup(IpSetEntry entry)
    {
        var bucket = _buckets[Key(entry, _hashBits)];
        if (bucket is null)
        {
            return false;
        }
        for (var i = 0; i < bucket.Position; i++)
        {
            if (bucket.Used[i] && bucket.Slots[i].Entry == entry)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// HKEY: jhash2 over the element struct as it sits in memory (x86 reads the big-endian fields as little-endian
    /// words), masked to the table size. Layouts: hash_ip4_elem {ip}, hash_ipport4_elem {ip, port, proto, pad},
    /// hash_ipportip4_elem {ip, ip2, port, proto, pad}, hash_ipportnet4_elem {ip, ip2, port, cidr-1:7, nomatch:1, proto},
    /// hash_net4_elem {ip, pad16, nomatch, cidr}.
    /// </summary>
    private uint Key(IpSetEntry entry, int bits)
    {
        Span<uint> words = stackalloc uint[3];
        var ip = BinaryPrimitives.ReverseEndianness(entry.Ip.Value);
        var ip2 = BinaryPrimitives.ReverseEndianness(entry.Ip2.Value);
        uint port = BinaryPrimitives.ReverseEndianness(entry.Port);
        var protocol = (uint)entry.Protocol;
        var length = 0;
        switch (Type)
        {
            case IpSetType.HashIp:
                words[length++] = ip;
                break;
            case IpSetType.HashIpPort:
                words[length++] = ip;
                words[length++] = port | (protocol << 16);
                break;
            case IpSetType.HashIpPortIp:
                words[length++] = ip;
                words[length++] = ip2;
                words[length++] = port | (protocol << 16);
                break;
            case IpSetType.HashIpPortNet:
                words[length++] = ip;
                words[length++] = ip2;
                words[length++] = port | ((uint)((entry.Cidr - 1) & 0x7F) << 16) | (protocol << 24);
                break;
            case IpSetType.HashNet:
                words[length++] = ip;
                words[length++] = (uint)entry.Cidr << 24;
                break;
            default:
                throw new InvalidOperationException("bitmap:port has no hash");
        }
        return JenkinsHash.Hash(words[..length], InitVal) & ((1u << bits) - 1);
    }

    /// <summary>Drops the fields this type does not store, so equal elements compare equal whatever the caller filled in.</summary>
    private IpSetEntry Normalize(IpSetEntry entry) => Type switch
    {
        IpSetType.HashIp => IpSetEntry.ForIp(entry.Ip),
        IpSetType.HashIpPort => IpSetEntry.ForIpPort(entry.Ip, entry.Protocol, entry.Port),
        IpSetType.HashIpPortIp => IpSetEntry.ForIpPortIp(entry.Ip, entry.Protocol, entry.Port, entry.Ip2),
        IpSetType.HashIpPortNet => IpSetEntry.ForIpPortNet(entry.Ip, entry.Protocol, entry.Port, new Ipv4Prefix(entry.Ip2, entry.Cidr)),
        IpSetType.HashNet => IpSetEntry.ForNet(new Ipv4Prefix(entry.Ip, entry.Cidr)),
        _ => IpSetEntry.ForPort(entry.Port),
    };

    private void ForgetCidr(IpSetEntry entry)
    {
        if (entry.Cidr > 0)
        {
            _cidrCounts[entry.Cidr]--;
        }
    }

    private bool InRange(ushort port) => port >= FirstPort && port <= LastPort;

    private bool BitmapContains(ushort port)
    {
        var offset = port - FirstPort;
        return (_bitmap[offset >> 6] & (1UL << (offset & 63))) != 0;
    }

    /// <summary>ip_set_init_comment: an rcu header plus the string and its terminator.</summary>
    private static long CommentBytes(string? comment) =>
        comment is null ? 0 : CommentHeaderBytes + System.Text.Encoding.UTF8.GetByteCount(comment) + 1;

    /// <summary>sizeof(struct htype) + sizeof(struct htable) as measured: the net types carry per-prefix counters.</summary>
    private static int HashHeaderBytes(IpSetType type) => type switch
    {
        IpSetType.HashIpPortIp => 184,
        IpSetType.HashIpPortNet => 440,
        IpSetType.HashNet => 432,
        _ => 192,
    };

    /// <summary>htable_bits: the hash size rounded up to a power of two, never below 64 buckets.</summary>
    private static int HashBits(int hashSize)
    {
        var size = Math.Max(hashSize, MinimumHashSize);
        var bits = 0;
        while ((1L << bits) < size)
        {
            bits++;
        }
        return bits;
    }

    private static int Align8(int size) => (size + 7) & ~7;

    /// <summary>struct hbucket: the slots, which of them hold an element, and how far the used part reaches.</summary>
    private sealed class Bucket(int size)
    {
        public IpSetMember[] Slots { get; private set; } = new IpSetMember[size];

        public bool[] Used { get; private set; } = new bool[size];

        public int Position { get; set; }

        public int Size => Slots.Length;

        public void Grow(int size)
        {
            var slots = Slots;
            var used = Used;
            Array.Resize(ref slots, size);
            Array.Resize(ref used, size);
            Slots = slots;
            Used = used;
        }

        /// <summary>Keeps the used slots in order, packed to the front of a smaller array.</summary>
        public void Compact(int size)
        {
            var slots = new IpSetMember[size];
            var used = new bool[size];
            var j = 0;
            for (var i = 0; i < Position; i++)
            {
                if (Used[i])
                {
                    slots[j] = Slots[i];
                    used[j++] = true;
                }
            }
            Slots = slots;
            Used = used;
            Position = j;
        }
    }
}
