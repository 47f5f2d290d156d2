using Dashboard.Web.Model;

namespace Dashboard.Web.Rooms;

/// <summary>Splits a tool's output into numbered lines and, for iptables-save, notes where each chain's rules start.</summary>
public static class ToolTexts
{
    public static ToolText Of(string tool, string text)
    {
        var lines = text.Split('\n');
        var count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        var numbered = new RuleLine[count];
        var firstRule = new Dictionary<(string, string), int>();
        var table = "";
        for (var i = 0; i < count; i++)
        {
            var line = lines[i];
            numbered[i] = new RuleLine(i + 1, line);
            if (line.StartsWith('*'))
            {
                table = line[1..];
            }
            else if (line.StartsWith("-A ", StringComparison.Ordinal))
            {
                var end = line.IndexOf(' ', 3);
                // A chain's rules are contiguous in iptables-save: the first one is enough to find the nth.
                firstRule.TryAdd((table, end < 0 ? line[3..] : line[3..end]), i);
            }
        }
        return new ToolText(tool, numbered, firstRule);
    }
}
