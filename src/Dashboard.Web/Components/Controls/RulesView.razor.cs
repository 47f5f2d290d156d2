using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Listings;
using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// A lane's generated state in the formats engineers read: iptables-save, and in IPVS mode ipvsadm -Ln and ipset list.
/// The lines the selected packet matched are lit; a hop clicked in the inspector scrolls to its rule.
/// </summary>
public partial class RulesView
{
    private int _lane;
    private string _tool = RuleTarget.IptablesSave;
    private IReadOnlyList<ToolText> _tools = [];
    private (int Generation, int Lane) _loaded = (-1, -1);
    private bool _loading;
    /// <summary>Why the room could not write this lane's tool outputs (null when it could).</summary>
    private string? _toolsError;
    private HashSet<int>? _lit;
    private int? _targetLine;
    private RuleTarget? _appliedTarget;
    private (PacketRecord? Packet, int Lane, string Tool) _litFor;

    [Parameter, EditorRequired]
    public required ISimulationRoom Room { get; set; }

    [Parameter, EditorRequired]
    public required RoomSnapshot Snapshot { get; set; }

    /// <summary>Where the inspector asked to go.</summary>
    [Parameter]
    public RuleTarget? Target { get; set; }

    /// <summary>The selected packet: its matched rules are lit.</summary>
    [Parameter]
    public PacketRecord? Selected { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    private ToolText? Current => _tools.FirstOrDefault(t => t.Tool == _tool);

    protected override async Task OnParametersSetAsync()
    {
        if (Target is { } target && !ReferenceEquals(target, _appliedTarget))
        {
            _appliedTarget = target;
            _lane = target.Lane;
            _tool = target.Tool;
        }
        if (_lane >= Snapshot.Layouts.Count)
        {
            _lane = 0;
        }
        var wanted = (Generation: Snapshot.Generation, Lane: _lane);
        if (_loaded != wanted)
        {
            // Another generation's or lane's output is not this one's: nothing is shown until this one's arrives,
            // and a room rebuilding or failed has none.
            _tools = [];
            _litFor = default;
            _loading = false;
            _toolsError = null;
            if (Snapshot.Status is RoomStatus.Paused or RoomStatus.Playing)
            {
                _loaded = wanted;
                _loading = true;
                // Writing 50,000 services' rules takes a moment; the circuit stays responsive meanwhile.
                IReadOnlyList<ToolText> tools;
                try
                {
                    tools = await Task.Run(() => Room.Tools(wanted.Lane));
                }
                catch (Exception e) when (_loaded == wanted)
                {
                    // A writer's bug must cost this view its text, not the page its circuit.
                    _toolsError = e.Message;
                    _loading = false;
                    return;
                }
                if (_loaded != wanted)
                {
                    return; // another lane or generation was asked for while this one was written
                }
                _tools = tools;
                _loading = false;
                if (_tools.All(t => t.Tool != _tool))
                {
                    _tool = RuleTarget.IptablesSave;
                }
            }
        }
        Light();
    }

    /// <summary>Lights the selected packet's lines in the shown tool and resolves the target line.</summary>
    private void Light()
    {
        if (Current is not { } text)
        {
            return;
        }
        if (_litFor != (Selected, _lane, _tool))
        {
            _litFor = (Selected, _lane, _tool);
            _lit = [];
            if (Selected?.Lanes.ElementAtOrDefault(_lane) is { } trace)
            {
                foreach (var e in trace.Events)
                {
                    if (LineOf(text, TargetOf(_lane, trace.Events, e)) is { } line)
                    {
                        _lit.Add(line);
                    }
                }
            }
        }
        _targetLine = Target is { } target && target.Lane == _lane && target.Tool == _tool ? LineOf(text, target) : null;
    }

    /// <summary>The step's place in the tool output, as the inspector links it (null when the step has none).</summary>
    public static RuleTarget? TargetOf(int lane, IReadOnlyList<TraversalEvent> events, TraversalEvent e) => e switch
    {
        RuleMatched m => new RuleTarget(lane, RuleTarget.IptablesSave, new RuleAnchor(m.Table, m.Chain, m.Rule)),
        SetLookup s => new RuleTarget(lane, RuleTarget.IpsetList, new SetMemberAnchor(s.Set, s.Found.Entry)),
        IpvsServiceLookup { Hit: true } s => new RuleTarget(lane, RuleTarget.IpvsadmList, new VirtualServiceAnchor(s.Service)),
        // A pod may serve several services: the line wanted is the one under the service this packet looked up.
        IpvsScheduled s when events.OfType<IpvsServiceLookup>().LastOrDefault(l => l.Hit) is { } service =>
            new RuleTarget(lane, RuleTarget.IpvsadmList, new RealServerAnchor(service.Service, s.RealServer)),
        _ => null,
    };

    /// <summary>The 1-based line of a target in a tool's output, or null when that output does not show it.</summary>
    public static int? LineOf(ToolText text, RuleTarget? target) =>
        target is not null && target.Tool == text.Tool ? text.Listing.LineOf(target.Anchor) : null;

    private async Task OnLaneChanged(int lane)
    {
        _lane = lane;
        await OnParametersSetAsync();
    }

    private void OnToolChanged(string tool)
    {
        _tool = tool;
        Light();
    }
}
