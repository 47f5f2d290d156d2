using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Scenarios;
using Dashboard.Web.Model;
using k8s.Models;

namespace Dashboard.Web.Services;

/// <summary>
/// Builds a scenario's services table and iptables-save listing off the render thread, and keeps the last few so that
/// a class switching back and forth (or many viewers of the same scenario) does not regenerate 50,000 services.
/// </summary>
public sealed class RulesPreviewService
{
    public const string DefaultScenario = "small";
    public const int MaxGeneratedServices = InputLimits.MaxServices;
    /// <summary>A 50,000-service preview holds about 200 MB of text; a few are plenty for a class switching back and forth.</summary>
    private const int CacheSize = 3;

    private readonly Lock _lock = new();
    private readonly Dictionary<ScenarioChoice, Task<RulesPreview>> _cache = [];
    private readonly Queue<ScenarioChoice> _order = new();

    public IReadOnlyList<string> ScenarioNames => ScenarioCatalog.Names;

    public Task<RulesPreview> GetAsync(ScenarioChoice choice)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(choice, out var cached) && !cached.IsFaulted && !cached.IsCanceled)
            {
                return cached;
            }
            var task = Task.Run(() => Build(choice));
            _cache[choice] = task;
            _order.Enqueue(choice);
            while (_order.Count > CacheSize)
            {
                _cache.Remove(_order.Dequeue());
            }
            return task;
        }
    }

    private static RulesPreview Build(ScenarioChoice choice)
    {
        // Generated clusters skip the YAML round trip: at 50,000 services writing and re-reading the text costs
        // about a minute on a 2-core machine, for objects the generator already built valid.
        var objects = choice.Scenario is { } name
            ? ClusterObjectsReader.Read(ScenarioCatalog.GetYaml(name), InputFormat.Yaml)
            : ScenarioCatalog.GenerateObjects(
                Math.Clamp(choice.GeneratedServices, 1, MaxGeneratedServices),
                Math.Clamp(choice.EndpointsPerService, 0, ScenarioCatalog.MaxEndpointsPerService),
                mixed: true);
        var rules = IptablesSaveWriter.Listing(NodeIptables.Build(objects, NodeSettings.Default));

        var readyByService = CountReadyEndpoints(objects.EndpointSlices);
        var rows = objects.Services
            .Select(service => ToRow(service, readyByService))
            .ToList();
        return new RulesPreview(rows, rules, objects.Warnings, rows.Sum(r => r.ReadyEndpoints));
    }

    private static ServiceRow ToRow(V1Service service, Dictionary<(string, string), int> readyByService)
    {
        var ns = service.Metadata?.NamespaceProperty ?? "default";
        var name = service.Metadata?.Name ?? "";
        var spec = service.Spec;
        // kubectl's PORT(S) column: 80/TCP, or 80:30080/TCP with a NodePort.
        var ports = spec?.Ports is { Count: > 0 } list
            ? string.Join(", ", list.Select(p => $"{p.Port}{(p.NodePort is { } nodePort ? $":{nodePort}" : "")}/{p.Protocol ?? "TCP"}"))
            : "<none>";
        return new ServiceRow(
            ns,
            name,
            spec?.Type ?? "ClusterIP",
            spec?.ClusterIP ?? "<none>",
            ports,
            readyByService.GetValueOrDefault((ns, name)));
    }

    /// <summary>Endpoints whose ready condition is not false, per owning service (the kubernetes.io/service-name label).</summary>
    private static Dictionary<(string, string), int> CountReadyEndpoints(IReadOnlyList<V1EndpointSlice> slices)
    {
        var counts = new Dictionary<(string, string), int>();
        foreach (var slice in slices)
        {
            if (slice.Metadata?.Labels is not { } labels || !labels.TryGetValue("kubernetes.io/service-name", out var service))
            {
                continue;
            }
            var key = (slice.Metadata.NamespaceProperty ?? "default", service);
            var ready = slice.Endpoints?.Count(e => e.Conditions?.Ready != false) ?? 0;
            counts[key] = counts.GetValueOrDefault(key) + ready;
        }
        return counts;
    }
}
