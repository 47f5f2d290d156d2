using Bunit;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

public sealed class RunControlsTests : DashboardTestContext
{
    private readonly List<string> _calls = [];

    private IRenderedComponent<RunControls> RenderControls(RoomSnapshot snapshot, double speed = 1, bool holding = false) =>
        Render<RunControls>(p => p
            .Add(c => c.Snapshot, snapshot)
            .Add(c => c.Speed, speed)
            .Add(c => c.Holding, holding)
            .Add(c => c.RoomId, "5eed0123abcd4567")
            .Add(c => c.OnTogglePlay, () => _calls.Add("toggle"))
            .Add(c => c.OnStepPacket, () => _calls.Add("packet"))
            .Add(c => c.OnStepHop, () => _calls.Add("hop"))
            .Add(c => c.SpeedChanged, (double s) => _calls.Add($"speed {s}")));

    [Fact]
    public void Loading_ButtonsDisabledUntilTheRoomIsBuilt()
    {
        var controls = RenderControls(RoomSnapshot.Empty with { Status = RoomStatus.Loading });

        Assert.All(controls.FindAll("button"), b => Assert.True(b.HasAttribute("disabled")));
        Assert.Contains("Building", controls.Find(".run-status").TextContent, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Paused_ShowsVirtualTimePacketsAndRoom_AndEachButtonCallsItsCommand()
    {
        var controls = RenderControls(RoomSnapshot.Empty with { Status = RoomStatus.Paused, VirtualTimeS = 12.5, PacketsSimulated = 4_000 });

        var status = controls.Find(".run-status").TextContent;
        Assert.Contains("Paused", status, StringComparison.Ordinal);
        Assert.Contains("12.500 s", status, StringComparison.Ordinal);
        Assert.Contains("4,000 packets", status, StringComparison.Ordinal);
        Assert.Contains("5eed0123abcd4567", status, StringComparison.Ordinal);

        controls.Find(".run-play").Click();
        controls.FindAll("button").Single(b => b.TextContent.Contains("Step packet", StringComparison.Ordinal)).Click();
        controls.FindAll("button").Single(b => b.TextContent.Contains("Step hop", StringComparison.Ordinal)).Click();

        controls.WaitForAssertion(() => Assert.Equal(["toggle", "packet", "hop"], _calls));
    }

    [Fact]
    public void Playing_SlowerThanAsked_SaysTheSpeedReached()
    {
        var controls = RenderControls(RoomSnapshot.Empty with { Status = RoomStatus.Playing, EffectiveSpeed = 120 }, speed: 1000);

        Assert.Contains("Pause", controls.Find(".run-play").TextContent, StringComparison.Ordinal);
        Assert.Contains("120×", controls.Find(".speed-limited").TextContent, StringComparison.Ordinal);
        Assert.Contains("1,000×", controls.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.01, "0.01×")]
    [InlineData(1, "1×")]
    [InlineData(1000, "1,000×")]
    public void SpeedText_AsPeopleSayIt(double speed, string text) => Assert.Equal(text, RunControls.SpeedText(speed));

    [Fact]
    public void SpeedSteps_SlowMotionTo1000x()
    {
        Assert.Equal(0.01, RunControls.SpeedSteps[0]);
        Assert.Equal(1000, RunControls.SpeedSteps[^1]);
        Assert.Contains(1.0, RunControls.SpeedSteps);
    }
}
