using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// Maps nft rule handles (what the kernel's trace names) to 1-based rule positions in their chain (what
/// iptables-save order and the engine's trace use), read from `nft -a list ruleset` of the ip family.
/// </summary>
public sealed partial class RulePositions
{
    private readonly Dictionary<(string Table, long Handle), (string Chain, int Position)> _positions;

    private RulePositions(Dictionary<(string Table, long Handle), (string Chain, int Position)> positions) =>
        _positions = positions;

    [GeneratedRegex(@"^table (?<family>\S+) (?<name>\S+) \{")]
    private static partial Regex TablePattern();

    [GeneratedRegex(@"^\s*chain (?<name>\S+) \{")]
    private static partial Regex ChainPattern();

    [GeneratedRegex(@"# handle (?<handle>\d+)\s*$")]
    private static partial Regex HandlePattern();

    /// <summary>Parses `nft -a list ruleset`: rules are listed in chain order, each ending in `# handle N`.</summary>
    public static RulePositions Parse(string nftListing)
    {
        var positions = new Dictionary<(string, long), (string, int)>();
        string? table = null;
        string? chain = null;
        var position = 0;
        foreach (var line in nftListing.Split('\n'))
        {
            if (TablePattern().Match(line) is { Success: true } tableMatch)
            {
                table = tableMatch.Groups["family"].Value == "ip" ? Unquote(tableMatch.Groups["name"].Value) : null;
                chain = null;
                continue;
            }

            if (ChainPattern().Match(line) is { Success: true } chainMatch)
            {
                chain = Unquote(chainMatch.Groups["name"].Value);
                position = 0;
                continue;
            }

            if (line.Trim() == "}")
            {
                chain = null;
                continue;
            }

            if (table is not null && chain is not null && HandlePattern().Match(line) is { Success: true } handle)
            {
                position++;
                positions[(table, long.Parse(handle.Groups["handle"].Value, CultureInfo.InvariantCulture))] = (chain, position);
            }
        }

        return new RulePositions(positions);
    }

    public int PositionOf(string table, string chain, long handle) =>
        _positions.TryGetValue((table, handle), out var found) && found.Chain == chain
            ? found.Position
            : throw new InvalidOperationException($"no rule with handle {handle} in {table}/{chain}: was the ruleset changed after loading?");

    /// <summary>The handles of every rule in a chain, in order.</summary>
    public IReadOnlyList<long> HandlesOf(string table, string chain) =>
        [.. _positions.Where(p => p.Key.Table == table && p.Value.Chain == chain).OrderBy(p => p.Value.Position).Select(p => p.Key.Handle)];

    private static string Unquote(string name) => name.Trim('"');
}
