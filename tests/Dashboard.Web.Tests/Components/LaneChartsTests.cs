using Bunit;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Rooms;
using MudBlazor;
using static Dashboard.Web.Tests.Components.LaneFixtures;

namespace Dashboard.Web.Tests.Components;

public sealed class LaneChartsTests : DashboardTestContext
{
    private static readonly LaneSample[] IptablesHistory =
    [
        new(0.25, 10, null, double.NaN, double.NaN),
        new(0.50, 20, null, 800, 3.2),
        new(0.75, 20, null, double.NaN, double.NaN),
        new(1.00, 30, null, 812, 3.4),
    ];

    private static readonly LaneSample[] IpvsHistory =
    [
        new(0.25, 10, 9, double.NaN, double.NaN),
        new(0.50, 20, 19, 3, 0.4),
        new(0.75, 20, 19, double.NaN, double.NaN),
        new(1.00, 30, 29, 3, 0.4),
    ];

    private static RoomSnapshot TwoLanes(long version = 1) =>
        Snapshot(version,
            IptablesLane(IptablesHistory, new Dictionary<string, long> { ["10.244.1.2:8080"] = 7, ["10.244.2.3:8080"] = 5 }),
            IpvsLane(IpvsHistory, new Dictionary<string, long> { ["10.244.1.2:8080"] = 6, ["10.244.2.3:8080"] = 6 }));

    private IRenderedComponent<LaneCharts> RenderCharts(RoomSnapshot snapshot) =>
        Render<LaneCharts>(p => p.Add(c => c.Snapshot, snapshot));

    private static AngleSharp.Dom.IElement Figure(IRenderedComponent<LaneCharts> charts, string name) =>
        charts.Find($"figure[aria-label='{name}']");

    [Fact]
    public void Render_NoLanes_ShowsSentenceInsteadOfCharts()
    {
        var charts = RenderCharts(RoomSnapshot.Empty);

        Assert.Contains("The charts start once the simulation plays", charts.Markup, StringComparison.Ordinal);
        Assert.Empty(charts.FindAll("svg"));
    }

    [Fact]
    public void Render_TwoLanes_ShowsFourNamedChartsWithAxisUnits()
    {
        var charts = RenderCharts(TwoLanes());

        var names = charts.FindAll("figure").Select(f => f.GetAttribute("aria-label")).ToList();
        Assert.Equal(
            ["Table entries over virtual time", "Rules evaluated per new connection", "Modelled first-packet latency (µs)", "Requests per backend"],
            names);
        Assert.Contains("1.0 s", Figure(charts, "Table entries over virtual time").TextContent, StringComparison.Ordinal);
        Assert.Contains("Entries", Figure(charts, "Table entries over virtual time").TextContent, StringComparison.Ordinal);
        Assert.Contains("Modelled latency (µs)", Figure(charts, "Modelled first-packet latency (µs)").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TwoLanes_NamesEverySeriesAfterItsLaneInItsColour()
    {
        var charts = RenderCharts(TwoLanes());

        var entries = Figure(charts, "Table entries over virtual time").TextContent;
        Assert.Contains("iptables: conntrack", entries, StringComparison.Ordinal);
        Assert.Contains("IPVS (rr, NAT): conntrack", entries, StringComparison.Ordinal);
        Assert.Contains("IPVS (rr, NAT): IPVS connections", entries, StringComparison.Ordinal);
        Assert.DoesNotContain("iptables: IPVS connections", entries, StringComparison.Ordinal);
        var rules = Figure(charts, "Rules evaluated per new connection");
        Assert.Contains("iptables", rules.TextContent, StringComparison.Ordinal);
        Assert.Contains("IPVS (rr, NAT)", rules.TextContent, StringComparison.Ordinal);
        var strokes = rules.QuerySelectorAll("path.mud-chart-line").Select(p => p.GetAttribute("stroke")).ToList();
        Assert.Equal(["#E8A33D", "#2A9D8F"], strokes);
    }

    [Fact]
    public void Render_NaNSamples_LeavesGapsInsteadOfZeros()
    {
        var charts = RenderCharts(TwoLanes());

        var rules = Figure(charts, "Rules evaluated per new connection");
        var iptablesLine = rules.QuerySelectorAll("path.mud-chart-line")[0].GetAttribute("d")!;
        // Two samples had connections, two had none: two separate one-point runs, nothing drawn down to 0.
        Assert.Equal(2, iptablesLine.Split('M', StringSplitOptions.RemoveEmptyEntries).Length);
        var chart = charts.FindComponents<MudChart<double>>()[1].Instance;
        var points = chart.ChartSeries[0].Data.Points;
        Assert.Equal([false, true, false, true], points.Select(p => p.HasValue));
        Assert.Equal([800.0, 812.0], points.Where(p => p.HasValue).Select(p => p.Y));
    }

    [Fact]
    public void Render_Latency_SaysItIsModelled()
    {
        var charts = RenderCharts(TwoLanes());

        var latency = Figure(charts, "Modelled first-packet latency (µs)");
        Assert.Contains("cost model", latency.QuerySelector("p.lane-chart-note")!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Korean_UsesKoreanTitlesButKeepsToolNames()
    {
        UseCulture("ko");

        var charts = RenderCharts(TwoLanes());

        Assert.Contains("모델링된 연결의 첫 패킷 지연 시간 (µs)", charts.Markup, StringComparison.Ordinal);
        Assert.Contains("1.0초", charts.Markup, StringComparison.Ordinal);
        Assert.Contains("iptables: conntrack", charts.Markup, StringComparison.Ordinal);
        Assert.Contains("IPVS (rr, NAT): IPVS 연결", charts.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoHistoryButRequests_ShowsOnlyBackendChartWithSentences()
    {
        var charts = RenderCharts(Snapshot(1, IptablesLane([], new Dictionary<string, long> { ["10.244.1.2:8080"] = 1 })));

        Assert.Contains("No samples yet: press play.", Figure(charts, "Table entries over virtual time").TextContent, StringComparison.Ordinal);
        Assert.NotNull(Figure(charts, "Requests per backend").QuerySelector("svg"));
    }

    [Fact]
    public void Render_ManyBackends_DrawsTheBusiestAndSaysWhatTheRestReceived()
    {
        var backends = Enumerable.Range(1, 14).ToDictionary(i => $"10.244.0.{i}:8080", i => (long)i);
        backends["(others)"] = 500;

        var charts = RenderCharts(Snapshot(1, IptablesLane(IptablesHistory, backends)));

        var chart = charts.FindComponents<MudChart<double>>()[3].Instance;
        Assert.Equal(LaneCharts.MaxBars, chart.ChartLabels.Length);
        Assert.Equal("10.244.0.14:8080", chart.ChartLabels[0]);
        Assert.Equal(14.0, chart.ChartSeries[0].Data.Values[0]);
        Assert.DoesNotContain("(others)", chart.ChartLabels);
        // Backends 1 and 2 are not bars: 1 + 2 + 500.
        Assert.Equal("Only the 12 busiest backends are drawn; the others received, per lane: iptables 503 requests.",
            charts.Find(".backends-rest").TextContent);
    }

    [Fact]
    public void Render_BackendOnlyInOneLanesTop_IsNotDrawnAsZeroForTheOther()
    {
        // IPVS folded 10.244.0.2 into its "(others)": its count there is unknown, so it gets no bar at all.
        var iptables = new Dictionary<string, long> { ["10.244.0.1:8080"] = 5, ["10.244.0.2:8080"] = 9, ["(others)"] = 100 };
        var ipvs = new Dictionary<string, long> { ["10.244.0.1:8080"] = 6, ["10.244.0.3:8080"] = 8, ["(others)"] = 100 };

        var charts = RenderCharts(Snapshot(1, IptablesLane(IptablesHistory, iptables), IpvsLane(IpvsHistory, ipvs)));

        var chart = charts.FindComponents<MudChart<double>>()[3].Instance;
        Assert.Equal(["10.244.0.1:8080"], chart.ChartLabels);
        Assert.Contains("iptables 109 · IPVS (rr, NAT) 108", charts.Find(".backends-rest").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_FewBackends_DrawsEveryOneWithoutRestNote()
    {
        var charts = RenderCharts(TwoLanes());

        var chart = charts.FindComponents<MudChart<double>>()[3].Instance;
        Assert.Equal(["10.244.1.2:8080", "10.244.2.3:8080"], chart.ChartLabels);
        Assert.Equal([7.0, 5.0], chart.ChartSeries[0].Data.Values);
        Assert.Equal([6.0, 6.0], chart.ChartSeries[1].Data.Values);
        Assert.Empty(charts.FindAll(".backends-rest"));
    }

    [Fact]
    public void Render_SameVersionAgain_KeepsWhatItShows()
    {
        var charts = RenderCharts(TwoLanes(version: 5));
        var before = charts.FindComponents<MudChart<double>>()[0].Instance.ChartSeries;

        // The host re-renders with another snapshot object of the same version: nothing is rebuilt.
        charts.Render(p => p.Add(c => c.Snapshot, Snapshot(5, IptablesLane([new(9, 999, null, 1, 1)]))));

        Assert.Same(before, charts.FindComponents<MudChart<double>>()[0].Instance.ChartSeries);
        Assert.Contains("IPVS (rr, NAT): IPVS connections", charts.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NewVersion_ShowsTheNewHistory()
    {
        var charts = RenderCharts(TwoLanes(version: 5));

        charts.Render(p => p.Add(c => c.Snapshot, Snapshot(6, IptablesLane([new(9, 999, null, 1, 1), new(9.25, 1000, null, 2, 1)]))));

        Assert.DoesNotContain("IPVS (rr, NAT)", charts.Markup, StringComparison.Ordinal);
        var entries = charts.FindComponents<MudChart<double>>()[0].Instance.ChartSeries.Single();
        Assert.Equal([999.0, 1000.0], entries.Data.Values);
    }

    [Fact]
    public void Render_LongHistory_FoldsIntoAtMostMaxPoints()
    {
        var history = Enumerable.Range(1, 480).Select(i => new LaneSample(i * 0.25, i, null, i % 2 == 0 ? 10 : double.NaN, 1)).ToArray();

        var charts = RenderCharts(Snapshot(1, IptablesLane(history)));

        var chart = charts.FindComponents<MudChart<double>>()[1].Instance;
        var points = chart.ChartSeries[0].Data.Points;
        Assert.Equal(LaneCharts.MaxPoints, points.Count);
        Assert.All(points, p => Assert.Equal(10.0, p.Y));
        // Virtual seconds under a few points only, so the labels never overlap.
        Assert.Equal(["1 s", "21 s", "41 s", "61 s", "81 s", "101 s"], chart.ChartLabels.Where(l => l.Length > 0));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 1)]
    [InlineData(30, 10)]
    [InlineData(812, 200)]
    [InlineData(10_000, 2000)]
    public void NiceStep_Max_GivesAboutFiveRoundLines(double max, int expected) =>
        Assert.Equal(expected, LaneCharts.NiceStep(max));
}
