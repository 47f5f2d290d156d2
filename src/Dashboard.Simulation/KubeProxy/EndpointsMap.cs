using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using k8s.Models;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// EndpointSlices merged per service port, as kube-proxy's endpoint slice cache does: slice ports match service
/// ports by name AND protocol, only the first address counts, duplicates prefer the non-terminating entry, and
/// each list is sorted by "ip:port" as a plain string (so 10.0.0.10:80 sorts before 10.0.0.2:80).
/// </summary>
public static class EndpointsMap
{
    /// <summary>Key: (ServicePortName, protocol).</summary>
    public static Dictionary<(string PortName, IpProtocol Protocol), List<Endpoint>> Build(
        IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        var sets = new Dictionary<(string, IpProtocol), Dictionary<string, Endpoint>>();
        foreach (var slice in slices)
        {
            if (slice.AddressType != "IPv4" || slice.Metadata?.Labels?.TryGetValue("kubernetes.io/service-name", out var service) != true)
            {
                continue;
            }
            var ns = slice.Metadata.NamespaceProperty ?? "default";
            foreach (var port in slice.Ports ?? [])
            {
                if (port.Name is null || port.Port is null or 0 || !IpProtocolNames.TryParse(port.Protocol ?? "TCP", out var protocol))
                {
                    continue;
                }
                var key = (port.Name.Length == 0 ? $"{ns}/{service}" : $"{ns}/{service}:{port.Name}", protocol);
                if (!sets.TryGetValue(key, out var set))
                {
                    set = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
                    sets.Add(key, set);
                }
                foreach (var endpoint in slice.Endpoints ?? [])
                {
                    if (endpoint.Addresses is not { Count: > 0 } || !Ipv4Address.TryParse(endpoint.Addresses[0], out var ip))
                    {
                        continue;
                    }
                    var info = new Endpoint(
                        ip,
                        (ushort)port.Port.Value,
                        Ready: endpoint.Conditions?.Ready ?? true,
                        Serving: endpoint.Conditions?.Serving ?? true,
                        Terminating: endpoint.Conditions?.Terminating ?? false,
                        IsLocal: endpoint.NodeName is { Length: > 0 } && endpoint.NodeName == nodeName,
                        endpoint.NodeName);
                    var text = info.ToString();
                    if (!set.ContainsKey(text) || !info.Terminating)
                    {
                        set[text] = info;
                    }
                }
            }
        }
        return sets.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Value).ToList());
    }
}
