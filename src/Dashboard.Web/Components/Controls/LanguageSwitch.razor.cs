using System.Globalization;
using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>EN | KO: stores the culture cookie through /culture/set and reloads, since a circuit's culture is fixed.</summary>
public partial class LanguageSwitch
{
    private static readonly (string Culture, string Label, string Name)[] Options =
        [("en", "EN", "English"), ("ko", "KO", "한국어")];

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static bool IsCurrent(string culture) =>
        CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == culture;

    private void Switch(string culture)
    {
        if (IsCurrent(culture))
        {
            return;
        }
        var here = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
        Navigation.NavigateTo(
            $"culture/set?culture={Uri.EscapeDataString(culture)}&redirectUri={Uri.EscapeDataString(here)}",
            forceLoad: true);
    }
}
