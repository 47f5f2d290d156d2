using System.Globalization;
using System.Net;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// The compare page's charts, drawn from the snapshot's per-lane history: table entries, rules per new connection and
/// modelled first-packet latency over virtual time, and requests per backend. The host hands in a new snapshot about
/// 4 times a second; the chart data is rebuilt only when its Version changed, so a re-render of the host for any
/// other reason costs nothing here.
/// </summary>
public partial class LaneCharts
{
    /// <summary>
    /// At most this many points per series. A room keeps 480 samples per lane (2 minutes at 4 Hz); every point is an
    /// SVG circle for the tooltip, re-sent to the browser 4 times a second, so older samples are averaged in groups.
    /// </summary>
    public const int MaxPoints = 120;

    /// <summary>About this many labelled ticks on the time axis, so labels never overlap.</summary>
    private const int TimeLabels = 6;

    /// <summary>The IPVS connection-table line is drawn fainter than the lane's conntrack line in the same colour.</summary>
    private const double IpvsLineOpacity = 0.55;

    private long _version = -1;
    private bool _changed;

    [Parameter, EditorRequired]
    public required RoomSnapshot Snapshot { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    /// <summary>False until some lane has a sample: the charts show a sentence instead of empty axes.</summary>
    private bool HasHistory { get; set; }

    private bool HasBackends { get; set; }

    /// <summary>Tall enough for the legend under the axes; a fixed height, since the chart measures its own box.</summary>
    private const string ChartHeight = "300px";

    private string[] TimeAxis { get; set; } = [];

    private List<ChartSeries<double>> EntriesSeries { get; set; } = [];
    private LineChartOptions EntriesOptions { get; set; } = new();

    private List<ChartSeries<double>> RulesSeries { get; set; } = [];
    private LineChartOptions RulesOptions { get; set; } = new();

    private List<ChartSeries<double>> LatencySeries { get; set; } = [];
    private LineChartOptions LatencyOptions { get; set; } = new();

    private string[] Backends { get; set; } = [];
    private List<ChartSeries<double>> BackendSeries { get; set; } = [];
    private BarChartOptions BackendOptions { get; set; } = new();

    protected override void OnParametersSet()
    {
        if (Snapshot.Version == _version)
        {
            return;
        }
        _version = Snapshot.Version;
        _changed = true;
        Rebuild(Snapshot.Lanes);
    }

    /// <summary>The host re-renders at its own pace; only a new snapshot changes what the charts show.</summary>
    protected override bool ShouldRender()
    {
        var changed = _changed;
        _changed = false;
        return changed;
    }

    private void Rebuild(IReadOnlyList<LaneSnapshot> lanes)
    {
        var length = lanes.Count == 0 ? 0 : lanes.Max(lane => lane.History.Count);
        HasHistory = length > 0;
        HasBackends = lanes.Any(lane => lane.RequestsPerBackend.Count > 0);
        if (HasHistory)
        {
            var groups = Groups(length);
            var times = lanes.First(lane => lane.History.Count == length).History;
            TimeAxis = TimeLabelsFor(groups, times, L["ChartsSecondsTick"]);
            BuildLineCharts(lanes, groups);
        }
        if (HasBackends)
        {
            BuildBackendChart(lanes);
        }
    }

    private void BuildLineCharts(IReadOnlyList<LaneSnapshot> lanes, (int Start, int End)[] groups)
    {
        var entries = new List<ChartSeries<double>>();
        var entriesPalette = new List<string>();
        var faint = new Dictionary<MudBlazor.IChartSeries, MudBlazor.Charts.SeriesDisplayOverride>();
        var rules = new List<ChartSeries<double>>();
        var latency = new List<ChartSeries<double>>();
        foreach (var lane in lanes)
        {
            entries.Add(Series(L["ChartsConntrackSeries", lane.Title], Points(lane.History, groups, s => s.ConntrackEntries, average: false)));
            entriesPalette.Add(lane.Colour);
            if (lane.IpvsConnections is not null || lane.History.Any(s => s.IpvsConnections is not null))
            {
                var ipvs = Series(L["ChartsIpvsSeries", lane.Title], Points(lane.History, groups, s => s.IpvsConnections, average: false));
                entries.Add(ipvs);
                entriesPalette.Add(lane.Colour);
                faint[ipvs] = new MudBlazor.Charts.SeriesDisplayOverride { StrokeOpacity = IpvsLineOpacity };
            }
            rules.Add(Series(lane.Title, Points(lane.History, groups, s => s.RulesPerNewConnection, average: true)));
            latency.Add(Series(lane.Title, Points(lane.History, groups, s => s.FirstPacketLatencyUs, average: true)));
        }
        var palette = lanes.Select(lane => lane.Colour).ToArray();
        EntriesSeries = entries;
        EntriesOptions = LineOptions(entriesPalette.ToArray(), entries, L["ChartsEntriesAxis"], "N0");
        EntriesOptions.SeriesDisplayOverrides = faint;
        RulesSeries = rules;
        RulesOptions = LineOptions(palette, rules, L["ChartsRulesAxis"], "N0");
        LatencySeries = latency;
        LatencyOptions = LineOptions(palette, latency, L["ChartsLatencyAxis"], "0.##");
    }

    private void BuildBackendChart(IReadOnlyList<LaneSnapshot> lanes)
    {
        // The busiest backends as bars, a backend one lane never chose as a 0 bar. The rest (and the room's own
        // "(others)" sum) go into a sentence: at thousands of services they outweigh any single bar many times over,
        // and one giant bar would flatten the comparison the chart is for.
        // A lane with an "(others)" sum only names its own busiest backends: one missing there is unknown, not 0, so
        // a bar is drawn only for a backend whose count every lane knows.
        var busiest = lanes.SelectMany(lane => lane.RequestsPerBackend)
            .Where(pair => pair.Key != LaneSnapshot.OtherBackends && lanes.All(lane => Knows(lane, pair.Key)))
            .GroupBy(pair => pair.Key, StringComparer.Ordinal)
            .OrderByDescending(group => group.Sum(pair => pair.Value))
            .ThenBy(group => group.Key, StringComparer.Ordinal)
            .Select(group => group.Key)
            .Take(MaxBars)
            .ToArray();
        BackendSeries = [.. lanes.Select(lane => Series(lane.Title,
            busiest.Select(backend => (double?)lane.RequestsPerBackend.GetValueOrDefault(backend)).ToList()))];
        var rest = lanes.Select(lane => (lane.Title, Requests: lane.RequestsPerBackend.Where(pair => !busiest.Contains(pair.Key)).Sum(pair => pair.Value))).ToList();
        BackendsRest = rest.Any(r => r.Requests > 0)
            ? L["ChartsBackendsRest", busiest.Length, string.Join(" · ", rest.Select(r => $"{r.Title} {r.Requests.ToString("N0", CultureInfo.CurrentCulture)}"))].Value
            : null;
        var max = BackendSeries.SelectMany(s => s.Data.Points).Select(p => p.Y).DefaultIfEmpty(0).Max();
        BackendOptions = new BarChartOptions
        {
            ChartPalette = [.. lanes.Select(lane => lane.Colour)],
            YAxisTitle = L["ChartsBackendsYAxis"],
            YAxisTicks = NiceStep(max),
            MaxNumYAxisTicks = 8,
            YAxisFormat = "N0",
            // Backend addresses are wide: tilted they fit under their bars.
            XAxisLabelRotation = busiest.Length > 6 ? 40 : 0,
        };
        // The chart writes axis labels into SVG markup as they are.
        Backends = [.. busiest.Select(backend => WebUtility.HtmlEncode(backend))];
    }

    private static bool Knows(LaneSnapshot lane, string backend) =>
        lane.RequestsPerBackend.ContainsKey(backend) || !lane.RequestsPerBackend.ContainsKey(LaneSnapshot.OtherBackends);

    /// <summary>Bars in the backend chart: more would not leave room for their labels.</summary>
    public const int MaxBars = 12;

    /// <summary>What the backend chart leaves out, per lane; null when every backend is a bar.</summary>
    private string? BackendsRest { get; set; }

    private LineChartOptions LineOptions(string[] palette, List<ChartSeries<double>> series, string yTitle, string yFormat) => new()
    {
        ChartPalette = palette,
        YAxisTitle = yTitle,
        YAxisFormat = yFormat,
        YAxisTicks = NiceStep(series.SelectMany(s => s.Data.Points).Where(p => p.HasValue).Select(p => p.Y).DefaultIfEmpty(0).Max()),
        MaxNumYAxisTicks = 8,
        YAxisRequireZeroPoint = true,
        LineStrokeWidth = 2.5,
        TooltipTitleFormat = "{{SERIES_NAME}}: {{Y_VALUE}}",
    };

    private static ChartSeries<double> Series(string name, List<double?> values) => new()
    {
        Name = name,
        Data = new ChartData<double>(values),
        TooltipYValueFormat = "0.##",
    };

    /// <summary>Consecutive samples folded into at most <see cref="MaxPoints"/> groups (ranges of indices).</summary>
    private static (int Start, int End)[] Groups(int length)
    {
        var size = (length + MaxPoints - 1) / MaxPoints;
        var groups = new (int, int)[(length + size - 1) / size];
        for (var g = 0; g < groups.Length; g++)
        {
            groups[g] = (g * size, Math.Min(length, (g + 1) * size));
        }
        return groups;
    }

    /// <summary>
    /// One value per group. Table sizes take the group's last sample (a level, not a rate). Per-connection means
    /// average the samples that had new connections; a group without any is a gap (null), never a zero: "no new
    /// connection" is not "zero rules walked".
    /// </summary>
    private static List<double?> Points(IReadOnlyList<LaneSample> history, (int Start, int End)[] groups, Func<LaneSample, double?> value, bool average)
    {
        var points = new List<double?>(groups.Length);
        foreach (var (start, end) in groups)
        {
            if (start >= history.Count)
            {
                points.Add(null);
                continue;
            }
            if (!average)
            {
                points.Add(value(history[Math.Min(end, history.Count) - 1]));
                continue;
            }
            double sum = 0;
            var count = 0;
            for (var i = start; i < Math.Min(end, history.Count); i++)
            {
                if (value(history[i]) is { } v && double.IsFinite(v))
                {
                    sum += v;
                    count++;
                }
            }
            points.Add(count == 0 ? null : sum / count);
        }
        return points;
    }

    private static List<double?> Points(IReadOnlyList<LaneSample> history, (int Start, int End)[] groups, Func<LaneSample, int?> value, bool average) =>
        Points(history, groups, s => (double?)value(s), average);

    /// <summary>Virtual seconds under about <see cref="TimeLabels"/> points; the others stay blank so labels never collide.</summary>
    /// <remarks>
    /// The unit is on every label rather than in the chart's X-axis title, which MudBlazor draws above the plot where
    /// it reads as a subtitle.
    /// </remarks>
    private static string[] TimeLabelsFor((int Start, int End)[] groups, IReadOnlyList<LaneSample> times, LocalizedString tick)
    {
        var every = Math.Max(1, (int)Math.Ceiling(groups.Length / (double)TimeLabels));
        var span = times[^1].VirtualTimeS - times[0].VirtualTimeS;
        var format = span < 10 ? "0.0" : "N0";
        var labels = new string[groups.Length];
        for (var g = 0; g < groups.Length; g++)
        {
            labels[g] = g % every == 0
                ? string.Format(CultureInfo.CurrentCulture, tick.Value, times[groups[g].End - 1].VirtualTimeS.ToString(format, CultureInfo.CurrentCulture))
                : "";
        }
        return labels;
    }

    /// <summary>
    /// A round grid step (1, 2 or 5 times a power of ten) giving about five lines up to <paramref name="max"/>; the
    /// chart's default of 20 would draw hundreds of lines at 10,000 entries, and its step is a whole number.
    /// </summary>
    public static int NiceStep(double max)
    {
        if (!double.IsFinite(max) || max <= 5)
        {
            return 1;
        }
        var rough = max / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = (rough / power) switch
        {
            <= 1 => power,
            <= 2 => 2 * power,
            <= 5 => 5 * power,
            _ => 10 * power,
        };
        return (int)Math.Clamp(step, 1, int.MaxValue / 2);
    }
}
