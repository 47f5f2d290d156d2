using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Tests.Engine;

/// <summary>The engine's own sentences, in English for the API and in Korean for the dashboard's Korean page.</summary>
public sealed partial class EngineTextTests
{
    private static readonly CultureInfo Korean = CultureInfo.GetCultureInfo("ko");

    [Fact]
    public void EverySentence_HasAKoreanOne_NamingTheSameValues()
    {
        var english = Sentences(CultureInfo.InvariantCulture);
        var korean = Sentences(Korean);

        Assert.NotEmpty(english);
        Assert.Equal(english.Keys.Order(), korean.Keys.Order());
        foreach (var (key, sentence) in english)
        {
            Assert.True(Placeholders(sentence).SetEquals(Placeholders(korean[key])), $"{key}: '{sentence}' and '{korean[key]}' name different values");
        }
    }

    [Fact]
    public void Format_NestedSentencesAndListsInTheReadersLanguage()
    {
        var skipped = new[]
        {
            new EngineText(nameof(EngineTexts.ServerQuiescent), "10.244.1.2:8080"),
            new EngineText(nameof(EngineTexts.ServerOverloaded), "10.244.1.3:8080"),
        };
        var text = new EngineText(nameof(EngineTexts.RrSkipped),
            new EngineText(nameof(EngineTexts.RrNext), "10.244.1.1:8080", "10.244.1.4:8080"), skipped);

        Assert.Equal(
            "rr: next after 10.244.1.1:8080 -> 10.244.1.4:8080 (skipped 10.244.1.2:8080 quiescent, weight 0, 10.244.1.3:8080 overloaded)",
            text.ToString());
        Assert.Equal(
            "rr: 10.244.1.1:8080 다음 -> 10.244.1.4:8080 (건너뜀: 10.244.1.2:8080 휴지(quiescent), 가중치 0, 10.244.1.3:8080 과부하)",
            text.Format(Korean));
    }

    [Fact]
    public void Format_NumbersReadTheSameInEveryCulture()
    {
        // A culture with a decimal comma: the ratio a scheduler computed stays 0.5, as ipvsadm's users read it.
        var text = new EngineText(nameof(EngineTexts.Fo), "10.244.1.2:8080", 0.5);

        Assert.Equal("fo: 10.244.1.2:8080 has the highest weight, 0.5, of the available servers", text.Format(CultureInfo.GetCultureInfo("de-DE")));
    }

    [Fact]
    public void Format_UnknownSentence_NamesIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new EngineText("NoSuchSentence").ToString());

        Assert.Contains("'NoSuchSentence'", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Sentences(CultureInfo culture)
    {
        // Only this culture's own resources: a missing Korean sentence must not be filled in from English.
        var set = EngineTexts.ResourceManager.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"no EngineTexts resources for '{culture.Name}'");
        return set.Cast<DictionaryEntry>().ToDictionary(entry => (string)entry.Key, entry => (string)entry.Value!);
    }

    private static HashSet<string> Placeholders(string sentence) => [.. Placeholder().Matches(sentence).Select(m => m.Value)];

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
