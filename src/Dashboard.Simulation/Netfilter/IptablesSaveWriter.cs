using System.Text;
using Dashboard.Simulation.Listings;

namespace Dashboard.Simulation.Netfilter;

/// <summary>
/// Prints a ruleset exactly as `iptables-save` of iptables v1.8.9 (nf_tables) does, minus its dated comment lines,
/// so the dashboard's rules view can be diffed against a real node. Every layout choice here was read off the real tool.
/// </summary>
public static class IptablesSaveWriter
{
    /// <summary>The order iptables-nft prints tables in (its table array), whatever order they were created in.</summary>
    internal static readonly string[] TableOrder = ["mangle", "security", "raw", "filter", "nat"];

    /// <summary>Characters a saved string may consist of without being quoted (xtables_save_string).</summary>
    private static readonly System.Buffers.SearchValues<char> Unquoted =
        System.Buffers.SearchValues.Create("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>A table's built-in chains in hook order, or null for a table iptables does not have.</summary>
    internal static string[]? BuiltinChains(string table) => table switch
    {
        "raw" => ["PREROUTING", "OUTPUT"],
        "mangle" => ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "filter" or "security" => ["INPUT", "FORWARD", "OUTPUT"],
        "nat" => ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        _ => null,
    };

    public static string Write(Ruleset ruleset)
    {
        var output = new StringBuilder();
        Write(ruleset, ListingBuilder.ForText(output));
        return output.ToString();
    }

    /// <summary>The same text as lines, with where each chain's rules are: a rule's line is found, not searched for.</summary>
    public static ToolListing Listing(Ruleset ruleset)
    {
        var listing = ListingBuilder.ForListing();
        Write(ruleset, listing);
        return listing.ToListing();
    }

    /// <summary>
    /// Per table: "*name", every built-in chain (declared or not) in hook order, then user chains sorted by name
    /// (ordinal, as strcmp), each with [0:0] counters; then the rules chain by chain in that same order; then COMMIT.
    /// A table without chains does not exist in the kernel and is not printed.
    /// </summary>
    private static void Write(Ruleset ruleset, ListingBuilder listing)
    {
        var output = listing.Line;
        foreach (var table in OrderedTables(ruleset))
        {
            var chains = OrderedChains(table);
            output.Append('*').Append(table.Name);
            listing.EndLine(LineKind.Table);
            foreach (var (name, chain, builtin) in chains)
            {
                output.Append(':').Append(name).Append(' ');
                output.Append(builtin ? PolicyName(chain?.Policy ?? Verdict.Accept) : "-");
                output.Append(" [0:0]");
                listing.EndLine(LineKind.Chain);
            }
            foreach (var (_, chain, _) in chains)
            {
                if (chain is null)
                {
                    continue;
                }
                listing.BeginChainRules(table.Name, chain.Name, chain.Rules.Count);
                foreach (var rule in chain.Rules)
                {
                    WriteRule(rule, output);
                    listing.EndLine(LineKind.Rule);
                }
            }
            output.Append("COMMIT");
            listing.EndLine(LineKind.Commit);
        }
    }

    /// <summary>One rule as iptables-save prints it, e.g. "-A KUBE-SERVICES -d 10.96.0.10/32 -p tcp -m comment ...".</summary>
    public static string FormatRule(Rule rule)
    {
        var output = new StringBuilder();
        WriteRule(rule, output);
        return output.ToString();
    }

    /// <summary>A rule's target as iptables-save prints it after -j (or -g): "DNAT --to-destination 10.244.1.2:8080".</summary>
    public static string FormatTarget(Target target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var output = new StringBuilder();
        target.Save(output);
        // Every target saves itself as " -j " or " -g ", then its name and options.
        return output.ToString(4, output.Length - 4);
    }

    /// <summary>
    /// Appends "-A CHAIN", then the IP header tests in the fixed order -s -d -i -o -p (each with a leading "!" when
    /// negated, addresses always with their prefix length), then the matches in the order they were loaded
    /// (a "-m comment" stays where it was given), then the target. No trailing newline.
    /// </summary>
    public static void WriteRule(Rule rule, StringBuilder output)
    {
        output.Append("-A ").Append(rule.Chain.Name);
        if (rule.Source is { } source && (source.Length > 0 || rule.SourceInverted))
        {
            output.Append(rule.SourceInverted ? " ! -s " : " -s ").Append(source.ToString());
        }
        if (rule.Destination is { } destination && (destination.Length > 0 || rule.DestinationInverted))
        {
            output.Append(rule.DestinationInverted ? " ! -d " : " -d ").Append(destination.ToString());
        }
        if (rule.InInterface is { } inInterface)
        {
            output.Append(rule.InInterfaceInverted ? " ! -i " : " -i ").Append(inInterface);
        }
        if (rule.OutInterface is { } outInterface)
        {
            output.Append(rule.OutInterfaceInverted ? " ! -o " : " -o ").Append(outInterface);
        }
        if (rule.Protocol is { } protocol)
        {
            output.Append(rule.ProtocolInverted ? " ! -p " : " -p ").Append(Packets.IpProtocolNames.ToName(protocol));
        }
        foreach (var match in rule.Matches)
        {
            match.Save(output);
        }
        rule.Target?.Save(output);
    }

    /// <summary>
    /// Appends " value" as xtables_save_string does: bare when it is non-empty and only [A-Za-z0-9_-], otherwise in
    /// double quotes with `"`, `\` and `'` backslash-escaped (the single quote too, which surprises people).
    /// </summary>
    internal static void AppendString(StringBuilder output, string value)
    {
        if (value.Length > 0 && !value.AsSpan().ContainsAnyExcept(Unquoted))
        {
            output.Append(' ').Append(value);
            return;
        }
        output.Append(" \"");
        foreach (var c in value)
        {
            if (c is '"' or '\\' or '\'')
            {
                output.Append('\\');
            }
            output.Append(c);
        }
        output.Append('"');
    }

    private static string PolicyName(Verdict policy) => policy == Verdict.Drop ? "DROP" : "ACCEPT";

    private static List<Table> OrderedTables(Ruleset ruleset)
    {
        var tables = new List<Table>(ruleset.Tables.Count);
        foreach (var name in TableOrder)
        {
            if (ruleset.Find(name) is { Chains.Count: > 0 } table)
            {
                tables.Add(table);
            }
        }
        return tables;
    }

    private static List<(string Name, Chain? Chain, bool Builtin)> OrderedChains(Table table)
    {
        var builtins = BuiltinChains(table.Name) ?? [];
        var chains = new List<(string, Chain?, bool)>(table.Chains.Count + builtins.Length);
        foreach (var name in builtins)
        {
            chains.Add((name, table.Find(name), true));
        }
        var user = new List<Chain>(table.Chains.Count);
        foreach (var chain in table.Chains)
        {
            if (Array.IndexOf(builtins, chain.Name) < 0)
            {
                user.Add(chain);
            }
        }
        user.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var chain in user)
        {
            chains.Add((chain.Name, chain, false));
        }
        return chains;
    }
}
