using System.Text;

namespace Dashboard.Simulation.Listings;

/// <summary>
/// Where a writer puts its output: the text alone (what the API returns and the conformance tests compare), or the
/// text cut into lines with each anchor's line noted. One writing code path serves both, so the two cannot differ.
/// </summary>
internal sealed class ListingBuilder
{
    private readonly List<ListingLine>? _lines;
    private readonly Dictionary<ListingAnchor, int> _anchors = [];
    private readonly Dictionary<(string, string), LineRange> _chainRules = [];

    private ListingBuilder(StringBuilder line, List<ListingLine>? lines)
    {
        Line = line;
        _lines = lines;
    }

    /// <summary>The line being written (in text mode, the whole text so far).</summary>
    public StringBuilder Line { get; }

    /// <summary>Writes into <paramref name="output"/>, keeping no lines.</summary>
    public static ListingBuilder ForText(StringBuilder output) => new(output, null);

    public static ListingBuilder ForListing() => new(new StringBuilder(), []);

    /// <summary>Ends the current line, noting that it shows <paramref name="anchor"/>.</summary>
    public void EndLine(LineKind kind, ListingAnchor? anchor = null)
    {
        if (_lines is null)
        {
            Line.Append('\n');
            return;
        }
        var number = _lines.Count + 1;
        _lines.Add(new ListingLine(number, Line.ToString(), kind));
        Line.Clear();
        if (anchor is not null)
        {
            _anchors.TryAdd(anchor, number);
        }
    }

    /// <summary>The next <paramref name="count"/> lines are a chain's rules, in order.</summary>
    public void BeginChainRules(string table, string chain, int count)
    {
        if (_lines is not null && count > 0)
        {
            _chainRules[(table, chain)] = new LineRange(_lines.Count + 1, count);
        }
    }

    public ToolListing ToListing() => new([.. _lines ?? throw new InvalidOperationException("A text-only builder keeps no lines.")], _anchors, _chainRules);
}
