using System.Globalization;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// A sentence of the engine's own (why a packet was dropped, why a scheduler picked a server, what a lookup found): a
/// key into EngineTexts.resx and the values it names, worded only when someone reads it, in the reader's language.
/// The API, the trace and the tests read English (<see cref="ToString"/>); the dashboard reads its page's language.
/// Kernel and tool text among the values (a chain, a rule, an address, a flag) is never translated. A value that is
/// itself an engine sentence is worded in the same language; a list of them is joined with commas.
/// </summary>
public sealed class EngineText
{
    private readonly object[] _values;

    public EngineText(string key, params object[] values)
    {
        Key = key;
        _values = values;
    }

    /// <summary>The resx key (named with nameof(EngineTexts.X), so an unknown one does not compile): which sentence this is, whatever the language.</summary>
    public string Key { get; }

    public string Format(CultureInfo culture)
    {
        var template = EngineTexts.ResourceManager.GetString(Key, culture)
            ?? throw new InvalidOperationException($"EngineTexts.resx has no sentence '{Key}'");
        var values = new object[_values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = _values[i] switch
            {
                EngineText text => text.Format(culture),
                IEnumerable<EngineText> texts => string.Join(", ", texts.Select(text => text.Format(culture))),
                var value => value,
            };
        }
        // Numbers and addresses read the same in every language the dashboard speaks: 170.67, not 170,67.
        return string.Format(CultureInfo.InvariantCulture, template, values);
    }

    /// <summary>In English, as the API and the kernel-style trace give it.</summary>
    public override string ToString() => Format(CultureInfo.InvariantCulture);
}
