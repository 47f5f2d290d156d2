using System.Globalization;
using Dashboard.Simulation.Scenarios;
using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Dashboard.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Pages;

/// <summary>The landing page: a scenario's Services and the iptables-save text kube-proxy would install for them.</summary>
public partial class Home
{
    /// <summary>The select's value for "generated cluster"; cannot clash with a scenario name (those are DNS-like).</summary>
    public const string GeneratedKey = "(generated)";
    private const int MaxServices = RulesPreviewService.MaxGeneratedServices;
    private const int MaxEndpointsPerService = ScenarioCatalog.MaxEndpointsPerService;

    private IReadOnlyList<string> _scenarioNames = [];
    private string _selection = RulesPreviewService.DefaultScenario;
    private int _generatedServices = 1000;
    private int _endpointsPerService = 3;
    private RulesPreview? _preview;
    private string? _error;
    private bool _loading;
    private int _version;

    [Inject]
    public required RulesPreviewService Previews { get; init; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _scenarioNames = Previews.ScenarioNames;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _error = exception.Message;
            return;
        }
        if (!_scenarioNames.Contains(_selection) && _scenarioNames.Count > 0)
        {
            _selection = _scenarioNames[0];
        }
        await LoadAsync(ScenarioChoice.BuiltIn(_selection));
    }

    private async Task OnSelectionChangedAsync(string selection)
    {
        _selection = selection;
        if (selection != GeneratedKey)
        {
            await LoadAsync(ScenarioChoice.BuiltIn(selection));
        }
    }

    private Task GenerateAsync() =>
        LoadAsync(ScenarioChoice.Generated(
            Math.Clamp(_generatedServices, 1, MaxServices),
            Math.Clamp(_endpointsPerService, 0, MaxEndpointsPerService)));

    private async Task LoadAsync(ScenarioChoice choice)
    {
        // A slower, older request must not overwrite a newer one: only the latest version is shown.
        var version = ++_version;
        _loading = true;
        _error = null;
        StateHasChanged();
        try
        {
            var preview = await Previews.GetAsync(choice);
            if (version == _version)
            {
                _preview = preview;
            }
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            if (version == _version)
            {
                _preview = null;
                _error = exception.Message;
            }
        }
        finally
        {
            if (version == _version)
            {
                _loading = false;
            }
        }
    }
}
