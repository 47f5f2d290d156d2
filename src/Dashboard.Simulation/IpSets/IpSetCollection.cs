using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.IpSets;

/// <summary>
/// The ipsets of one network namespace, the lookup the iptables `-m set` match asks. Sets keep the kernel's index
/// order (creation order, a destroyed set's index reused by the next create), which is the order `ipset save` prints.
/// </summary>
public sealed class IpSetCollection : IIpSetLookup
{
    /// <summary>IPSET_MAXNAMELEN is 32 bytes with the terminator.</summary>
    public const int MaxNameLength = 31;

    private readonly List<IpSet?> _slots = [];
    private readonly Dictionary<string, IpSet> _byName = new(StringComparer.Ordinal);
    private readonly Random _initvals;

    /// <summary>The kernel seeds each hash set with a random initval; a seed here keeps a simulation reproducible.</summary>
    public IpSetCollection(int seed = 0)
    {
        _initvals = new Random(seed);
    }

    /// <summary>The sets in kernel index order.</summary>
    public IEnumerable<IpSet> Sets => _slots.Where(set => set is not null)!;

    public int Count => _byName.Count;

    public IpSet this[string name] =>
        _byName.TryGetValue(name, out var set) ? set : throw new KeyNotFoundException($"The set with the given name does not exist: {name}");


    /// <summary>`ipset create`. With <paramref name="exist"/> an identical existing set is returned instead of an error.</summary>
    public IpSet Create(string name, IpSetType type, IpSetOptions? options = null, bool exist = false)
    {
        options ??= IpSetOptions.KubeProxy;
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            throw new ArgumentException($"set name \"{name}\" must be 1-{MaxNameLength} characters", nameof(name));
        }
        if (_byName.TryGetValue(name, out var existing))
        {
            if (exist && existing.Type == type && (options.InitVal is null || options.InitVal == existing.InitVal)
                && existing.Options with { InitVal = null } == options with { InitVal = null })
            {
                return existing;
            }
            throw new InvalidOperationException($"Set cannot be created: set with the same name already exists: {name}");
        }
        // Drawn for bitmaps too, so that adding a bitmap set does not shift the seeds of later hash sets.
        var drawn = (uint)_initvals.NextInt64(0, 1L << 32);
        var set = new IpSet(name, type, options, options.InitVal ?? drawn);
        var free = _slots.IndexOf(null);
        if (free >= 0)
        {
            _slots[free] = set;
        }
        else
        {
            _slots.Add(set);
        }
        _byName.Add(name, set);
        return set;
    }

    /// <summary>`ipset destroy NAME`: refused while rules still reference the set.</summary>
    public bool Destroy(string name)
    {
        if (!_byName.TryGetValue(name, out var set))
        {
            return false;
        }
        if (set.References > 0)
        {
            throw new InvalidOperationException($"Set cannot be destroyed: it is in use by a kernel component: {name}");
        }
        _slots[_slots.IndexOf(set)] = null;
        _byName.Remove(name);
        return true;
    }

    public bool? Test(string setName, IReadOnlyList<bool> sourceFlags, Packet packet) =>
        _byName.TryGetValue(setName, out var set) ? set.Test(sourceFlags, packet) : null;

    public IpSetMatch? MemberMatching(string setName, IReadOnlyList<bool> sourceFlags, Packet packet) =>
        _byName.TryGetValue(setName, out var set) && set.Find(sourceFlags, packet) is { } member ? new IpSetMatch(member, set.Type) : null;
}
