using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter;

/// <summary>
/// The kernel's xt_recent lists (/proc/net/xt_recent/NAME): per list, the addresses seen and when.
/// kube-proxy's ClientIP affinity lives here: `--set` in the KUBE-SEP chain, `--rcheck --seconds` in KUBE-SVC.
/// </summary>
public sealed class RecentTable
{
    private readonly Dictionary<string, Dictionary<Ipv4Address, TimeSpan>> _lists = new(StringComparer.Ordinal);

    /// <summary>Records that the address was seen now (the last-seen time is what --seconds tests).</summary>
    public void Set(string list, Ipv4Address address, TimeSpan now)
    {
        if (!_lists.TryGetValue(list, out var entries))
        {
            entries = [];
            _lists.Add(list, entries);
        }
        entries[address] = now;
    }

    /// <summary>True when the address is on the list and, with a window, was last seen within it.</summary>
    public bool Check(string list, Ipv4Address address, TimeSpan now, TimeSpan? window)
    {
        if (!_lists.TryGetValue(list, out var entries) || !entries.TryGetValue(address, out var lastSeen))
        {
            return false;
        }
        return window is not { } seconds || now - lastSeen <= seconds;
    }

    /// <summary>--remove: takes the address off the list; false when it was not on it.</summary>
    public bool Remove(string list, Ipv4Address address) =>
        _lists.TryGetValue(list, out var entries) && entries.Remove(address);

    /// <summary>--reap: forgets addresses last seen longer ago than the window.</summary>
    public void Reap(string list, TimeSpan now, TimeSpan window)
    {
        if (_lists.TryGetValue(list, out var entries))
        {
            foreach (var (address, lastSeen) in entries.ToList())
            {
                if (now - lastSeen > window)
                {
                    entries.Remove(address);
                }
            }
        }
    }

    public IReadOnlyDictionary<string, Dictionary<Ipv4Address, TimeSpan>> Lists => _lists;
}
