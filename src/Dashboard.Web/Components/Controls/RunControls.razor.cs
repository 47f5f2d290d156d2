using System.Globalization;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>Play, pause, step one packet, step one hop, and the speed of virtual time, with what the room is doing now.</summary>
public partial class RunControls
{
    /// <summary>Virtual seconds per real second: slow motion (one hundredth) to 1000x, on a log scale.</summary>
    public static readonly double[] SpeedSteps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    [Parameter, EditorRequired]
    public required RoomSnapshot Snapshot { get; set; }

    [Parameter]
    public double Speed { get; set; } = 1;

    /// <summary>The room's id: what another SignalR client joins to receive the same batches.</summary>
    [Parameter]
    public string? RoomId { get; set; }

    /// <summary>A packet is held mid-path by step-one-hop.</summary>
    [Parameter]
    public bool Holding { get; set; }

    /// <summary>
    /// The page is still putting its keyboard shortcuts in place. The buttons wait for them: a Step hop clicked before
    /// then would keep the focus without the page knowing it was clicked, and the Space that follows would press it again
    /// instead of playing.
    /// </summary>
    [Parameter]
    public bool Starting { get; set; }

    [Parameter]
    public EventCallback OnTogglePlay { get; set; }

    [Parameter]
    public EventCallback OnStepPacket { get; set; }

    [Parameter]
    public EventCallback OnStepHop { get; set; }

    [Parameter]
    public EventCallback<double> SpeedChanged { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    private bool Playing => Snapshot.Status == RoomStatus.Playing;

    private bool Ready => !Starting && Snapshot.Status is (RoomStatus.Playing or RoomStatus.Paused);

    private int SpeedIndex => SettingsPanel.Nearest(SpeedSteps, Speed);

    /// <summary>"0.01x", "1x", "1,000x": the multiplier as people say it.</summary>
    public static string SpeedText(double speed) =>
        (speed < 1 ? speed.ToString("0.###", CultureInfo.CurrentCulture) : speed.ToString("N0", CultureInfo.CurrentCulture)) + "×";

    private Task OnSpeedIndexChanged(int index) => SpeedChanged.InvokeAsync(SpeedSteps[Math.Clamp(index, 0, SpeedSteps.Length - 1)]);
}
