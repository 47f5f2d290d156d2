using Bunit;
using Dashboard.Simulation.Engine;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Components.Pages;
using Dashboard.Web.Model;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

public sealed class ComparePageTests : DashboardTestContext
{
    private readonly BunitJSInterop _view;

    public ComparePageTests()
    {
        // The animation module and the view it creates: the page's calls into them are what these tests assert.
        var compare = JSInterop.SetupModule("./Components/Controls/PathPanes.razor.js");
        _view = compare.SetupModule("create", _ => true);
    }

    private FakeSimulationRooms Rooms => Services.GetRequiredService<FakeSimulationRooms>();

    private FakeSimulationRoom Room => Rooms.Room;

    private static RoomSnapshot Snapshot(RoomStatus status = RoomStatus.Paused, long version = 1, int generation = 1) =>
        PacketRecords.PanesSnapshot(status, version, generation);

    private IRenderedComponent<Compare> RenderAt(string uri)
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo(uri);
        return Render<Compare>();
    }

    [Fact]
    public void Open_UrlWithSettings_AppliesThemToTheRoom()
    {
        RenderAt("/?modes=ipvs&seed=7&speed=10&scheduler=lc&fwd=dr&rate=50&requests=1&udp=0&scenario=generated&services=10000");

        var applied = Assert.Single(Room.Applied);
        Assert.Equal(["ipvs"], applied.Modes);
        Assert.Equal(7, applied.Seed);
        Assert.Equal(10, applied.Speed);
        Assert.Equal("lc", applied.Scheduler);
        Assert.Equal("dr", applied.Forwarding);
        Assert.Equal(50, applied.Traffic.NewConnectionsPerSecond);
        Assert.Equal(1, applied.Traffic.RequestsPerConnection);
        Assert.Equal(0, applied.Traffic.UdpShare);
        Assert.Equal(10_000, applied.GeneratedServices);
    }

    [Fact]
    public void Open_UrlWithUnknownMode_WarnsAndUsesTheDefaultModes()
    {
        var page = RenderAt("/?modes=userspace");

        var alert = page.Find("[role=alert]");
        Assert.Contains("modes \"userspace\"", alert.TextContent, StringComparison.Ordinal);
        Assert.Equal(LaneOptions.Modes, Assert.Single(Room.Applied).Modes);
    }

    [Fact]
    public void Open_ServerFull_SaysSoInsteadOfPanes()
    {
        Rooms.RefuseWith = "this server already runs 50 simulations, its limit";

        var page = RenderAt("/");

        Assert.Contains("its limit", page.Find("[role=alert]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll(".pane"));
    }

    [Fact]
    public void Snapshot_TwoLanes_ShowsAPanePerModeWithItsCounters()
    {
        var page = RenderAt("/");

        Room.Push(Snapshot());

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("section.pane").Count));
        var panes = page.FindAll("section.pane");
        Assert.Equal("iptables", panes[0].QuerySelector(".pane-title")!.TextContent);
        Assert.Equal("IPVS (rr, NAT)", panes[1].QuerySelector(".pane-title")!.TextContent);
        Assert.Contains("812.0", panes[0].TextContent, StringComparison.Ordinal);
        Assert.Contains("1,180", panes[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("first packet (modelled)", panes[0].TextContent, StringComparison.Ordinal);
        // Each pane has the element the animation draws into, numbered as the batches number lanes.
        Assert.Equal(["0", "1"], page.FindAll(".pane-canvas").Select(c => c.GetAttribute("data-lane")));
    }

    [Fact]
    public void Open_Interactive_StartsTheAnimationForItsRoom()
    {
        RenderAt("/");

        var create = Assert.Single(JSInterop.Invocations, i => i.Identifier == "create");
        Assert.Contains(Room.Id, System.Text.Json.JsonSerializer.Serialize(create.Arguments[2]), StringComparison.Ordinal);
    }

    [Fact]
    public void PlayButton_PausedRoom_PlaysIt()
    {
        var page = RenderAt("/");
        Room.Push(Snapshot(RoomStatus.Paused));
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));

        page.Find(".run-play").Click();

        // MudButton runs its click handler asynchronously: wait for the command rather than assume it is done.
        page.WaitForAssertion(() => Assert.Contains("play", Room.Commands));
    }

    [Fact]
    public void StepPacket_ShowsThePacketInTheInspectorAndSelectsItInEveryPane()
    {
        var page = RenderAt("/");
        Room.Push(Snapshot());
        Room.NextStep = PacketRecords.FirstSyn();
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));

        page.FindAll("button").First(b => b.TextContent.Contains("Step packet", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() => Assert.Contains("step", Room.Commands));
        page.WaitForAssertion(() => Assert.Contains($"Packet {Room.NextStep.Id}", page.Find(".packet-inspector").TextContent, StringComparison.Ordinal));
        // The panes are told after the render that shows the packet: wait for that call, not only the markup.
        page.WaitForAssertion(() => Assert.Equal(Room.NextStep.Id, _view.Invocations["select"][^1].Arguments[0]));
    }

    [Fact]
    public void Open_UrlWithPacketAndTab_StepsToThePacketSelectsItAndOpensTheTab()
    {
        var record = PacketRecords.FirstSyn();
        Room.Packets[record.Id] = record;
        // Built already, as the real room is once ApplyAsync returns: the packet stepped to is of this generation.
        Room.Snapshot = Snapshot();

        var page = RenderAt($"/?seed=3&packet={record.Id}&tab=tables");

        page.WaitForAssertion(() => Assert.Contains($"step to {record.Id}", Room.Commands));
        page.WaitForAssertion(() => Assert.Contains("mud-tab-active", page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("tables", StringComparison.OrdinalIgnoreCase)).ClassList));
        page.WaitForAssertion(() => Assert.Equal(record.Id, _view.Invocations["select"][^1].Arguments[0]), TimeSpan.FromSeconds(10));
        Assert.Empty(page.FindAll("[role=alert]"));
    }

    [Fact]
    public void Open_UrlWithAPacketTheRoomDoesNotReach_SaysSo()
    {
        var page = RenderAt("/?packet=999");

        page.WaitForAssertion(() => Assert.Contains("packet 999 is further on than the page steps to", page.Find("[role=alert]").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void PacketSelectedThenTabChanged_TheUrlFollows_SoTheLanguageSwitchComesBackToThem()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        var page = RenderAt("/?seed=3");
        Room.Push(Snapshot());
        var record = Room.NextStep = PacketRecords.FirstSyn();
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));

        page.FindAll("button").First(b => b.TextContent.Contains("Step packet", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.EndsWith($"/?seed=3&packet={record.Id}", navigation.Uri, StringComparison.Ordinal));

        page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Charts", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.EndsWith($"/?seed=3&packet={record.Id}&tab=charts", navigation.Uri, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PacketClicked_OpensTheTabsDrawerAtTheInspector_ItsToggleClosesIt()
    {
        // The drawer only shows on phones (CSS); its state is the page's, so clicking a packet on a phone shows the inspector.
        var page = RenderAt("/");
        Room.Push(Snapshot());
        var record = PacketRecords.FirstSyn();
        Room.Packets[record.Id] = record;
        // The panes show the pushed snapshot: a click before that would select a packet of the generation the
        // snapshot then replaces, and the page rightly drops it.
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("section.pane").Count), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("drawer-open", page.Find(".compare-tabs").ClassList);

        await page.InvokeAsync(() => page.FindComponent<PathPanes>().Instance.PacketClickedAsync(record.Id));

        page.WaitForAssertion(() => Assert.Contains("drawer-open", page.Find(".compare-tabs").ClassList), TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.Contains($"Packet {record.Id}", page.Find(".packet-inspector").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(10));
        Assert.Equal("true", page.Find(".drawer-toggle").GetAttribute("aria-expanded"));

        page.Find(".drawer-toggle").Click();

        page.WaitForAssertion(() => Assert.DoesNotContain("drawer-open", page.Find(".compare-tabs").ClassList), TimeSpan.FromSeconds(10));
        Assert.Equal("Show the panel", page.Find(".drawer-toggle").GetAttribute("aria-label"));
    }

    [Fact]
    public void StepHop_Twice_HoldsThePacketOneHopFurtherInThePanesAndTheInspector()
    {
        var page = RenderAt("/");
        Room.Push(Snapshot());
        var record = Room.NextStep = PacketRecords.FirstSyn();
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));
        var stepHop = () => page.FindAll("button").First(b => b.TextContent.Contains("Step hop", StringComparison.Ordinal)).Click();

        stepHop();
        // The first step simulates the packet and holds it at its first hop in both lanes.
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".hop-current").Count));
        stepHop();

        page.WaitForAssertion(() =>
        {
            var hold = _view.Invocations["hold"][^1];
            Assert.Same(record.Wire, hold.Arguments[0]);
            Assert.Equal(1, hold.Arguments[1]);
        });
        Assert.Single(Room.Commands, c => c == "step");
        // The inspector lights, in each lane, the engine event behind hop 1.
        var current = page.FindAll(".hop-current");
        Assert.Equal(2, current.Count);
        Assert.Equal(record.Wire.Lanes[0]!.Hops[1].E.ToString(System.Globalization.CultureInfo.InvariantCulture), current[0].GetAttribute("data-event"));
    }

    [Fact]
    public async Task Shortcut_Space_PlaysAPausedRoom()
    {
        var page = RenderAt("/");
        Room.Push(Snapshot(RoomStatus.Paused));
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));

        await page.InvokeAsync(() => page.Instance.OnShortcut("space"));

        Assert.Contains("play", Room.Commands);
    }

    [Fact]
    public async Task Restart_FirstSnapshotAbsorbedWhileARenderWasQueued_StillDropsTheSelectedPacket()
    {
        var page = RenderAt("/");
        Room.Push(Snapshot());
        Room.NextStep = PacketRecords.FirstSyn();
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));
        page.FindAll("button").First(b => b.TextContent.Contains("Step packet", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.Contains($"Packet {Room.NextStep.Id}", page.Find(".packet-inspector").TextContent, StringComparison.Ordinal));

        // While the circuit is busy, the room restarts and publishes twice: the second snapshot is absorbed by the
        // render the first one queued, and both belong to the new generation.
        await page.InvokeAsync(() => Task.Run(() =>
        {
            Room.Publish(Snapshot(RoomStatus.Loading, version: 2, generation: 2));
            Room.Publish(Snapshot(RoomStatus.Paused, version: 3, generation: 2));
        }).Wait());

        page.WaitForAssertion(() => Assert.DoesNotContain($"Packet {Room.NextStep.Id}", page.Find(".packet-inspector").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Shortcut_QuestionMark_OpensTheHelp()
    {
        var page = RenderAt("/");

        page.InvokeAsync(() => page.Instance.OnShortcut("help"));

        page.WaitForAssertion(() => Assert.Contains("step one hop", page.Find(".shortcuts-help").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public void Shortcut_Escape_ClosesTheHelpAndTheLegend()
    {
        var page = RenderAt("/");
        page.InvokeAsync(() => page.Instance.OnShortcut("help"));
        page.FindAll("button").Single(b => b.TextContent.Contains("Legend", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.Single(page.FindAll(".shortcuts-help")));
        Assert.Single(page.FindComponents<PathLegend>());

        page.InvokeAsync(() => page.Instance.OnShortcut("escape"));

        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".shortcuts-help")));
        Assert.Empty(page.FindComponents<PathLegend>());
    }

    [Fact]
    public void SeedChange_RestartsTheRoomOnce_AfterTheControlsAreStill()
    {
        var page = RenderAt("/");
        var panel = page.FindComponent<SettingsPanel>();

        page.InvokeAsync(() => panel.Instance.SettingsChanged.InvokeAsync(RoomSettings.Default with { Seed = 2 }));
        page.InvokeAsync(() => panel.Instance.SettingsChanged.InvokeAsync(RoomSettings.Default with { Seed = 3 }));

        page.WaitForAssertion(() => Assert.Equal(2, Room.Applied.Count), TimeSpan.FromSeconds(5));
        Assert.Equal(3, Room.Applied[^1].Seed);
    }

    [Fact]
    public async Task SpeedChange_WhileARestartWaits_RestartsOnceAtTheNewSpeed()
    {
        var page = RenderAt("/");
        var panel = page.FindComponent<SettingsPanel>();
        var run = page.FindComponent<RunControls>();

        // One turn of the circuit, so the speed surely comes within the restart's wait however busy the machine is.
        await page.InvokeAsync(() =>
        {
            _ = panel.Instance.SettingsChanged.InvokeAsync(RoomSettings.Default with { Seed = 2 });
            return run.Instance.SpeedChanged.InvokeAsync(100);
        });
        await Task.Delay(Compare.ApplyDelay * 3, Xunit.TestContext.Current.CancellationToken);

        page.WaitForAssertion(() => Assert.Equal(2, Room.Applied.Count), TimeSpan.FromSeconds(5));
        Assert.Equal(2, Room.Applied[^1].Seed);
        Assert.Equal(100, Room.Applied[^1].Speed);
    }

    [Fact]
    public void RunControls_WaitForPageJsToFinishStarting()
    {
        // Until the page's module knows which button the mouse pressed, Space after a click on Step hop would step again, not play.
        // The page's module starts with the shortcuts, then the projector type: the last call held open holds the whole start.
        var starting = JSInterop.SetupModule("./Components/Pages/Compare.razor.js").SetupVoid("setProjector", _ => true);
        var page = RenderAt("/");
        Room.Push(Snapshot());
        page.WaitForAssertion(() => Assert.Single(starting.Invocations));

        Assert.All(page.FindAll(".run-controls button"), b => Assert.True(b.HasAttribute("disabled"), b.TextContent));

        starting.SetVoidResult();
        page.WaitForAssertion(() => Assert.All(page.FindAll(".run-controls button"), b => Assert.False(b.HasAttribute("disabled"), b.TextContent)));
    }

    [Fact]
    public void SpeedChange_AppliesAtOnceWithoutRestarting()
    {
        var page = RenderAt("/");
        var run = page.FindComponent<RunControls>();

        page.InvokeAsync(() => run.Instance.SpeedChanged.InvokeAsync(100));

        Assert.Equal(2, Room.Applied.Count);
        Assert.True(Room.Applied[0].SameSimulation(Room.Applied[1]));
        Assert.Equal(100, Room.Applied[1].Speed);
    }

    [Fact]
    public void RuleHopClicked_OpensTheRulesViewAtThatRule()
    {
        var record = PacketRecords.FirstSyn();
        var (run, _) = PacketRecords.Run();
        var text = new ToolText(RuleTarget.IptablesSave, Simulation.Netfilter.IptablesSaveWriter.Listing(run.Lanes[0].Dataplane.Ruleset));
        Room.ToolTexts[0] = [text];
        var page = RenderAt("/");
        Room.Push(Snapshot());
        Room.NextStep = record;
        page.WaitForAssertion(() => Assert.False(page.Find(".run-play").HasAttribute("disabled")));
        page.FindAll("button").First(b => b.TextContent.Contains("Step packet", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll(".packet-inspector .inspector-lane").Count));
        var matched = record.Lanes[0]!.Events.OfType<RuleMatched>().First(m => m.Chain.StartsWith("KUBE-SEP-", StringComparison.Ordinal));

        page.FindAll(".packet-inspector .inspector-lane")[0].QuerySelectorAll("button.hop-text")
            .First(b => b.TextContent.Contains(matched.Chain, StringComparison.Ordinal) && b.TextContent.Contains("DNAT", StringComparison.Ordinal)).Click();

        page.WaitForAssertion(() =>
        {
            var target = page.Find(".rule-target");
            Assert.StartsWith($"-A {matched.Chain} ", target.TextContent.TrimStart("0123456789".ToCharArray()), StringComparison.Ordinal);
            Assert.Contains("DNAT", target.TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Dispose_ClosesTheRoom()
    {
        RenderAt("/");

        await DisposeComponentsAsync();

        Assert.Equal([Room.Id], Rooms.Closed);
        Assert.Equal(0, Room.SubscriberCount);
    }

    [Fact]
    public void Open_SaysTheVersionModelledAndThatIpvsModeIsDeprecated()
    {
        var page = RenderAt("/");

        var note = page.Find(".compare-modelled").TextContent;
        Assert.Contains("kube-proxy v1.35", note, StringComparison.Ordinal);
        Assert.Contains("IPVS mode is deprecated from v1.35 (KEP-5495)", note, StringComparison.Ordinal);
        Assert.Contains("a real node reorders both on every sync", note, StringComparison.Ordinal);
        Assert.Contains("Linux 6.1 (6.1.192)", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Korean_LabelsTranslated_TechnicalNamesKept()
    {
        UseCulture("ko");
        var page = RenderAt("/");
        Room.Push(Snapshot());

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("section.pane").Count));
        Assert.Contains("트래픽 경로", page.Find("h1").TextContent, StringComparison.Ordinal);
        Assert.Contains("규칙 순차 검사", page.Find("section.pane").TextContent, StringComparison.Ordinal);
        Assert.Contains("IPVS (rr, NAT)", page.Markup, StringComparison.Ordinal);
    }
}
