using Bunit;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Packets;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Rooms;
using static Dashboard.Web.Tests.Components.LaneFixtures;

namespace Dashboard.Web.Tests.Components;

public sealed class LiveTablesViewTests : DashboardTestContext
{
    /// <summary>As `conntrack -L` prints the TCP connection of <see cref="NodeConntrack"/> 2 s after its handshake (24 h armed).</summary>
    private const string ConntrackLine1 =
        "tcp      6 86397 ESTABLISHED src=10.0.0.5 dst=10.96.0.20 sport=40001 dport=80 src=10.244.1.2 dst=10.0.0.5 sport=8080 dport=40001 [ASSURED] mark=0 use=1";
    private const string IpvsLine =
        "TCP 14:57  ESTABLISHED 10.0.0.5:40001     10.96.0.20:80      10.244.1.2:8080";

    private readonly CountingRoom _room = new();

    private static readonly RoomSnapshot TwoLanes = Snapshot(1, IptablesLane([]), IpvsLane([]));

    /// <summary>
    /// A node's conntrack table: a client's DNATed TCP connection to a ClusterIP, its handshake done at 0 s, and with
    /// <paramref name="udp"/> a DNS query from another client a second later.
    /// </summary>
    private static ConntrackTable NodeConntrack(bool udp = true)
    {
        var table = new ConntrackTable(ConntrackSettings.KubeProxyNode(), seed: 1);
        Track(new ConnectionTuple(IpProtocol.Tcp, Ipv4Address.Parse("10.0.0.5"), 40001, Ipv4Address.Parse("10.96.0.20"), 80), "10.244.1.2", 8080, TimeSpan.Zero,
            TcpFlags.Syn, TcpFlags.Syn | TcpFlags.Ack, TcpFlags.Ack);
        if (udp)
        {
            Track(new ConnectionTuple(IpProtocol.Udp, Ipv4Address.Parse("10.0.0.6"), 5353, Ipv4Address.Parse("10.96.0.10"), 53), "10.244.2.3", 53, TimeSpan.FromSeconds(1),
                TcpFlags.None);
        }
        return table;

        void Track(ConnectionTuple tuple, string backend, ushort port, TimeSpan at, params TcpFlags[] flags)
        {
            var entry = table.CreateUnconfirmed(tuple, at);
            ConntrackTable.SetNatBinding(entry, new ConnectionTuple(tuple.Protocol, Ipv4Address.Parse(backend), port, tuple.Source, tuple.SourcePort), destination: true);
            table.Track(entry, flags[0], isReply: false, at);
            table.Confirm(entry);
            for (var i = 1; i < flags.Length; i++)
            {
                table.Track(entry, flags[i], isReply: i % 2 == 1, at);
            }
        }
    }

    private static LiveTables IptablesTables(int total = 2, IReadOnlyList<BucketHeat>? heat = null) =>
        new(1, NodeConntrack().Listing(TimeSpan.FromSeconds(2)), total, null, 0, heat ?? [new BucketHeat("conntrack", 4096, new int[256], 0, 0)]);

    /// <summary>One established connection, 3 s into its 900 s: `ipvsadm -Lnc` prints <see cref="IpvsLine"/> for it.</summary>
    private static ToolListing IpvsConnections()
    {
        var service = new VirtualService(IpProtocol.Tcp, Ipv4Address.Parse("10.96.0.20"), 80, new RoundRobin());
        var server = service.AddServer(Ipv4Address.Parse("10.244.1.2"), 8080);
        var table = new ConnectionTable();
        var connection = table.Create(service, server, new ConnectionTuple(IpProtocol.Tcp, Ipv4Address.Parse("10.0.0.5"), 40001, service.Address, 80), TimeSpan.Zero);
        table.Process(connection, IpvsDirection.Input, TcpFlags.Syn, 60, TimeSpan.Zero);
        table.Process(connection, IpvsDirection.Output, TcpFlags.Syn | TcpFlags.Ack, 60, TimeSpan.Zero);
        table.Process(connection, IpvsDirection.Input, TcpFlags.Ack, 52, TimeSpan.Zero);
        return IpvsadmFormatter.ConnectionsListing(table, TimeSpan.FromSeconds(3));
    }

    private static LiveTables IpvsTables() =>
        new(1, NodeConntrack(udp: false).Listing(TimeSpan.FromSeconds(2)), 1, IpvsConnections(), 1,
            [new BucketHeat("conntrack", 4096, new int[256], 0, 0), new BucketHeat("IPVS service table", 256, new int[256], 1, 1), new BucketHeat("IPVS connection table", 4096, new int[256], 1, 1)]);

    private IRenderedComponent<LiveTablesView> RenderView(RoomSnapshot snapshot) =>
        Render<LiveTablesView>(p => p.Add(c => c.Room, _room).Add(c => c.Snapshot, snapshot));

    [Fact]
    public void Render_RoomLoading_ShowsSentence()
    {
        var view = RenderView(TwoLanes);

        Assert.Contains("The live tables appear once the room has started.", view.Markup, StringComparison.Ordinal);
        Assert.Empty(view.FindAll(".heat-grid"));
    }

    [Fact]
    public void Render_Conntrack_ListsLinesWithTotal()
    {
        _room.Inner.LiveTables[0] = IptablesTables();

        var view = RenderView(TwoLanes);

        var section = view.Find("section[aria-label='conntrack -L']");
        Assert.Contains("2 entries", section.QuerySelector("header")!.TextContent, StringComparison.Ordinal);
        var lines = section.QuerySelectorAll(".table-line").Select(l => l.TextContent).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains(ConntrackLine1, lines);
        Assert.Contains(lines, l => l.StartsWith("udp      17 ", StringComparison.Ordinal));
        Assert.DoesNotContain("showing the first", section.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MoreEntriesThanLines_SaysOnlyTheFirstAreListed()
    {
        _room.Inner.LiveTables[0] = IptablesTables(total: 5000);

        var view = RenderView(TwoLanes);

        var header = view.Find("section[aria-label='conntrack -L'] header").TextContent;
        Assert.Contains("5,000 entries", header, StringComparison.Ordinal);
        Assert.Contains("showing the first 2 of 5,000", header, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IptablesLane_HasNoIpvsadmList()
    {
        _room.Inner.LiveTables[0] = IptablesTables();

        var view = RenderView(TwoLanes);

        Assert.Empty(view.FindAll("section[aria-label='ipvsadm -Lnc']"));
        Assert.DoesNotContain("ipvsadm", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IpvsLane_ListsIpvsadmLinesWithHeader()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        _room.Inner.LiveTables[1] = IpvsTables();
        var view = RenderView(TwoLanes);

        view.FindAll(".lane-chip")[1].Click();

        var section = view.Find("section[aria-label='ipvsadm -Lnc']");
        Assert.Contains("1 connection", section.QuerySelector("header")!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("connections", section.QuerySelector("header")!.TextContent, StringComparison.Ordinal);
        var lines = section.QuerySelectorAll(".table-line").Select(l => l.TextContent).ToList();
        Assert.Equal("IPVS connection entries", lines[0]);
        Assert.Equal(IpvsLine, lines[2]);
        Assert.DoesNotContain("showing the first", section.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_HeatMap_DrawsOneCellPerFoldedBucketWithFactsAndLegend()
    {
        var cells = new int[256];
        cells[0] = 8;
        cells[1] = 1;
        cells[100] = 3;
        _room.Inner.LiveTables[0] = IptablesTables(heat: [new BucketHeat("conntrack", 4096, cells, 3, 12)]);

        var view = RenderView(TwoLanes);

        var map = view.Find("section[aria-label='Bucket heat map: conntrack']");
        Assert.Equal(256, map.QuerySelectorAll(".heat-cell").Length);
        Assert.Equal(253, map.QuerySelectorAll(".heat-cell.shade-0").Length);
        Assert.Contains("4,096 buckets · 12 entries · longest chain 3", map.TextContent, StringComparison.Ordinal);
        Assert.Contains("Each cell adds up 16 neighbouring buckets.", map.TextContent, StringComparison.Ordinal);
        Assert.Contains("Every connection sits here twice", map.TextContent, StringComparison.Ordinal);
        var legend = map.QuerySelectorAll(".heat-legend li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Equal(["empty", "1–2 entries", "3–4 entries", "5–6 entries", "7–8 entries"], legend);
        Assert.Equal("buckets 0–15: 8 entries", map.QuerySelector(".heat-cell")!.GetAttribute("title"));
    }

    [Fact]
    public void Render_SmallCounts_LegendHasNoEmptyRanges()
    {
        var cells = new int[256];
        cells[5] = 1;
        _room.Inner.LiveTables[0] = IptablesTables(heat: [new BucketHeat("conntrack", 256, cells, 1, 1)]);

        var view = RenderView(TwoLanes);

        var legend = view.FindAll(".heat-legend li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Equal(["empty", "1 entry", "2 entries", "3 entries", "4 entries"], legend);
        Assert.DoesNotContain("neighbouring buckets", view.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IpvsLane_ShowsThreeHeatMaps()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        _room.Inner.LiveTables[1] = IpvsTables();
        var view = RenderView(TwoLanes);
        Assert.Single(view.FindAll(".heat-map"));

        view.FindAll(".lane-chip")[1].Click();

        var names = view.FindAll(".heat-title").Select(h => h.TextContent).ToList();
        Assert.Equal(["conntrack", "IPVS service table", "IPVS connection table"], names);
    }

    [Fact]
    public void ClickLane_QueriesOnlyThatLane()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        _room.Inner.LiveTables[1] = IpvsTables();
        var view = RenderView(TwoLanes);

        view.FindAll(".lane-chip")[1].Click();

        Assert.Equal([0, 1], _room.TablesCalls);
        Assert.NotEmpty(view.FindAll("section[aria-label='ipvsadm -Lnc']"));
    }

    [Fact]
    public void Selected_ItsEntriesShownAboveTheListsAndItsBucketsOutlined()
    {
        var record = PacketRecords.FirstSyn();
        var focus = TableFocus.Of(record, 1)!;
        _room.Inner.LiveTables[0] = IptablesTables();
        // The engine's sizes: conntrack's 32,768 buckets, IPVS's 256 service and 4,096 connection buckets.
        _room.Inner.LiveTables[1] = IpvsTables() with
        {
            SelectedConntrack = ConntrackLine1,
            SelectedIpvs = IpvsLine,
            Heat = [new BucketHeat("conntrack", 32_768, new int[256], 0, 0), new BucketHeat("IPVS service table", 256, new int[256], 1, 1), new BucketHeat("IPVS connection table", 4096, new int[256], 1, 1)],
        };
        var view = Render<LiveTablesView>(p => p.Add(c => c.Room, _room).Add(c => c.Snapshot, TwoLanes).Add(c => c.Selected, record));

        view.FindAll(".lane-chip")[1].Click();

        // The room is asked for the packet's own entries in the lane shown.
        Assert.Equal(focus.Conntrack, _room.Focuses[^1]!.Conntrack);
        Assert.Equal(focus.IpvsClient, _room.Focuses[^1]!.IpvsClient);
        var pinned = view.FindAll(".selected-entry .selected-line").Select(l => l.TextContent).ToList();
        Assert.Equal([ConntrackLine1, IpvsLine], pinned);
        // Each heat map outlines the cell of the bucket the packet's lookup named (256 cells: 32,768 buckets fold 128 to a
        // cell, 4,096 fold 16).
        var grids = view.FindAll(".heat-grid");
        Assert.Equal(3, grids.Count);
        Assert.Equal(focus.Buckets[HeatTables.Conntrack] / 128, CellIndex(grids[0]));
        Assert.Equal(focus.Buckets[HeatTables.IpvsService], CellIndex(grids[1]));
        Assert.Equal(focus.Buckets[HeatTables.IpvsConnection] / 16, CellIndex(grids[2]));

        static int CellIndex(AngleSharp.Dom.IElement grid) =>
            grid.QuerySelectorAll(".heat-cell").Select((c, i) => (c, i)).Single(x => x.c.ClassList.Contains("heat-selected")).i;
    }

    [Fact]
    public void Selected_EntryExpired_SaysSo()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        var view = Render<LiveTablesView>(p => p.Add(c => c.Room, _room).Add(c => c.Snapshot, TwoLanes).Add(c => c.Selected, PacketRecords.FirstSyn()));

        Assert.Contains("none: it has expired", view.Find(".selected-entry").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SameVersion_DoesNotQueryAgain()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        var view = RenderView(TwoLanes);

        view.Render(p => p.Add(c => c.Snapshot, TwoLanes with { }));

        Assert.Equal([0], _room.TablesCalls);
    }

    [Fact]
    public void Render_NewVersion_ShowsTheRecomputedTimeouts()
    {
        _room.Inner.LiveTables[0] = IptablesTables();
        var view = RenderView(TwoLanes);
        _room.Inner.LiveTables[0] = IptablesTables() with { Conntrack = NodeConntrack(udp: false).Listing(TimeSpan.FromSeconds(3)), ConntrackTotal = 1 };

        view.Render(p => p.Add(c => c.Snapshot, TwoLanes with { Version = 2 }));

        Assert.Equal([0, 0], _room.TablesCalls);
        Assert.Equal(ConntrackLine1.Replace("86397", "86396", StringComparison.Ordinal), view.Find(".table-line").TextContent);
        Assert.Contains("1 entry", view.Find("section[aria-label='conntrack -L'] header").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LanePicker_LabelsChipsWithLaneTitles()
    {
        _room.Inner.LiveTables[0] = IptablesTables();

        var view = RenderView(TwoLanes);

        var chips = view.FindAll(".lane-chip");
        Assert.Equal(["iptables", "IPVS (rr, NAT)"], chips.Select(c => c.TextContent.Trim()));
        Assert.Contains("--lane-colour: #2A9D8F", chips[1].GetAttribute("style"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Korean_UsesGlossaryTermsButKeepsToolNames()
    {
        UseCulture("ko");
        _room.Inner.LiveTables[0] = IpvsTables();

        var view = RenderView(Snapshot(1, IpvsLane([])));

        Assert.Contains("항목 1개", view.Find("section[aria-label='conntrack -L'] header").TextContent, StringComparison.Ordinal);
        Assert.Contains("ipvsadm -Lnc", view.Markup, StringComparison.Ordinal);
        var names = view.FindAll(".heat-title").Select(h => h.TextContent).ToList();
        Assert.Equal(["연결 추적 (conntrack)", "IPVS 서비스 테이블 (Service Table)", "IPVS 연결 테이블 (Connection Table)"], names);
    }

    /// <summary>The fake room, counting which lanes the view asks tables for.</summary>
    private sealed class CountingRoom : ISimulationRoom
    {
        public FakeSimulationRoom Inner { get; } = new();
        public List<int> TablesCalls { get; } = [];
        public List<TableFocus?> Focuses { get; } = [];

        public string Id => Inner.Id;
        public RoomSnapshot Snapshot => Inner.Snapshot;
        public IDisposable Subscribe(Func<RoomSnapshot, Task> changed) => Inner.Subscribe(changed);
        public Task ApplyAsync(RoomSettings settings) => Inner.ApplyAsync(settings);
        public void Play() => Inner.Play();
        public void Pause() => Inner.Pause();
        public PacketRecord? StepPacket() => Inner.StepPacket();
        public PacketRecord? StepToPacket(long id) => Inner.StepToPacket(id);
        public PacketRecord? FindPacket(long id) => Inner.FindPacket(id);
        public IReadOnlyList<ToolText> Tools(int lane) => Inner.Tools(lane);

        public LiveTables? Tables(int lane, TableFocus? focus = null)
        {
            TablesCalls.Add(lane);
            Focuses.Add(focus);
            return Inner.Tables(lane, focus);
        }
    }
}
