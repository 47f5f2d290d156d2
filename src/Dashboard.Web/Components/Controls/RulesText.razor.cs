using Dashboard.Simulation.Listings;
using Dashboard.Web.Resources;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A tool's output (iptables-save, ipvsadm, ipset) in monospace. Virtualised: at 50,000 services the text runs to
/// hundreds of thousands of lines, and only the visible ones (plus an overscan) are in the DOM. Lines a packet
/// matched are lit, and the view scrolls to a target line when it changes.
/// </summary>
public partial class RulesText : IAsyncDisposable
{
    /// <summary>Must match .tool-listing-line's CSS height (app.css), or Virtualize scrolls to the wrong place; the live tables share it.</summary>
    public const float LineHeight = 20;

    private ElementReference _container;
    private IJSObjectReference? _module;
    private int? _scrolledTo;
    private ICollection<ListingLine> _lines = [];
    private LineRange? _dispatch;

    [Parameter, EditorRequired]
    public required ToolListing Listing { get; set; }

    /// <summary>The region's accessible name; iptables-save's by default.</summary>
    [Parameter]
    public string? Label { get; set; }

    /// <summary>1-based numbers of the lines the selected packet matched.</summary>
    [Parameter]
    public IReadOnlySet<int>? Lit { get; set; }

    /// <summary>1-based number of the line to bring into view and mark as the target.</summary>
    [Parameter]
    public int? Target { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    protected override void OnParametersSet()
    {
        // Virtualize wants an ICollection; the writer's lines are an array, so this copies nothing.
        _lines = Listing.Lines as ICollection<ListingLine> ?? [.. Listing.Lines];
        _dispatch = Listing.RulesOf("nat", "KUBE-SERVICES");
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (Target is not { } target || target == _scrolledTo)
        {
            return;
        }
        _scrolledTo = target;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Controls/RulesText.razor.js");
            await _module.InvokeVoidAsync("scrollToLine", _container, target - 1, LineHeight);
        }
        catch (JSDisconnectedException)
        {
            // Nothing left to scroll.
        }
    }

    private string? LitClass(int number) =>
        number == Target ? "rule-target" : Lit?.Contains(number) == true ? "rule-lit" : null;

    /// <summary>
    /// Tables, chain declarations and COMMIT are set apart so the eye finds the structure of the dump, and nat's
    /// KUBE-SERVICES, the list every new connection walks, is tinted.
    /// </summary>
    private string LineClass(ListingLine line) => line.Kind switch
    {
        LineKind.Table => "rule-table",
        LineKind.Chain => "rule-chain",
        LineKind.Commit => "rule-commit",
        LineKind.Rule when _dispatch?.Contains(line.Number) == true => "rule-services",
        _ => "",
    };

    public async ValueTask DisposeAsync()
    {
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // Gone with the page.
            }
        }
        GC.SuppressFinalize(this);
    }
}
