using System.Globalization;
using System.Text.Json;
using Dashboard.Simulation.Scenarios;
using Dashboard.Web.Api;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The landing page: one room running the chosen modes side by side on the same traffic. The page owns the room (opened
/// when the circuit starts, closed when it ends), keeps the URL in step with the settings, and hands snapshots to the
/// panes, the inspector, the tables and the charts. The animation itself streams over the hub in the browser.
/// </summary>
public partial class Compare : IAsyncDisposable
{
    /// <summary>Settings that restart the room are applied this long after the last change, so a dragged slider restarts it once.</summary>
    public static readonly TimeSpan ApplyDelay = TimeSpan.FromMilliseconds(350);

    private readonly CancellationTokenSource _disposed = new();
    private ISimulationRoom? _room;
    private IDisposable? _subscription;
    private RoomSnapshot _snapshot = RoomSnapshot.Empty;
    private RoomSettings _settings = RoomSettings.Default;
    private bool _projector;
    private readonly List<string> _urlProblems = [];
    private string? _openError;
    private PacketRecord? _selected;
    private PacketRecord? _held;
    private int _holdCursor;
    private int _tab;
    /// <summary>The selected packet and open tab the URL was last written with.</summary>
    private (long?, int) _written;
    /// <summary>Whether the tabs' drawer is open; it only shows on phones, where the tabs are a drawer over the panes.</summary>
    private bool _drawerOpen;
    /// <summary>Whether the settings are unfolded; only phones and projector mode fold them.</summary>
    private bool _settingsShown;
    private RuleTarget? _ruleTarget;
    private bool _helpOpen;
    private bool _legendOpen;
    private int _renderPending;
    private CancellationTokenSource? _pendingApply;
    private PathPanes? _panes;
    private IJSObjectReference? _pageModule;
    private IJSObjectReference? _shortcuts;
    /// <summary>The page's module (Compare.razor.js) has registered the shortcuts, or failed to load (which loses only them): the run controls wait for it.</summary>
    private bool _shortcutsSettled;
    private DotNetObjectReference<Compare>? _self;

    [Inject]
    public required ISimulationRooms Rooms { get; init; }

    [Inject]
    public required CircuitRooms Circuit { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    [CascadingParameter(Name = "DarkMode")]
    public bool DarkMode { get; set; }

    private bool Playing => _snapshot.Status == RoomStatus.Playing;

    protected override async Task OnInitializedAsync()
    {
        var view = CompareQuery.Parse(new Uri(Navigation.Uri).Query, ScenarioCatalog.Names, _urlProblems);
        _settings = view.Settings;
        _projector = view.Projector;
        // Prerendering has no circuit to stream to: the room opens once the page is interactive.
        if (!RendererInfo.IsInteractive)
        {
            return;
        }
        try
        {
            _room = Rooms.Open(Circuit.Client);
            Circuit.Add(_room);
        }
        catch (InvalidOperationException e)
        {
            _openError = e.Message;
            return;
        }
        _subscription = _room.Subscribe(OnSnapshotAsync);
        Show(_room.Snapshot);
        await _room.ApplyAsync(_settings);
        Show(_room.Snapshot);
        if (view.Packet is { } id && _room.Snapshot.Status != RoomStatus.Failed)
        {
            // The link's packet: the seed makes the traffic the same, so stepping the room there finds the same packet.
            var record = await Task.Run(() => _room.StepToPacket(id));
            Show(_room.Snapshot);
            if (record is null)
            {
                _urlProblems.Add(string.Create(CultureInfo.InvariantCulture,
                    $"packet {id} is further on than the page steps to when it opens ({SimulationRoom.MaxSeekPackets:N0} packets or {SimulationRoom.MaxSeekTime.TotalSeconds:0} s)"));
            }
            else
            {
                Select(record);
            }
        }
        _tab = view.Tab;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!RendererInfo.IsInteractive)
        {
            return;
        }
        if (!firstRender)
        {
            // The URL follows the selected packet and the open tab, however they changed (a click, a step, a restart).
            if ((_selected?.Id, _tab) != _written)
            {
                WriteUrl();
            }
            return;
        }
        try
        {
            _pageModule = await JS.InvokeAsync<IJSObjectReference>("import", "./Components/Pages/Compare.razor.js");
            _self = DotNetObjectReference.Create(this);
            _shortcuts = await _pageModule.InvokeAsync<IJSObjectReference>("registerShortcuts", _self);
            await _pageModule.InvokeVoidAsync("setProjector", _projector);
        }
        catch (JSDisconnectedException)
        {
            // The browser left before the page finished starting.
            return;
        }
        catch (JSException)
        {
            // A browser that cannot load the page's module loses the shortcuts and projector type, not the page.
        }
        _shortcutsSettled = true;
        StateHasChanged();
    }

    /// <summary>
    /// The room's snapshots arrive 4 times a second from its loop; a render already queued absorbs the next one. The
    /// queued render takes the room's latest snapshot on the circuit's thread, so the snapshot is never written while a
    /// render reads it, and a restart is seen even when its first snapshot was absorbed.
    /// </summary>
    private Task OnSnapshotAsync(RoomSnapshot snapshot)
    {
        if (Interlocked.Exchange(ref _renderPending, 1) == 1)
        {
            return Task.CompletedTask;
        }
        return InvokeAsync(() =>
        {
            Volatile.Write(ref _renderPending, 0);
            Show(_room?.Snapshot ?? snapshot);
            StateHasChanged();
        });
    }

    /// <summary>Shows a newer snapshot; one of another generation (the room started over) drops the packets of the old one.</summary>
    private void Show(RoomSnapshot snapshot)
    {
        if (snapshot.Version < _snapshot.Version)
        {
            return;
        }
        if (snapshot.Generation != _snapshot.Generation)
        {
            _selected = null;
            _held = null;
            _ruleTarget = null;
        }
        _snapshot = snapshot;
    }

    private async Task OnSettingsChangedAsync(RoomSettings settings)
    {
        var speedOnly = _settings.SameSimulation(settings);
        _settings = settings;
        if (_room is null)
        {
            WriteUrl();
            return;
        }
        if (speedOnly)
        {
            // With a restart waiting, applying now would restart at once and the waiting one would then put back the
            // speed it was given: the waiting restart applies the latest settings, speed included.
            if (_pendingApply is null)
            {
                await _room.ApplyAsync(settings);
            }
            WriteUrl();
            return;
        }
        // Restarting rebuilds every node (seconds at 50,000 services): wait until the controls are still. The wait is
        // registered before anything is awaited, so a change arriving meanwhile already sees it.
        using var pending = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        _pendingApply?.Cancel();
        _pendingApply = pending;
        WriteUrl();
        try
        {
            await Task.Delay(ApplyDelay, pending.Token);
        }
        catch (OperationCanceledException)
        {
            // Handled below, with a change that came after the delay ended but before this continued.
        }
        if (pending.IsCancellationRequested)
        {
            return; // newer settings took over, or the page went away
        }
        _pendingApply = null;
        _selected = null;
        _held = null;
        _ruleTarget = null;
        await _room.ApplyAsync(_settings);
        Show(_room.Snapshot);
    }

    private async Task SetProjectorAsync(bool on)
    {
        _projector = on;
        WriteUrl();
        await InvokePageAsync("setProjector", on);
    }

    /// <summary>
    /// Rewrites the URL in place (no history entry) through the router, so NavigationManager knows it too: the
    /// language switch reloads the page at this URL.
    /// </summary>
    private void WriteUrl()
    {
        _written = (_selected?.Id, _tab);
        Navigation.NavigateTo(
            Navigation.ToAbsoluteUri(Navigation.ToBaseRelativePath(Navigation.Uri).Split('?')[0]).AbsolutePath
                + CompareQuery.Format(new CompareQuery.View(_settings, _projector, _selected?.Id, _tab)),
            replace: true);
    }

    /// <summary>
    /// Calls the page's module from an event handler: an exception there would end the circuit, and a browser that has gone
    /// (or has not loaded the module yet) has nothing to update.
    /// </summary>
    private async Task InvokePageAsync(string identifier, params object?[] args)
    {
        if (_pageModule is null)
        {
            return;
        }
        try
        {
            await _pageModule.InvokeVoidAsync(identifier, args);
        }
        catch (JSDisconnectedException)
        {
            // Nothing to keep in step any more.
        }
    }

    private void TogglePlay()
    {
        if (_room is null)
        {
            return;
        }
        if (Playing)
        {
            _room.Pause();
        }
        else
        {
            _held = null;
            _room.Play();
        }
        Show(_room.Snapshot);
    }

    private void StepPacket()
    {
        if (_room is null)
        {
            return;
        }
        var record = _room.StepPacket();
        // Shown before selecting: a restart not rendered yet would otherwise drop the packet just stepped.
        Show(_room.Snapshot);
        if (record is not null)
        {
            _held = null;
            Select(record);
        }
    }

    /// <summary>
    /// Moves the held packet one hop on in every pane; past its last hop (or with none held) the next packet is simulated
    /// and held at its first hop. The inspector follows the hop.
    /// </summary>
    private void StepHop()
    {
        if (_room is null)
        {
            return;
        }
        if (_held is not null && _holdCursor + 1 < HopCount(_held))
        {
            _holdCursor++;
            return;
        }
        var record = _room.StepPacket();
        Show(_room.Snapshot);
        if (record is not null)
        {
            _held = record;
            _holdCursor = 0;
            Select(record);
        }
    }

    /// <summary>The longest lane's hops: stepping continues until the packet has finished in every pane.</summary>
    private static int HopCount(PacketRecord record) => record.Wire.Lanes.Max(l => l?.Hops.Count ?? 0);

    private void Select(PacketRecord record)
    {
        _selected = record;
        if (_tab != InspectorTab)
        {
            _tab = InspectorTab;
        }
    }

    private const int InspectorTab = 0;
    private const int RulesTab = 1;

    private void OnPacketClicked(long id)
    {
        if (_room?.FindPacket(id) is { } record)
        {
            _held = null;
            Select(record);
            OpenDrawer();
        }
    }

    /// <summary>A tab tapped or a packet clicked: on a phone, its panel opens (stepping leaves the drawer as it is, over or off the panes).</summary>
    private void OpenDrawer() => _drawerOpen = true;

    private void OnRuleRequested(RuleTarget target)
    {
        _ruleTarget = target;
        _tab = RulesTab;
    }

    private async Task ExportTraceAsync()
    {
        if (_selected is null || _pageModule is null)
        {
            return;
        }
        var export = new
        {
            packet = _selected.Id,
            at = _selected.Packet.At.TotalSeconds,
            conversation = _selected.Packet.Conversation.Id,
            client = _selected.Wire.Client,
            lanes = _selected.Lanes.Select((trace, i) => new { mode = _snapshot.Layouts.ElementAtOrDefault(i)?.Title, trace }),
        };
        await InvokePageAsync("downloadText", $"packet-{_selected.Id}.json", "application/json",
            JsonSerializer.Serialize(export, ApiJson.Options));
    }

    private async Task ExportPaneAsync(int lane)
    {
        if (_panes is null || _pageModule is null)
        {
            return;
        }
        if (await _panes.ExportPngAsync(lane) is { } url)
        {
            var mode = _snapshot.Layouts.ElementAtOrDefault(lane)?.Mode ?? "pane";
            // A file name, not text to read: the same on every machine whatever the page's language.
            await InvokePageAsync("downloadUrl", string.Create(CultureInfo.InvariantCulture, $"{mode}-{_snapshot.VirtualTimeS:0.000}s.png"), url);
        }
    }

    /// <summary>Keyboard shortcuts from the page's module: space plays or pauses, the right arrow steps a hop (with Shift, a packet), ? opens help, Escape closes it and the legend.</summary>
    [JSInvokable]
    public Task OnShortcut(string key) => InvokeAsync(() =>
    {
        switch (key)
        {
            case "space":
                TogglePlay();
                break;
            case "right":
                StepHop();
                break;
            case "shift+right":
                StepPacket();
                break;
            case "help":
                _helpOpen = !_helpOpen;
                break;
            case "escape":
                _helpOpen = false;
                _legendOpen = false;
                break;
        }
        StateHasChanged();
    });

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        _subscription?.Dispose();
        if (_room is not null)
        {
            Circuit.Remove(_room);
            await Rooms.CloseAsync(_room.Id);
        }
        try
        {
            if (_shortcuts is not null)
            {
                await _shortcuts.InvokeVoidAsync("dispose");
                await _shortcuts.DisposeAsync();
            }
            if (_pageModule is not null)
            {
                await _pageModule.InvokeVoidAsync("setProjector", false);
                await _pageModule.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; its listeners went with it.
        }
        _self?.Dispose();
        _disposed.Dispose();
        GC.SuppressFinalize(this);
    }
}
