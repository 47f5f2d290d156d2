using System.Collections.Immutable;
using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Traffic;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.WebUtilities;

namespace Dashboard.Web.Model;

/// <summary>
/// The compare page's view in its URL: scenario, size, the node, modes, traffic, IPVS options (weights too), seed, speed, projector mode, the
/// selected packet and the open tab, so a link reproduces what its sender saw (and switching language, which reloads
/// the page, comes back to it). Only what differs from the defaults is written. Pasted YAML is too big for a URL: a link
/// to a pasted cluster opens the built-in scenario and says so.
/// </summary>
public static class CompareQuery
{
    /// <summary>The scenario value for a generated cluster (a built-in scenario's name is DNS-like, so it cannot clash).</summary>
    public const string Generated = "generated";

    /// <summary>The scenario value for pasted objects.</summary>
    public const string Pasted = "pasted";

    /// <summary>The tabs under the panes, as the URL names them (the first, the inspector, is the default).</summary>
    public static readonly ImmutableArray<string> Tabs = ["inspector", "rules", "tables", "charts"];

    /// <summary>
    /// What the URL describes: the room's settings, whether projector mode is on, the selected packet (its id in this
    /// room's traffic, which the seed makes the same on every opening) and the open tab.
    /// </summary>
    public sealed record View(RoomSettings Settings, bool Projector, long? Packet = null, int Tab = 0);

    /// <summary>Reads a query string; values that are not understood fall back to the default and are named in <paramref name="problems"/>.</summary>
    public static View Parse(string query, IReadOnlyCollection<string> scenarios, List<string> problems)
    {
        var values = QueryHelpers.ParseQuery(query);
        string? Get(string key) => values.TryGetValue(key, out var v) && v.Count > 0 ? v[^1] : null;

        var defaults = RoomSettings.Default;
        var traffic = TrafficProfile.Default;
        var settings = defaults;

        switch (Get("scenario"))
        {
            case null:
                break;
            case Generated:
                settings = settings with { GeneratedServices = Number(Get("services"), "services", 1000, RoomSettings.MinGeneratedServices, RoomSettings.MaxGeneratedServices, problems) };
                break;
            case Pasted:
                problems.Add("the link was made with pasted objects, which a link cannot carry: paste them again");
                break;
            case var name when scenarios.Contains(name):
                settings = settings with { Scenario = name };
                break;
            case var name:
                problems.Add($"scenario \"{name}\" is not one of {string.Join(", ", scenarios)}, {Generated}");
                break;
        }

        if (Get("modes") is { } modes)
        {
            var list = modes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (list.Count is >= 1 and <= 3 && list.All(LaneOptions.Modes.Contains))
            {
                settings = settings with { Modes = list };
            }
            else
            {
                problems.Add($"modes \"{modes}\" must be one to three of {string.Join(", ", LaneOptions.Modes)}");
            }
        }

        traffic = traffic with
        {
            NewConnectionsPerSecond = Number(Get("rate"), "rate", traffic.NewConnectionsPerSecond, TrafficProfile.MinConnectionsPerSecond, TrafficProfile.MaxConnectionsPerSecond, problems),
            RequestsPerConnection = Number(Get("requests"), "requests", traffic.RequestsPerConnection, 1, TrafficProfile.MaxRequestsPerConnection, problems),
            UdpShare = Number(Get("udp"), "udp", traffic.UdpShare * 100, 0, 100, problems) / 100,
        };
        if (Get("clients") is { } clients)
        {
            var weights = clients.Split(',').Select(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) ? x : -1).ToArray();
            var candidate = weights.Length == 3
                ? traffic with { PodOnNodeWeight = weights[0], PodOnOtherNodeWeight = weights[1], ExternalWeight = weights[2] }
                : null;
            if (candidate is not null && candidate.Problems().Count == 0)
            {
                traffic = candidate;
            }
            else
            {
                problems.Add($"clients \"{clients}\" must be three non-negative weights (pod on this node, other node, external), not all zero");
            }
        }
        settings = settings with { Traffic = traffic };

        if (Get("scheduler") is { } scheduler)
        {
            if (Simulation.Ipvs.Schedulers.SchedulerCatalog.KnownNames.Contains(scheduler))
            {
                settings = settings with { Scheduler = scheduler };
            }
            else
            {
                problems.Add($"scheduler \"{scheduler}\" is not one of {string.Join(", ", Simulation.Ipvs.Schedulers.SchedulerCatalog.KnownNames)}");
            }
        }
        if (Get("fwd") is { } forwarding)
        {
            if (IpvsDirector.TryParseMethod(forwarding, out _))
            {
                settings = settings with { Forwarding = forwarding };
            }
            else
            {
                problems.Add($"fwd \"{forwarding}\" is not one of {string.Join(", ", IpvsDirector.MethodNames)}");
            }
        }
        if (Get("nodeName") is not null || Get("nodeIP") is not null || Get("podCIDR") is not null || Get("clusterCIDR") is not null)
        {
            if (NodeFields.Read(Get("nodeName"), Get("nodeIP"), Get("podCIDR"), Get("clusterCIDR"), problems) is { } node)
            {
                settings = settings with { Node = node };
            }
        }
        if (Get("weights") is { } realServerWeights)
        {
            if (RealServerWeights.TryParse(realServerWeights, out var list, out var problem))
            {
                settings = settings with { Weights = list };
            }
            else
            {
                problems.Add($"weights \"{realServerWeights}\": {problem}");
            }
        }
        settings = settings with
        {
            Seed = (long)Number(Get("seed"), "seed", defaults.Seed, 0, int.MaxValue, problems),
            Speed = Number(Get("speed"), "speed", defaults.Speed, RoomSettings.MinSpeed, RoomSettings.MaxSpeed, problems),
        };
        // 0, the fallback for a packet number out of range, selects nothing.
        var packet = Number(Get("packet"), "packet", 0, 1, SimulationRoom.MaxSeekPackets, problems);
        var tab = 0;
        if (Get("tab") is { } tabName)
        {
            tab = Tabs.IndexOf(tabName);
            if (tab < 0)
            {
                problems.Add($"tab \"{tabName}\" is not one of {string.Join(", ", Tabs)}");
                tab = 0;
            }
        }
        return new View(settings, Get("projector") == "1", packet > 0 ? packet : null, tab);
    }

    /// <summary>The query string (with its leading "?", or empty) for a view; pasted objects are written as scenario=pasted.</summary>
    public static string Format(View view)
    {
        var s = view.Settings;
        var d = RoomSettings.Default;
        var t = s.Traffic;
        var dt = TrafficProfile.Default;
        var pairs = new List<KeyValuePair<string, string?>>();
        void Add(string key, string value) => pairs.Add(new(key, value));
        string N(double x) => x.ToString("0.####", CultureInfo.InvariantCulture);

        if (s.PastedObjects is not null)
        {
            Add("scenario", Pasted);
        }
        else if (s.GeneratedServices > 0)
        {
            Add("scenario", Generated);
            Add("services", N(s.GeneratedServices));
        }
        else if (s.Scenario != d.Scenario)
        {
            Add("scenario", s.Scenario);
        }
        if (!s.Modes.SequenceEqual(d.Modes))
        {
            Add("modes", string.Join(',', s.Modes));
        }
        if (t.NewConnectionsPerSecond != dt.NewConnectionsPerSecond)
        {
            Add("rate", N(t.NewConnectionsPerSecond));
        }
        if (t.RequestsPerConnection != dt.RequestsPerConnection)
        {
            Add("requests", N(t.RequestsPerConnection));
        }
        if (t.UdpShare != dt.UdpShare)
        {
            Add("udp", N(t.UdpShare * 100));
        }
        if (t.PodOnNodeWeight != dt.PodOnNodeWeight || t.PodOnOtherNodeWeight != dt.PodOnOtherNodeWeight || t.ExternalWeight != dt.ExternalWeight)
        {
            Add("clients", $"{N(t.PodOnNodeWeight)},{N(t.PodOnOtherNodeWeight)},{N(t.ExternalWeight)}");
        }
        if (s.Scheduler != d.Scheduler)
        {
            Add("scheduler", s.Scheduler);
        }
        if (s.Forwarding != d.Forwarding)
        {
            Add("fwd", s.Forwarding);
        }
        var dn = d.Node;
        if (s.Node.Name != dn.Name)
        {
            Add("nodeName", s.Node.Name);
        }
        if (s.Node.Ip != dn.Ip)
        {
            Add("nodeIP", s.Node.Ip.ToString());
        }
        if (s.Node.PodCidr != dn.PodCidr)
        {
            Add("podCIDR", s.Node.PodCidr.ToString());
        }
        if (s.Node.ClusterCidr != dn.ClusterCidr)
        {
            Add("clusterCIDR", s.Node.ClusterCidr.ToString());
        }
        if (s.Weights is { Count: > 0 } w)
        {
            Add("weights", RealServerWeights.Format(w));
        }
        if (s.Seed != d.Seed)
        {
            Add("seed", N(s.Seed));
        }
        if (s.Speed != d.Speed)
        {
            Add("speed", N(s.Speed));
        }
        if (view.Projector)
        {
            Add("projector", "1");
        }
        if (view.Packet is { } packet)
        {
            Add("packet", N(packet));
        }
        if (view.Tab > 0 && view.Tab < Tabs.Length)
        {
            Add("tab", Tabs[view.Tab]);
        }
        return QueryString.Create(pairs).Value ?? "";
    }

    private static double Number(string? text, string key, double fallback, double min, double max, List<string> problems)
    {
        if (text is null)
        {
            return fallback;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }
        problems.Add($"{key} \"{text}\" must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}");
        return fallback;
    }

    private static int Number(string? text, string key, int fallback, int min, int max, List<string> problems) =>
        (int)Math.Round(Number(text, key, (double)fallback, min, max, problems));
}
