namespace Dashboard.Simulation.Listings;

/// <summary>What a line of a tool's output shows, so a view can set tables, headings and entries apart without reading the text.</summary>
public enum LineKind : byte
{
    /// <summary>A banner or column heading (ipvsadm's first lines), or a set's header line in `ipset list`.</summary>
    Heading,

    /// <summary>iptables-save's "*table".</summary>
    Table,

    /// <summary>iptables-save's ":CHAIN POLICY [0:0]".</summary>
    Chain,

    /// <summary>An iptables rule ("-A CHAIN ...").</summary>
    Rule,

    /// <summary>iptables-save's COMMIT.</summary>
    Commit,

    /// <summary>An IPVS virtual service in `ipvsadm -Ln`.</summary>
    VirtualService,

    /// <summary>A real server under its virtual service in `ipvsadm -Ln`.</summary>
    RealServer,

    /// <summary>A set member in `ipset list`.</summary>
    Member,

    /// <summary>The empty line `ipset list` leaves between sets.</summary>
    Separator,

    /// <summary>A connection in `conntrack -L` or `ipvsadm -Lnc`.</summary>
    Connection,
}

/// <summary>One line of a tool's output: its 1-based number, its text without the newline, and what it shows.</summary>
public readonly record struct ListingLine(int Number, string Text, LineKind Kind);

/// <summary>The lines of a chain's rules in iptables-save: they are contiguous, so the nth rule is First + n - 1.</summary>
public readonly record struct LineRange(int First, int Count)
{
    public bool Contains(int line) => line >= First && line < First + Count;
}

/// <summary>
/// A tool's output as the node prints it, line by line, with the line each object it shows is printed on: views light
/// and scroll to a rule, a set member or a real server by asking for it, never by reading the text back.
/// </summary>
public sealed class ToolListing
{
    private readonly ListingLine[] _lines;
    private readonly Dictionary<ListingAnchor, int> _anchors;
    private readonly Dictionary<(string Table, string Chain), LineRange> _chainRules;

    internal ToolListing(ListingLine[] lines, Dictionary<ListingAnchor, int> anchors, Dictionary<(string, string), LineRange> chainRules)
    {
        _lines = lines;
        _anchors = anchors;
        _chainRules = chainRules;
    }

    /// <summary>The lines in order (an array, so a virtualised view can take it as a collection).</summary>
    public IReadOnlyList<ListingLine> Lines => _lines;

    /// <summary>The text the tool prints: every line followed by a newline.</summary>
    public string Text
    {
        get
        {
            var text = new System.Text.StringBuilder();
            foreach (var line in _lines)
            {
                text.Append(line.Text).Append('\n');
            }
            return text.ToString();
        }
    }

    /// <summary>The 1-based line that shows <paramref name="anchor"/>, or null when this output does not show it.</summary>
    public int? LineOf(ListingAnchor anchor) => anchor switch
    {
        RuleAnchor rule => RulesOf(rule.Table, rule.Chain) is { } range && rule.Rule >= 1 && rule.Rule <= range.Count
            ? range.First + rule.Rule - 1
            : null,
        _ => _anchors.TryGetValue(anchor, out var line) ? line : null,
    };

    /// <summary>The lines of a chain's rules (1-based), or null when the chain has none here.</summary>
    public LineRange? RulesOf(string table, string chain) =>
        _chainRules.TryGetValue((table, chain), out var range) ? range : null;
}
