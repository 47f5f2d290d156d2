using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Dashboard.Web.Tests.Model;

/// <summary>
/// The UI's words as the components use them: a string with placeholders must be given its arguments (or the page
/// shows "{0}"), every key a component asks for exists, and the Korean text takes the same arguments as the English.
/// </summary>
public sealed partial class UiStringsTests
{
    private static readonly string Root = RepositoryFiles.Root;

    private static Dictionary<string, string> Strings(string file) =>
        XDocument.Load(Path.Combine(Root, "src", "Dashboard.Web", "Resources", file)).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string)d.Element("value")!);

    private static IEnumerable<(string File, Match Use)> Uses() =>
        Directory.EnumerateFiles(Path.Combine(Root, "src", "Dashboard.Web", "Components"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => LocalizerUse().Matches(File.ReadAllText(f)).Select(m => (Path.GetFileName(f), m)));

    [Fact]
    public void EveryStringAComponentAsksFor_Exists_AndGetsTheArgumentsItsPlaceholdersNeed()
    {
        var english = Strings("UiStrings.resx");
        var problems = new List<string>();
        foreach (var (file, use) in Uses())
        {
            var key = use.Groups["key"].Value;
            if (use.Groups["prefix"].Success)
            {
                // L["Event_" + name]: one string per kind, named by its prefix.
                if (!english.Keys.Any(k => k.StartsWith(key, StringComparison.Ordinal)))
                {
                    problems.Add($"{file}: no string in UiStrings.resx starts with {key}");
                }
            }
            else if (!english.TryGetValue(key, out var text))
            {
                problems.Add($"{file}: {key} is not in UiStrings.resx");
            }
            else if (use.Groups["rendered"].Success && !use.Groups["args"].Success && Placeholder().IsMatch(text))
            {
                // Markup renders it as it is; code may pass a template on to be formatted (the animation's texts).
                problems.Add($"{file}: {key} (\"{text}\") is rendered without its arguments");
            }
        }

        Assert.True(Uses().Count() > 100, "the scan found the components' strings");
        Assert.Empty(problems);
    }

    [Fact]
    public void KoreanStrings_TakeTheSameArgumentsAsTheEnglish()
    {
        var english = Strings("UiStrings.resx");
        var korean = Strings("UiStrings.ko.resx");

        Assert.Empty(english.Keys.Except(korean.Keys));
        Assert.All(english, e => Assert.Equal(
            Placeholder().Matches(e.Value).Select(m => m.Value).Distinct().Order(),
            Placeholder().Matches(korean[e.Key]).Select(m => m.Value).Distinct().Order()));
    }

    /// <summary>L["Key"], L["Key", args…] or L["Prefix_" + name], rendered in markup when written @L[…].</summary>
    [GeneratedRegex("""(?<rendered>@)?\bL\["(?<key>\w+)"(?:(?<args>\s*,)|(?<prefix>\s*\+))?""")]
    private static partial Regex LocalizerUse();

    [GeneratedRegex(@"\{\d+(?:[,:][^}]*)?\}")]
    private static partial Regex Placeholder();
}
