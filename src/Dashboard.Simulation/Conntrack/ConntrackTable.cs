using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Conntrack;

/// <summary>The result of looking a packet's tuple up: the entry (if any), which direction matched, and where.</summary>
public readonly record struct ConntrackLookupResult(ConntrackEntry? Entry, bool IsReply, int Bucket, int ChainLength);

/// <summary>
/// The connection tracking table: a hash table of buckets, each a chain of tuples. Every entry sits in it twice,
/// under its original and its reply tuple, so a packet of either direction finds it in one lookup.
/// Entries expire on the virtual clock; when the table is full a new connection evicts a non-assured one nearby,
/// or is dropped ("nf_conntrack: table full, dropping packet").
/// </summary>
public sealed class ConntrackTable
{
    /// <summary>How many buckets from the new tuple's one the kernel searches for an entry to evict (NF_CT_EVICTION_RANGE).</summary>
    public const int EvictionRange = 8;

    private readonly TupleNode?[] _buckets;
    private readonly ulong _seed;
    private readonly PriorityQueue<ConntrackEntry, TimeSpan> _expiry = new();

    public ConntrackTable(ConntrackSettings settings, ulong seed)
    {
        Settings = settings;
        _buckets = new TupleNode?[settings.Buckets];
        _seed = seed;
    }

    public ConntrackSettings Settings { get; }

    /// <summary>Confirmed entries (nf_conntrack_count).</summary>
    public int Count { get; private set; }

    public int BucketCount => _buckets.Length;

    public int BucketOf(ConnectionTuple tuple) => (int)(tuple.Hash(_seed) % (ulong)_buckets.Length);

    /// <summary>Finds the entry a packet belongs to, after removing entries that have expired by <paramref name="now"/>.</summary>
    public ConntrackLookupResult Lookup(ConnectionTuple tuple, TimeSpan now)
    {
        Expire(now);
        var bucket = BucketOf(tuple);
        var length = 0;
        ConntrackEntry? found = null;
        var isReply = false;
        for (var node = _buckets[bucket]; node is not null; node = node.Next)
        {
            length++;
            if (found is null && node.Tuple == tuple)
            {
                found = node.Entry;
                isReply = node.IsReply;
            }
        }
        return new ConntrackLookupResult(found, isReply, bucket, length);
    }

    /// <summary>A new, unconfirmed entry for a packet that matched nothing: it joins the table only if the packet survives.</summary>
    public ConntrackEntry CreateUnconfirmed(ConnectionTuple original, TimeSpan now) => new(original, now);

    /// <summary>
    /// Makes room for a new connection when the table is full (early_drop): evicts an unassured entry within
    /// <see cref="EvictionRange"/> buckets of the new tuple's. Returns false when there is none: the kernel then drops
    /// the packet ("nf_conntrack: table full, dropping packet").
    /// </summary>
    public bool TryMakeRoom(ConnectionTuple tuple, out ConntrackEntry? evicted)
    {
        evicted = null;
        if (Count < Settings.Max)
        {
            return true;
        }
        evicted = FindEvictable(BucketOf(tuple));
        if (evicted is null)
        {
            return false;
        }
        Remove(evicted);
        return true;
    }

    /// <summary>Inserts an entry when its first packet leaves the last hook (__nf_conntrack_confirm).</summary>
    public void Confirm(ConntrackEntry entry)
    {
        Link(entry.OriginalNode, BucketOf(entry.Original));
        Link(entry.ReplyNode, BucketOf(entry.Reply));
        entry.Confirmed = true;
        Count++;
        _expiry.Enqueue(entry, entry.ExpiresAt);
    }

    /// <summary>
    /// Advances an entry's protocol state for a packet and resets its timeout, as the TCP, UDP and generic trackers do.
    /// Returns false when the TCP tracker finds the packet invalid (the state is left as it was).
    /// </summary>
    public bool Track(ConntrackEntry entry, TcpFlags flags, bool isReply, TimeSpan now)
    {
        if (isReply)
        {
            entry.SeenReply = true;
        }
        switch (entry.Protocol)
        {
            case IpProtocol.Tcp:
                var next = TcpStateMachine.Next(entry.TcpState, flags, isReply);
                entry.CloseInitSeen |= (flags & (TcpFlags.Fin | TcpFlags.Rst)) == TcpFlags.Fin;
                entry.LastPacket = (isReply, (flags & TcpFlags.Rst) != 0);
                if (next == TcpStateMachine.Invalid)
                {
                    return false;
                }
                if (next == TcpStateMachine.Ignore)
                {
                    return true;
                }
                if (entry.TcpState == TcpConntrackState.SynRecv && next == TcpConntrackState.Established)
                {
                    entry.Assured = true; // the three-way handshake completed
                }
                entry.TcpState = next;
                entry.ExpiresAt = now + Settings.TimeoutOf(next);
                return true;
            case IpProtocol.Udp:
                // A flow that saw a reply and is still active 2 s after it began is a "stream": longer timeout, assured.
                if (entry.SeenReply && now > entry.UdpStreamAfter)
                {
                    entry.Assured = true;
                    entry.ExpiresAt = now + Settings.UdpStream;
                }
                else
                {
                    entry.ExpiresAt = now + Settings.Udp;
                }
                return true;
            case IpProtocol.Icmp:
                entry.ExpiresAt = now + Settings.Icmp;
                return true;
            default:
                entry.ExpiresAt = now + Settings.Generic;
                return true;
        }
    }

    /// <summary>
    /// nf_conntrack_tcp_packet (net/netfilter/nf_conntrack_proto_tcp.c): a SYN in the original direction that would move
    /// an entry in TIME_WAIT or CLOSE back to SYN_SENT, once the connection was closed by a FIN (CLOSE_INIT) or aborted by
    /// a RST from the same side, "attempts to reopen a closed/aborted connection": the kernel deletes the entry and
    /// looks the packet up again (NF_REPEAT), so it starts a new connection, walks the nat table and gets a fresh DNAT.
    /// </summary>
    public static bool Reopens(ConntrackEntry entry, TcpFlags flags, bool isReply) =>
        entry.Protocol == IpProtocol.Tcp && entry.TcpState is TcpConntrackState.TimeWait or TcpConntrackState.Close &&
        TcpStateMachine.Next(entry.TcpState, flags, isReply) == TcpConntrackState.SynSent &&
        (entry.CloseInitSeen || entry.LastPacket == (isReply, true));

    /// <summary>
    /// nf_nat_setup_info: a NAT rule's binding rewrites the reply tuple and sets IPS_DST_NAT or IPS_SRC_NAT, so
    /// conntrack applies it to every later packet of the connection, both ways.
    /// </summary>
    public static void SetNatBinding(ConntrackEntry entry, ConnectionTuple reply, bool destination)
    {
        // Only a binding that changes the tuple sets the status bit (a MASQUERADE that keeps address and port does not).
        var changed = entry.Reply != reply;
        AlterReply(entry, reply);
        if (changed && destination)
        {
            entry.IsDestinationNatted = true;
        }
        else if (changed)
        {
            entry.IsSourceNatted = true;
        }
    }

    /// <summary>
    /// nf_conntrack_alter_reply: only the reply tuple changes, no NAT status (how IPVS makes conntrack expect replies
    /// from the real server). Only allowed before the entry is confirmed, as in the kernel.
    /// </summary>
    public static void AlterReply(ConntrackEntry entry, ConnectionTuple reply)
    {
        if (entry.Confirmed)
        {
            throw new InvalidOperationException("the reply tuple of a confirmed connection cannot change");
        }
        entry.Reply = reply;
    }

    /// <summary>Removes every entry whose timeout has passed.</summary>
    public void Expire(TimeSpan now)
    {
        while (_expiry.TryPeek(out var entry, out var at) && at <= now)
        {
            _expiry.Dequeue();
            if (!entry.Confirmed)
            {
                continue; // already removed
            }
            if (entry.ExpiresAt <= now)
            {
                Remove(entry);
            }
            else
            {
                _expiry.Enqueue(entry, entry.ExpiresAt); // its timeout was extended since
            }
        }
    }

    /// <summary>
    /// nf_conntrack_find_get on an original-direction tuple, then nf_ct_kill: what IPVS does when a connection of its
    /// own expires (ip_vs_conn_drop_conntrack). True when there was an entry to delete.
    /// </summary>
    public bool Kill(ConnectionTuple original)
    {
        for (var node = _buckets[BucketOf(original)]; node is not null; node = node.Next)
        {
            if (!node.IsReply && node.Tuple == original)
            {
                Remove(node.Entry);
                return true;
            }
        }
        return false;
    }

    /// <summary>Deletes an entry (conntrack -D, or kube-proxy clearing stale UDP flows).</summary>
    public void Remove(ConntrackEntry entry)
    {
        if (!entry.Confirmed)
        {
            return;
        }
        Unlink(entry.OriginalNode);
        Unlink(entry.ReplyNode);
        entry.Confirmed = false;
        Count--;
    }

    /// <summary>All confirmed entries, each once, in bucket order.</summary>
    public IEnumerable<ConntrackEntry> Entries()
    {
        foreach (var head in _buckets)
        {
            for (var node = head; node is not null; node = node.Next)
            {
                if (!node.IsReply)
                {
                    yield return node.Entry;
                }
            }
        }
    }

    /// <summary>
    /// The table as `conntrack -L` prints it at virtual time <paramref name="now"/>: one entry a line and no heading (the
    /// tool's summary goes to stderr); the first <paramref name="maxEntries"/> entries only, for a view that shows no more.
    /// </summary>
    public ToolListing Listing(TimeSpan now, int maxEntries = int.MaxValue)
    {
        Expire(now);
        var listing = ListingBuilder.ForListing();
        foreach (var entry in Entries().Take(maxEntries))
        {
            listing.Line.Append(entry.ToConntrackLine(now));
            listing.EndLine(LineKind.Connection);
        }
        return listing.ToListing();
    }

    /// <summary>How many tuples each bucket holds (two per entry), for a heat map.</summary>
    public int ChainLength(int bucket)
    {
        var length = 0;
        for (var node = _buckets[bucket]; node is not null; node = node.Next)
        {
            length++;
        }
        return length;
    }

    private ConntrackEntry? FindEvictable(int bucket)
    {
        for (var i = 0; i < EvictionRange; i++)
        {
            for (var node = _buckets[(bucket + i) % _buckets.Length]; node is not null; node = node.Next)
            {
                if (!node.Entry.Assured)
                {
                    return node.Entry;
                }
            }
        }
        return null;
    }

    private void Link(TupleNode node, int bucket)
    {
        node.Bucket = bucket;
        node.Next = _buckets[bucket];
        _buckets[bucket] = node;
    }

    private void Unlink(TupleNode node)
    {
        ref var link = ref _buckets[node.Bucket];
        while (link is not null)
        {
            if (ReferenceEquals(link, node))
            {
                link = node.Next;
                node.Next = null;
                return;
            }
            link = ref GetNextRef(link);
        }
    }

    private static ref TupleNode? GetNextRef(TupleNode node) => ref node.NextField;
}
