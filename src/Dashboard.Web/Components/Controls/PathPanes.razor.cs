using System.Globalization;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// One pane per mode, side by side: the animated path (a canvas that PathPanes.razor.js draws, fed by the hub, not
/// by Blazor) and the lane's exact counters underneath. Blazor renders the frames and tells the module what the user
/// selected, held or switched; it never renders per packet.
/// </summary>
public partial class PathPanes : IAsyncDisposable
{
    private ElementReference _host;
    private IJSObjectReference? _module;
    private IJSObjectReference? _view;
    private DotNetObjectReference<PathPanes>? _self;
    private (bool Dark, bool Projector) _theme;
    private long? _shownSelection;
    private (WirePacket? Packet, int Hop) _shownHold;
    private (bool Paused, int Generation, WirePacket? Held) _shownPause;
    private IReadOnlyList<PacketOnScreen> _onScreen = [];
    private string? _animationError;

    [Parameter, EditorRequired]
    public required string RoomId { get; set; }

    [Parameter, EditorRequired]
    public required RoomSnapshot Snapshot { get; set; }

    [Parameter]
    public bool Dark { get; set; }

    [Parameter]
    public bool Projector { get; set; }

    /// <summary>The packet highlighted in every pane.</summary>
    [Parameter]
    public long? SelectedPacket { get; set; }

    /// <summary>Step-one-hop: this packet is drawn frozen at hop <see cref="HoldHop"/> in every pane.</summary>
    [Parameter]
    public WirePacket? Held { get; set; }

    [Parameter]
    public int HoldHop { get; set; }

    [Parameter]
    public EventCallback<long> OnPacketClicked { get; set; }

    [Parameter]
    public EventCallback<int> OnExport { get; set; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        try
        {
            if (firstRender)
            {
                _module = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Controls/PathPanes.razor.js");
                _self = DotNetObjectReference.Create(this);
                _theme = (Dark, Projector);
                _shownPause = (Paused, Snapshot.Generation, Held);
                _view = await _module.InvokeAsync<IJSObjectReference>("create", _host, _self, new
                {
                    roomId = RoomId,
                    hubUrl = "hubs/simulation",
                    dark = Dark,
                    projector = Projector,
                    paused = Paused,
                    strings = AnimationStrings(),
                    labels = StationLabels(),
                });
            }
            if (_view is null)
            {
                return;
            }
            if (_theme != (Dark, Projector))
            {
                _theme = (Dark, Projector);
                await _view.InvokeVoidAsync("setTheme", new { dark = Dark, projector = Projector });
            }
            if (_shownSelection != SelectedPacket)
            {
                _shownSelection = SelectedPacket;
                await _view.InvokeVoidAsync("select", SelectedPacket);
            }
            if (!ReferenceEquals(_shownHold.Packet, Held) || _shownHold.Hop != HoldHop)
            {
                _shownHold = (Held, HoldHop);
                await _view.InvokeVoidAsync("hold", Held, HoldHop);
            }
            if (_shownPause != (Paused, Snapshot.Generation, Held))
            {
                _shownPause = (Paused, Snapshot.Generation, Held);
                await _view.InvokeVoidAsync("setPaused", Paused);
                await ShowPacketsOnScreenAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser left; nothing to draw on.
        }
        catch (JSException e)
        {
            // A browser that cannot run the animation (no canvas, blocked script) still gets counters, tables and charts.
            _animationError = e.Message;
            StateHasChanged();
        }
    }

    /// <summary>The room is paused: the animation's clock stands still and the packets on screen stay where they are.</summary>
    private bool Paused => Snapshot.Status == RoomStatus.Paused;

    /// <summary>
    /// A paused screen lists its packets, so that each can be picked by keyboard as well as clicked on a pane. A held
    /// (stepped) packet is already in the inspector; a playing screen moves too fast for a list.
    /// </summary>
    private async Task ShowPacketsOnScreenAsync()
    {
        IReadOnlyList<PacketOnScreen> onScreen = Paused && Held is null && _view is not null
            ? await _view.InvokeAsync<PacketOnScreen[]?>("packetsOnScreen") ?? []
            : [];
        if (!onScreen.SequenceEqual(_onScreen))
        {
            _onScreen = onScreen;
            StateHasChanged();
        }
    }

    /// <summary>The texts the animation draws, in the page's language (technical names are drawn as they are).</summary>
    private Dictionary<string, string> AnimationStrings() => new()
    {
        ["sampled"] = L["AnimSampled"],
        ["skipped"] = L["AnimSkipped"],
        ["slowMotion"] = L["AnimSlowMotion"],
        ["modelled"] = L["AnimModelled"],
        ["rules"] = L["AnimRules"],
        ["buckets"] = L["AnimBuckets"],
        ["node"] = L["AnimNode"],
        ["hop"] = L["AnimHop"],
        ["connecting"] = L["AnimConnecting"],
        ["reconnecting"] = L["AnimReconnecting"],
        ["disconnected"] = L["AnimDisconnected"],
    };

    /// <summary>The stations named in words, by their English label, in the page's language (the glossary's terms in Korean).</summary>
    private Dictionary<string, string> StationLabels() => new()
    {
        [LanePath.ClientsLabel] = L["StationClients"],
        [LanePath.PodsLabel] = L["StationPods"],
        [LanePath.RoutingLabel] = L["StationRouting"],
        [LanePath.IpvsRoutingLabel] = L["StationIpvsRouting"],
        [LanePath.ServiceTableLabel] = L["StationServiceTable"],
        [LanePath.ConnectionTableLabel] = L["StationConnectionTable"],
    };

    /// <summary>A pane as a PNG data URL (title included), or null when the animation is not running.</summary>
    public async Task<string?> ExportPngAsync(int lane)
    {
        if (_view is null)
        {
            return null;
        }
        try
        {
            return await _view.InvokeAsync<string>("exportPng", lane);
        }
        catch (JSDisconnectedException)
        {
            return null;
        }
        catch (JSException)
        {
            // A canvas the browser cannot copy (not laid out yet, 0 pixels wide): no picture, and the circuit lives on.
            return null;
        }
    }

    /// <summary>
    /// A packet drawn on a canvas was clicked (the module hit-tests its packets) or picked from the list of packets on
    /// screen; the inspector shows it in every pane.
    /// </summary>
    [JSInvokable("OnPacketClicked")]
    public Task PacketClickedAsync(long packetId) => OnPacketClicked.InvokeAsync(packetId);

    private string Describe(PacketOnScreen packet) =>
        L["PacketOnScreen", packet.Id, packet.Proto.ToUpperInvariant(), packet.Src, packet.Dst, packet.Reply ? L["Reply"] : L["Request"]];

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_view is not null)
            {
                await _view.InvokeVoidAsync("dispose");
                await _view.DisposeAsync();
            }
            if (_module is not null)
            {
                await _module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser closed the page; the hub connection went with it.
        }
        _self?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A packet the animation draws now, as its module reports it: the tuple as it arrived, in tool notation.</summary>
public sealed record PacketOnScreen(long Id, bool Reply, string Proto, string Src, string Dst);
