using System.Globalization;
using System.Text;
using Dashboard.Simulation.Listings;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A lane's live tables as an engineer reads them on the node (conntrack -L, ipvsadm -Lnc) and how full each hash
/// table's buckets are. The room computes the tables on request, so this asks only for the lane shown, and only
/// once per snapshot (about 4 times a second): the timeouts count down because each answer is computed afresh.
/// </summary>
public partial class LiveTablesView
{
    /// <summary>Heat cells per grid row: 256 cells make an 8 x 32 block that fits beside the lists.</summary>
    public const int CellsPerRow = 32;

    /// <summary>Shades of the lane's colour for occupied cells (empty cells are outlined, not filled).</summary>
    public const int Shades = 4;

    private long _queriedVersion = -1;
    private int _queriedLane = -1;
    private PacketRecord? _queriedSelection;
    private bool _changed;

    [Parameter, EditorRequired]
    public required ISimulationRoom Room { get; set; }

    [Parameter, EditorRequired]
    public required RoomSnapshot Snapshot { get; set; }

    /// <summary>The packet selected on the page: its own entries are shown above the lists and its buckets outlined.</summary>
    [Parameter]
    public PacketRecord? Selected { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    /// <summary>The lane shown (an index into Snapshot.Lanes).</summary>
    private int Lane { get; set; }

    private LiveTables? Tables { get; set; }

    private TableFocus? Focus { get; set; }

    private ICollection<ListingLine> ConntrackLines { get; set; } = [];

    private ICollection<ListingLine>? IpvsLines { get; set; }

    private int IpvsEntriesShown { get; set; }

    private LaneSnapshot? SelectedLane => Lane < Snapshot.Lanes.Count ? Snapshot.Lanes[Lane] : null;

    protected override void OnParametersSet()
    {
        if (Lane >= Snapshot.Lanes.Count)
        {
            // Fewer lanes after the host applied new settings: fall back to the first.
            Lane = 0;
        }
        Query();
    }

    /// <summary>The host re-renders for its own reasons; this view changes only with a new snapshot or lane.</summary>
    protected override bool ShouldRender()
    {
        var changed = _changed;
        _changed = false;
        return changed;
    }

    private void SelectLane(int lane)
    {
        if (lane == Lane || lane < 0 || lane >= Snapshot.Lanes.Count)
        {
            return;
        }
        Lane = lane;
        Query();
    }

    private void Query()
    {
        if (Snapshot.Version == _queriedVersion && Lane == _queriedLane && ReferenceEquals(Selected, _queriedSelection))
        {
            return;
        }
        _queriedVersion = Snapshot.Version;
        _queriedLane = Lane;
        _queriedSelection = Selected;
        _changed = true;
        Focus = TableFocus.Of(Selected, Lane);
        Tables = Snapshot.Lanes.Count == 0 ? null : Room.Tables(Lane, Focus);
        // Virtualize wants an ICollection; the writers' lines are an array, so this copies nothing.
        ConntrackLines = Tables?.Conntrack.Lines is { } conntrack ? conntrack as ICollection<ListingLine> ?? [.. conntrack] : [];
        IpvsLines = Tables?.IpvsConnections?.Lines is { } ipvs ? ipvs as ICollection<ListingLine> ?? [.. ipvs] : null;
        IpvsEntriesShown = IpvsLines?.Count(line => line.Kind == LineKind.Connection) ?? 0;
    }

    /// <summary>The room names its tables in English; the glossary's terms are shown instead where there is one.</summary>
    private string TableName(string table) => table switch
    {
        HeatTables.Conntrack => L["TablesHeatConntrack"],
        HeatTables.IpvsService => L["TablesHeatIpvsService"],
        HeatTables.IpvsConnection => L["TablesHeatIpvsConnection"],
        _ => table,
    };

    /// <summary>The cell holding the bucket the selected packet's lookup named in this table, or -1.</summary>
    private int SelectedCell(BucketHeat heat) =>
        Focus?.Buckets.TryGetValue(heat.Table, out var bucket) == true && heat.Cells.Length > 0 && bucket < heat.Buckets
            ? (int)((long)bucket * heat.Cells.Length / heat.Buckets)
            : -1;

    private static string LaneStyle(LaneSnapshot lane) => $"--lane-colour: {lane.Colour}";

    /// <summary>"1 entry", "2 entries": resx has no plural rules, so English needs a key for the singular.</summary>
    private string Entries(string many, string one, int count) => L[count == 1 ? one : many, Count(count)];

    private static string Count(int value) => value.ToString("N0", CultureInfo.CurrentCulture);

    /// <summary>
    /// The upper bound of each shade: cells hold the entries of several folded buckets, so the scale follows the
    /// busiest cell. Shade k covers (bound[k-1], bound[k]].
    /// </summary>
    public static int[] ShadeBounds(int maxCell)
    {
        var bounds = new int[Shades];
        for (var k = 0; k < Shades; k++)
        {
            bounds[k] = Math.Max(k + 1, (int)Math.Ceiling(maxCell * (k + 1) / (double)Shades));
        }
        return bounds;
    }

    private static int ShadeOf(int cell, int[] bounds)
    {
        for (var k = 0; k < bounds.Length; k++)
        {
            if (cell <= bounds[k])
            {
                return k + 1;
            }
        }
        return bounds.Length;
    }

    /// <summary>The legend's ranges as text, so the scale reads without telling shades apart.</summary>
    private static IEnumerable<(int Shade, string Range, bool One)> Legend(int[] bounds)
    {
        var low = 1;
        for (var k = 0; k < bounds.Length; k++)
        {
            if (bounds[k] < low)
            {
                continue;
            }
            yield return (k + 1, bounds[k] == low ? Count(low) : $"{Count(low)}–{Count(bounds[k])}", bounds[k] == 1);
            low = bounds[k] + 1;
        }
    }

    /// <summary>
    /// The cells of one heat map as one markup string: 256 spans diffed as a single frame, not 256 components.
    /// Each cell's title says which buckets it holds and how many entries, for a pointer or a screen reader.
    /// </summary>
    private MarkupString Cells(BucketHeat heat, int[] bounds)
    {
        var html = new StringBuilder(heat.Cells.Length * 48);
        var perCell = heat.Cells.Length == 0 ? 1 : heat.Buckets / (double)heat.Cells.Length;
        var selected = SelectedCell(heat);
        for (var i = 0; i < heat.Cells.Length; i++)
        {
            var cell = heat.Cells[i];
            var first = (int)Math.Ceiling(i * perCell);
            var last = (int)Math.Ceiling((i + 1) * perCell) - 1;
            var buckets = first == last ? Count(first) : $"{Count(first)}–{Count(last)}";
            var title = L[cell == 1 ? "TablesCellTitleOne" : "TablesCellTitle", buckets, Count(cell)].Value;
            html.Append("<span class=\"heat-cell shade-").Append(cell == 0 ? 0 : ShadeOf(cell, bounds));
            if (i == selected)
            {
                html.Append(" heat-selected");
                title += " · " + L["TablesCellSelected"].Value;
            }
            html.Append("\" title=\"").Append(System.Net.WebUtility.HtmlEncode(title)).Append("\"></span>");
        }
        return new MarkupString(html.ToString());
    }
}
