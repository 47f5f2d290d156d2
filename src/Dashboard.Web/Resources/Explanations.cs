using System.Globalization;
using System.Resources;
using Dashboard.Simulation.Engine;

namespace Dashboard.Web.Resources;

/// <summary>
/// The engine's explanations in words: Explanations.resx (English, which the API and the browser's hop labels read)
/// and Explanations.ko.resx (the dashboard's Korean page), one sentence per <see cref="ExplanationCode"/>. Kernel and
/// tool text among the values (a chain, a rule, an address, a flag) is never translated; a value that is itself an
/// explanation is worded in the same language, and a list of them is joined with commas.
/// </summary>
public static class Explanations
{
    private static readonly ResourceManager Sentences = new("Dashboard.Web.Resources.Explanations", typeof(Explanations).Assembly);

    /// <summary>In English, as the trace API gives it.</summary>
    public static string English(Explanation explanation) => Say(explanation, CultureInfo.InvariantCulture);

    public static string Say(Explanation explanation, CultureInfo culture)
    {
        var template = Sentences.GetString(explanation.Code.ToString(), culture)
            ?? throw new InvalidOperationException($"Explanations.resx has no sentence for {explanation.Code}");
        var values = new object[explanation.Values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = explanation.Values[i] switch
            {
                Explanation inner => Say(inner, culture),
                IEnumerable<Explanation> list => string.Join(", ", list.Select(inner => Say(inner, culture))),
                var value => value,
            };
        }
        // Numbers and addresses read the same in every language the dashboard speaks: 170.67, not 170,67.
        return string.Format(CultureInfo.InvariantCulture, template, values);
    }

}
