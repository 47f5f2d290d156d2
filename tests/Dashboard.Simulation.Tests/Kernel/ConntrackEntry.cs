using System.Globalization;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>One direction of a tracked flow: addresses, and ports for TCP and UDP.</summary>
public sealed record ConntrackTuple(string Source, string Destination, int? SourcePort, int? DestinationPort);

/// <summary>One line of `conntrack -L`: protocol, seconds left, TCP state, original and reply tuples, status flags, mark.</summary>
public sealed record ConntrackEntry(
    string Protocol,
    int ProtocolNumber,
    int TimeoutSeconds,
    string? State,
    ConntrackTuple Original,
    ConntrackTuple Reply,
    IReadOnlyList<string> Flags,
    uint Mark,
    string Line)
{
    public bool HasFlag(string flag) => Flags.Contains(flag, StringComparer.Ordinal);

    /// <summary>
    /// Parses one line, e.g. `tcp 6 118 SYN_SENT src=a dst=b sport=1 dport=2 [UNREPLIED] src=b dst=a sport=2 dport=1 mark=0 use=1`.
    /// The first src= opens the original tuple, the second the reply tuple.
    /// </summary>
    public static ConntrackEntry Parse(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 4)
        {
            throw new FormatException($"not a conntrack line: {line}");
        }

        string? state = null;
        var flags = new List<string>();
        var tuples = new[] { new Dictionary<string, string>(), new Dictionary<string, string>() };
        var tuple = -1;
        uint mark = 0;
        foreach (var word in words.Skip(3))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (word.StartsWith('[') && word.EndsWith(']'))
            {
                flags.Add(word[1..^1]);
            }
            else if (equals < 0)
            {
                state ??= word;
            }
            else
            {
                var key = word[..equals];
                var value = word[(equals + 1)..];
                if (key == "src")
                {
                    tuple++;
                }

                if (key == "mark")
                {
                    mark = uint.Parse(value, CultureInfo.InvariantCulture);
                }
                else if (tuple is 0 or 1)
                {
                    tuples[tuple].TryAdd(key, value);
                }
            }
        }

        if (tuple != 1)
        {
            throw new FormatException($"conntrack line without two tuples: {line}");
        }

        return new ConntrackEntry(
            words[0],
            int.Parse(words[1], CultureInfo.InvariantCulture),
            int.Parse(words[2], CultureInfo.InvariantCulture),
            state,
            ToTuple(tuples[0]),
            ToTuple(tuples[1]),
            flags,
            mark,
            line);
    }

    public static IReadOnlyList<ConntrackEntry> ParseListing(string listing) =>
        [.. listing.Split('\n').Where(line => line.Contains("src=", StringComparison.Ordinal)).Select(Parse)];

    private static ConntrackTuple ToTuple(Dictionary<string, string> fields) =>
        new(
            fields.GetValueOrDefault("src", string.Empty),
            fields.GetValueOrDefault("dst", string.Empty),
            fields.TryGetValue("sport", out var sport) ? int.Parse(sport, CultureInfo.InvariantCulture) : null,
            fields.TryGetValue("dport", out var dport) ? int.Parse(dport, CultureInfo.InvariantCulture) : null);
}
