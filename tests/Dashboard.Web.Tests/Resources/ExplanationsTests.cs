using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using Dashboard.Simulation.Engine;
using Dashboard.Web.Resources;

namespace Dashboard.Web.Tests.Resources;

/// <summary>The engine's explanations in words: English for the API, Korean for the dashboard's Korean page.</summary>
public sealed partial class ExplanationsTests
{
    private static readonly CultureInfo Korean = CultureInfo.GetCultureInfo("ko");

    [Fact]
    public void EveryCode_HasAnEnglishAndAKoreanSentence_NamingTheSameValues()
    {
        var english = Sentences(CultureInfo.InvariantCulture);
        var korean = Sentences(Korean);

        Assert.Equal(Enum.GetNames<ExplanationCode>().Order(), english.Keys.Order());
        Assert.Equal(english.Keys.Order(), korean.Keys.Order());
        foreach (var (key, sentence) in english)
        {
            Assert.True(Placeholders(sentence).SetEquals(Placeholders(korean[key])), $"{key}: '{sentence}' and '{korean[key]}' name different values");
        }
    }

    [Fact]
    public void Say_NestedExplanationsAndListsInTheReadersLanguage()
    {
        Explanation[] skipped =
        [
            new(ExplanationCode.ServerQuiescent, "10.244.1.2:8080"),
            new(ExplanationCode.ServerOverloaded, "10.244.1.3:8080"),
        ];
        var explanation = new Explanation(ExplanationCode.RrSkipped,
            new Explanation(ExplanationCode.RrNext, "10.244.1.1:8080", "10.244.1.4:8080"), skipped);

        Assert.Equal(
            "rr: next after 10.244.1.1:8080 -> 10.244.1.4:8080 (skipped 10.244.1.2:8080 quiescent, weight 0, 10.244.1.3:8080 overloaded)",
            Explanations.English(explanation));
        Assert.Equal(
            "rr: 10.244.1.1:8080 다음 -> 10.244.1.4:8080 (건너뜀: 10.244.1.2:8080 휴지(quiescent), 가중치 0, 10.244.1.3:8080 과부하)",
            Explanations.Say(explanation, Korean));
    }

    [Fact]
    public void Say_NumbersReadTheSameInEveryCulture()
    {
        // A culture with a decimal comma: the ratio a scheduler computed stays 0.5, as ipvsadm's users read it.
        var explanation = new Explanation(ExplanationCode.Fo, "10.244.1.2:8080", 0.5);

        Assert.Equal("fo: 10.244.1.2:8080 has the highest weight, 0.5, of the available servers",
            Explanations.Say(explanation, CultureInfo.GetCultureInfo("de-DE")));
    }

    [Fact]
    public void English_SchedulerReasons_AsIpvsadmUsersReadThem()
    {
        // wlc's overhead per weight, (2 x 257 + 0) / 3 (ip_vs_wlc_schedule), and sh's fallback walk to slot 84.
        Assert.Equal("wlc: 10.244.1.2:8080 has the lowest overhead per weight, (2 active x 257 + 0 inactive) / weight 3 = 171.33",
            Explanations.English(new Explanation(ExplanationCode.Wlc, "10.244.1.2:8080", 2, 0, 3, 171.33)));
        Assert.Equal("sh: source 10.244.0.5 hashes to slot 170 -> 10.244.1.3:8080 (10.244.1.3:8080 is quiescent, weight 0); " +
                     "sh-fallback walked to slot 84 -> 10.244.1.1:8080",
            Explanations.English(new Explanation(ExplanationCode.HashedFallback,
                new Explanation(ExplanationCode.Sh, "10.244.0.5", 170), "10.244.1.3:8080",
                new Explanation(ExplanationCode.ServerIsQuiescent, "10.244.1.3:8080"),
                new Explanation(ExplanationCode.ShFallback), 84, "10.244.1.1:8080")));
    }

    private static Dictionary<string, string> Sentences(CultureInfo culture)
    {
        // Only this culture's own resources: a missing Korean sentence must not be filled in from English.
        var resources = new ResourceManager("Dashboard.Web.Resources.Explanations", typeof(Explanations).Assembly);
        var set = resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"no Explanations resources for '{culture.Name}'");
        return set.Cast<DictionaryEntry>().ToDictionary(entry => (string)entry.Key, entry => (string)entry.Value!);
    }

    private static HashSet<string> Placeholders(string sentence) => [.. Placeholder().Matches(sentence).Select(m => m.Value)];

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
