using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>What every shape and colour in the panes means, one click away.</summary>
public partial class PathLegend
{
    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }
}
