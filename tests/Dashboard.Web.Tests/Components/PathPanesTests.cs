using Bunit;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>The panes: a frame and counters per mode from the snapshot, and the animation module told what to draw.</summary>
public sealed class PathPanesTests : DashboardTestContext
{
    private readonly BunitJSModuleInterop _module;
    private readonly BunitJSInterop _view;

    public PathPanesTests()
    {
        _module = JSInterop.SetupModule("./Components/Controls/PathPanes.razor.js");
        _view = _module.SetupModule("create", _ => true);
    }

    private static RoomSnapshot Snapshot() => PacketRecords.PanesSnapshot();

    [Fact]
    public void Render_APanePerModeWithItsExactCounters_AndTheModuleCreatedForTheRoom()
    {
        var panes = Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, Snapshot()));

        var sections = panes.FindAll("section.pane");
        Assert.Equal(["iptables pane", "IPVS (rr, NAT) pane"], sections.Select(s => s.GetAttribute("aria-label")));
        // The two numbers the comparison turns on head each pane: rules walked per new connection and the first packet.
        Assert.Equal(["812.0", "14.50 µs"], sections[0].QuerySelectorAll(".pane-header .pane-story dd").Select(d => d.TextContent));
        Assert.Equal(["14.0", "2.25 µs"], sections[1].QuerySelectorAll(".pane-header .pane-story dd").Select(d => d.TextContent));
        Assert.Contains("—", sections[0].QuerySelector(".pane-counters")!.TextContent, StringComparison.Ordinal); // no IPVS table in iptables mode
        Assert.Contains("1,180", sections[1].TextContent, StringComparison.Ordinal);
        Assert.Contains("4", sections[1].QuerySelectorAll(".pane-counters dd")[^1].TextContent, StringComparison.Ordinal); // 3 dropped + 1 rejected
        var create = Assert.Single(_module.Invocations["create"]);
        Assert.Contains("\"roomId\":\"r1\"", System.Text.Json.JsonSerializer.Serialize(create.Arguments[2]), StringComparison.Ordinal);
    }

    [Fact]
    public void Korean_StationsNamedInWordsAreDrawnWithTheGlossarysTerms()
    {
        UseCulture("ko");
        Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, Snapshot()));

        var options = System.Text.Json.JsonSerializer.SerializeToElement(Assert.Single(_module.Invocations["create"]).Arguments[2]);
        var labels = options.GetProperty("labels");
        // docs/UI.md's glossary; every station named in lower-case words has a translation (but the tools' own names: conntrack,
        // ipset, the scheduler), and the kernel's upper-case names none.
        Assert.Equal("서비스 테이블 (Service Table)", labels.GetProperty("service table").GetString());
        Assert.Equal("연결 테이블 (Connection Table)", labels.GetProperty("connection table").GetString());
        var (_, paths) = PacketRecords.Run();
        var worded = paths.SelectMany(p => p.Layout.Stations).Where(st => !st.Label.Any(char.IsUpper))
            .Select(st => st.Label).Where(l => l is not "conntrack" and not "ipset" and not "rr").Distinct();
        Assert.All(worded, l => Assert.True(labels.TryGetProperty(l, out _), $"no translation for station \"{l}\""));
        Assert.False(labels.TryGetProperty("KUBE-SERVICES", out _));
    }

    [Fact]
    public void SelectionThemeAndHold_AreSentToTheModuleOnceEachChange()
    {
        var snapshot = Snapshot();
        var record = PacketRecords.FirstSyn();
        var panes = Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, snapshot));

        panes.Render(p => p.Add(v => v.SelectedPacket, record.Id).Add(v => v.Dark, true));
        panes.Render(p => p.Add(v => v.Held, record.Wire).Add(v => v.HoldHop, 2));
        panes.Render(p => p.Add(v => v.HoldHop, 2));

        panes.WaitForAssertion(() => Assert.Equal(record.Id, _view.Invocations["select"][^1].Arguments[0]));
        Assert.Single(_view.Invocations["setTheme"]);
        // Nothing was held at first, so nothing was sent; then the packet at hop 2, once: an unchanged hold is not resent.
        var hold = Assert.Single(_view.Invocations["hold"]);
        Assert.Equal(2, hold.Arguments[1]);
    }

    [Fact]
    public async Task PacketClicked_InTheCanvas_ReachesThePage()
    {
        long? clicked = null;
        var panes = Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, Snapshot())
            .Add(v => v.OnPacketClicked, (long id) => clicked = id));

        await panes.InvokeAsync(() => panes.Instance.PacketClickedAsync(42));

        Assert.Equal(42, clicked);
    }

    [Fact]
    public void Paused_ThePacketsOnScreenAreListed_AndPickingOneOpensIt()
    {
        _view.Setup<PacketOnScreen[]?>("packetsOnScreen").SetResult(
        [
            new(7, false, "tcp", "10.244.1.5:40000", "10.96.0.10:80"),
            new(8, true, "udp", "10.244.2.7:53", "10.244.1.5:40001"),
        ]);
        long? picked = null;
        var panes = Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, PacketRecords.PanesSnapshot(RoomStatus.Playing))
            .Add(v => v.OnPacketClicked, (long id) => picked = id));
        Assert.Empty(panes.FindAll(".packet-pick"));

        panes.Render(p => p.Add(v => v.Snapshot, PacketRecords.PanesSnapshot(RoomStatus.Paused, version: 2)));

        panes.WaitForAssertion(() => Assert.Equal(2, panes.FindAll(".packet-pick").Count));
        Assert.Equal(true, _view.Invocations["setPaused"][^1].Arguments[0]);
        Assert.Equal("Packet 7 · TCP 10.244.1.5:40000 → 10.96.0.10:80 · request", panes.FindAll(".packet-pick")[0].TextContent);
        Assert.Equal("Packet 8 · UDP 10.244.2.7:53 → 10.244.1.5:40001 · reply", panes.FindAll(".packet-pick")[1].TextContent);
        panes.FindAll(".packet-pick")[1].Click();
        Assert.Equal(8, picked);

        // Playing again, the packets move on and the list goes; the module's clock runs again.
        panes.Render(p => p.Add(v => v.Snapshot, PacketRecords.PanesSnapshot(RoomStatus.Playing, version: 3)));
        panes.WaitForAssertion(() => Assert.Empty(panes.FindAll(".packet-pick")));
        Assert.Equal(false, _view.Invocations["setPaused"][^1].Arguments[0]);
    }

    [Fact]
    public void ModuleFails_CountersStayAndTheFailureIsShown()
    {
        // A browser whose canvas fails (here on a theme switch): the JS error is shown, the circuit and the counters live on.
        _view.SetupVoid("setTheme", _ => true).SetException(new Microsoft.JSInterop.JSException("no canvas"));
        var panes = Render<PathPanes>(p => p.Add(v => v.RoomId, "r1").Add(v => v.Snapshot, Snapshot()));

        panes.Render(p => p.Add(v => v.Dark, true));

        panes.WaitForAssertion(() => Assert.Contains("no canvas", panes.Find("[role=alert]").TextContent, StringComparison.Ordinal));
        Assert.Equal(2, panes.FindAll(".pane-counters").Count);
    }
}
