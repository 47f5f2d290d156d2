using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>The scenario's Services, paged so that 50,000 rows cost one page of DOM.</summary>
public partial class ServicesTable
{
    private static readonly int[] PageSizes = [10, 25, 100];

    private string? _filter;

    [Parameter, EditorRequired]
    public required IReadOnlyList<ServiceRow> Services { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private Dictionary<string, object> TableAttributes => new() { ["aria-label"] = L["ServicesTableLabel"].Value };

    private bool Matches(ServiceRow row) =>
        string.IsNullOrWhiteSpace(_filter)
        || row.QualifiedName.Contains(_filter, StringComparison.OrdinalIgnoreCase)
        || row.ClusterIp.Contains(_filter, StringComparison.OrdinalIgnoreCase)
        || row.Type.Contains(_filter, StringComparison.OrdinalIgnoreCase);
}
