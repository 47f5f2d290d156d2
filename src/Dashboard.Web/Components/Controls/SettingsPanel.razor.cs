using System.Globalization;
using System.Text;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Traffic;
using Dashboard.Web.Api;
using Dashboard.Web.Hosting;
using Dashboard.Web.Model;
using Dashboard.Web.Resources;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;

namespace Dashboard.Web.Components.Controls;

/// <summary>
/// What the room simulates: the cluster (built-in, generated from 10 to 50,000 services, or pasted), the modes, the
/// traffic, IPVS's scheduler, forwarding method and real-server weights, and the seed. Every change is reported as a whole new
/// <see cref="RoomSettings"/>; the page decides when to restart.
/// </summary>
public partial class SettingsPanel
{
    /// <summary>The size slider's stops: a log scale, so 10 and 50,000 are both one drag away.</summary>
    public static readonly int[] SizeSteps = [10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, Simulation.Kubernetes.InputLimits.MaxServices];

    /// <summary>New connections per second, also on a log scale.</summary>
    public static readonly double[] RateSteps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    private string? _pasteText;
    private string? _pasteError;
    /// <summary>The last client weight was refused: with all three at zero the panes would get no traffic.</summary>
    private bool _clientsRefused;
    private bool _pasting;
    /// <summary>Why the weights last typed were refused; the room keeps the weights it runs with.</summary>
    private string? _weightsProblem;
    /// <summary>The node field last typed and why it was refused (the room keeps its node).</summary>
    private (NodeField? Field, string? Text) _nodeProblem;

    private enum NodeField
    {
        Name,
        Ip,
        PodCidr,
        ClusterCidr,
    }

    [Parameter, EditorRequired]
    public required RoomSettings Settings { get; set; }

    [Parameter]
    public EventCallback<RoomSettings> SettingsChanged { get; set; }

    [Inject]
    public required IStringLocalizer<UiStrings> L { get; init; }

    /// <summary>A large paste is read in a turn of the server's heavy work, like any other large input.</summary>
    [Inject]
    public required HeavyWork Heavy { get; init; }

    private static CultureInfo Culture => CultureInfo.CurrentCulture;

    private static IReadOnlyList<string> ScenarioNames => ScenarioCatalog.Names;

    private bool HasIpvs => Settings.Modes.Contains("ipvs");

    private string ScenarioKey =>
        _pasting || Settings.PastedObjects is not null ? CompareQuery.Pasted
        : Settings.GeneratedServices > 0 ? CompareQuery.Generated
        : Settings.Scenario;

    private int SizeIndex => Nearest(SizeSteps.Select(s => (double)s).ToArray(), Settings.GeneratedServices);

    private int RateIndex => Nearest(RateSteps, Settings.Traffic.NewConnectionsPerSecond);

    /// <summary>The pane title a mode gets, as the user knows it.</summary>
    public static string ModeLabel(string mode) => mode switch
    {
        "ipvs" => "IPVS",
        _ => mode,
    };

    /// <summary>The stop of a log-scale slider nearest to a value (the speed slider uses it too).</summary>
    internal static int Nearest(double[] steps, double value)
    {
        var best = 0;
        for (var i = 1; i < steps.Length; i++)
        {
            if (Math.Abs(Math.Log(steps[i]) - Math.Log(Math.Max(value, 1e-9))) < Math.Abs(Math.Log(steps[best]) - Math.Log(Math.Max(value, 1e-9))))
            {
                best = i;
            }
        }
        return best;
    }

    private Task Change(RoomSettings settings) => SettingsChanged.InvokeAsync(settings);

    private Task OnScenarioChanged(string key)
    {
        _pasteError = null;
        switch (key)
        {
            case CompareQuery.Pasted:
                // Nothing to run until objects are pasted and confirmed.
                _pasting = true;
                return Task.CompletedTask;
            case CompareQuery.Generated:
                _pasting = false;
                return Change(Settings with { PastedObjects = null, GeneratedServices = Settings.GeneratedServices > 0 ? Settings.GeneratedServices : 1_000 });
            default:
                _pasting = false;
                return Change(Settings with { PastedObjects = null, GeneratedServices = 0, Scenario = key });
        }
    }

    private Task OnSizeChanged(int index) =>
        Change(Settings with { PastedObjects = null, GeneratedServices = SizeSteps[Math.Clamp(index, 0, SizeSteps.Length - 1)] });

    private Task OnModeChanged(string mode, bool on)
    {
        // Panes keep the engine's order, whatever order they were ticked in.
        var modes = LaneOptions.Modes.Where(m => m == mode ? on : Settings.Modes.Contains(m)).ToList();
        return modes.Count == 0 ? Task.CompletedTask : Change(Settings with { Modes = modes });
    }

    private Task OnRateChanged(int index) =>
        Change(Settings with { Traffic = Settings.Traffic with { NewConnectionsPerSecond = RateSteps[Math.Clamp(index, 0, RateSteps.Length - 1)] } });

    private Task OnRequestsChanged(int requests) =>
        Change(Settings with { Traffic = Settings.Traffic with { RequestsPerConnection = Math.Clamp(requests, 1, TrafficProfile.MaxRequestsPerConnection) } });

    private Task OnUdpChanged(int percent) =>
        Change(Settings with { Traffic = Settings.Traffic with { UdpShare = Math.Clamp(percent, 0, 100) / 100.0 } });

    private Task OnClientsChanged(double? podOnNode, double? otherNode, double? external)
    {
        var traffic = Settings.Traffic with
        {
            PodOnNodeWeight = Math.Max(0, podOnNode ?? Settings.Traffic.PodOnNodeWeight),
            PodOnOtherNodeWeight = Math.Max(0, otherNode ?? Settings.Traffic.PodOnOtherNodeWeight),
            ExternalWeight = Math.Max(0, external ?? Settings.Traffic.ExternalWeight),
        };
        // All three at zero would leave the panes with no traffic at all: the last non-zero weight stays, and says so.
        _clientsRefused = traffic.Problems().Count > 0;
        return _clientsRefused ? Task.CompletedTask : Change(Settings with { Traffic = traffic });
    }

    /// <summary>The node with one field retyped, checked as the APIs check it (NodeFields); empty goes back to the default.</summary>
    private Task OnNodeChanged(NodeField field, string? text)
    {
        var node = Settings.Node;
        string Value(NodeField f, string current) => f == field ? text ?? "" : current;
        var problems = new List<string>();
        var changed = NodeFields.Read(Value(NodeField.Name, node.Name), Value(NodeField.Ip, node.Ip.ToString()),
            Value(NodeField.PodCidr, node.PodCidr.ToString()), Value(NodeField.ClusterCidr, node.ClusterCidr.ToString()), problems);
        if (changed is null)
        {
            _nodeProblem = (field, string.Join("; ", problems));
            return Task.CompletedTask;
        }
        _nodeProblem = default;
        return changed == node ? Task.CompletedTask : Change(Settings with { Node = changed });
    }

    private string WeightsText => Settings.Weights is { } weights ? RealServerWeights.Format(weights) : "";

    /// <summary>Empty goes back to kube-proxy's weights (all 1).</summary>
    private Task OnWeightsChanged(string? text)
    {
        _weightsProblem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return Change(Settings with { Weights = null });
        }
        if (!RealServerWeights.TryParse(text, out var weights, out var problem))
        {
            _weightsProblem = problem;
            return Task.CompletedTask;
        }
        return Change(Settings with { Weights = weights });
    }

    /// <summary>
    /// The paste is read before the room is asked to restart with it: a broken paste leaves the simulation that works
    /// running and says what is wrong here, where the text is.
    /// </summary>
    private async Task UsePasted()
    {
        _pasteError = null;
        var text = _pasteText ?? "";
        if (string.IsNullOrWhiteSpace(text))
        {
            _pasteError = L["PasteEmpty"];
            return;
        }
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > ApiLimits.MaxPastedObjectsBytes)
        {
            _pasteError = L["PasteTooBig", (ApiLimits.MaxPastedObjectsBytes / 1024 / 1024).ToString(Culture)];
            return;
        }
        if (await ProblemsOf(text, bytes) is { } problems)
        {
            _pasteError = L["PasteRefused", problems];
            return;
        }
        _pasting = false;
        await Change(Settings with { PastedObjects = text, GeneratedServices = 0 });
    }

    private async Task<string?> ProblemsOf(string text, int bytes)
    {
        using var turn = bytes > HeavyWork.BodyBytes ? await Heavy.EnterAsync(CancellationToken.None) : null;
        if (bytes > HeavyWork.BodyBytes && turn is null)
        {
            return L["PasteBusy"];
        }
        try
        {
            await Task.Run(() => ClusterObjectsReader.Read(text, ClusterObjectsReader.FormatOf(text)));
            return null;
        }
        catch (InputException e)
        {
            return string.Join("; ", e.Problems.Take(ApiProblems.MaxErrorsListed).Select(p => p.Message));
        }
    }
}
