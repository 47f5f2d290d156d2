using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>The keyboard shortcuts, opened with ? or its button.</summary>
public partial class ShortcutsHelp
{
    [Parameter]
    public EventCallback OnClose { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }
}
