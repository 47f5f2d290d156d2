using System.Reflection;
using Dashboard.Simulation.Kubernetes;
using k8s.Models;

namespace Dashboard.Simulation.Scenarios;

/// <summary>The built-in scenarios (YAML shipped with the engine) and the generator for large clusters.</summary>
public static class ScenarioCatalog
{
    /// <summary>The most endpoints per generated service: enough to show the probability cascade, few enough to stay readable.</summary>
    public const int MaxEndpointsPerService = 100;

    private const string ResourcePrefix = "Scenarios.";

    /// <summary>Of every ten services in a mixed generated cluster (by index mod 10): the one with a pod here, the DNS one, the NodePort.</summary>
    private const int LocalPodKind = 2, DnsKind = 4, NodePortKind = 9;

    /// <summary>The port a generated pod on this node listens on (plus one for each round of its 253 addresses).</summary>
    private const int LocalPodPort = 8080;

    /// <summary>Names of the built-in scenarios, e.g. "small".</summary>
    public static IReadOnlyList<string> Names { get; } = typeof(ScenarioCatalog).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
        .Select(n => n[ResourcePrefix.Length..^".yaml".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The scenario's objects as `kubectl get svc,endpointslices -A -o yaml` prints them.</summary>
    public static string GetYaml(string name)
    {
        using var stream = typeof(ScenarioCatalog).Assembly.GetManifestResourceStream($"{ResourcePrefix}{name}.yaml")
            ?? throw new ArgumentException($"no built-in scenario \"{name}\"; there are: {string.Join(", ", Names)}", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A built-in scenario's objects.</summary>
    public static ClusterObjects Load(string name) => ClusterObjectsReader.Read(GetYaml(name), InputFormat.Yaml);

    /// <summary>The node ports a generated cluster hands out (the API server's default range, 30000-32767).</summary>
    public const int FirstNodePort = 30000, LastNodePort = 32767;

    /// <summary>
    /// A generated cluster: services bench/svc-00001... with ClusterIPs from 10.100.0.0 up, each with M ready endpoints on
    /// other nodes (pod IPs from 10.244.1.0 up, a distinct ip:port each), as an API server would hold them: TCP port 80
    /// to 8080, all alike, as benchmarks want. <paramref name="mixed"/> makes it look like a cluster people run: of every
    /// ten services one is a NodePort (while the node port range lasts), one serves DNS on UDP and TCP 53, and one has
    /// its first pod on this node (node-1, pod IPs 10.244.0.2-254), so every kind of client has something to reach.
    /// </summary>
    public static ClusterObjects GenerateObjects(int services, int endpointsPerService, bool mixed = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(services, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(services, InputLimits.MaxServices);
        ArgumentOutOfRangeException.ThrowIfLessThan(endpointsPerService, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(endpointsPerService, MaxEndpointsPerService);

        const uint firstClusterIp = (10u << 24) | (100u << 16);
        const uint firstPodIp = (10u << 24) | (244u << 16) | (1u << 8);
        const uint podIps = (255u - 1u) * 256u; // 10.244.1.0 - 10.244.255.255
        var serviceList = new List<V1Service>(services);
        var sliceList = new List<V1EndpointSlice>(services);
        var endpoint = 0u;
        const uint firstLocalPodIp = (10u << 24) | (244u << 16) | 2u; // 10.244.0.2, this node's pod CIDR
        const int localPodIps = 253;                                  // .2 - .254
        var localPods = 0;
        for (var i = 0; i < services; i++)
        {
            var name = $"svc-{i + 1:D5}";
            var clusterIp = new Packets.Ipv4Address(firstClusterIp + (uint)i).ToString();
            var kind = mixed ? i % 10 : -1;
            var nodePort = kind == NodePortKind && FirstNodePort + (i / 10) <= LastNodePort ? FirstNodePort + (i / 10) : 0;
            var dns = kind == DnsKind;
            serviceList.Add(new V1Service
            {
                ApiVersion = "v1",
                Kind = "Service",
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "bench" },
                Spec = new V1ServiceSpec
                {
                    Type = nodePort != 0 ? "NodePort" : "ClusterIP",
                    ClusterIP = clusterIp,
                    ClusterIPs = [clusterIp],
                    Ports = dns
                        ? [new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", TargetPort = 53 }, new V1ServicePort { Name = "dns-tcp", Port = 53, Protocol = "TCP", TargetPort = 53 }]
                        : [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080, NodePort = nodePort == 0 ? null : nodePort }],
                    Selector = new Dictionary<string, string> { ["app"] = name },
                    SessionAffinity = "None",
                    ExternalTrafficPolicy = nodePort != 0 ? "Cluster" : null,
                },
            });
            var endpoints = new List<V1Endpoint>(endpointsPerService);
            ushort port = 8080;
            ushort? localPort = null;
            for (var e = 0; e < endpointsPerService; e++, endpoint++)
            {
                // Past 65,024 pod IPs the next round of endpoints listens on the next port, so every ip:port is distinct.
                port = (ushort)(8080 + (endpoint / podIps));
                var ip = new Packets.Ipv4Address(firstPodIp + (endpoint % podIps));
                var node = $"node-{2 + (int)((ip.Value >> 8) & 0xFF) % 8}";
                if (kind == LocalPodKind && e == 0)
                {
                    // This node's pods: 253 addresses, each listening on a further port as the services using them grow.
                    ip = new Packets.Ipv4Address(firstLocalPodIp + (uint)(localPods % localPodIps));
                    localPort = (ushort)(LocalPodPort + localPods / localPodIps);
                    node = NodeSettings.Default.Name;
                    localPods++;
                }
                endpoints.Add(new V1Endpoint
                {
                    Addresses = [ip.ToString()],
                    Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
                    NodeName = node,
                });
            }
            sliceList.Add(new V1EndpointSlice
            {
                ApiVersion = "discovery.k8s.io/v1",
                Kind = "EndpointSlice",
                AddressType = "IPv4",
                Metadata = new V1ObjectMeta
                {
                    Name = $"{name}-gen",
                    NamespaceProperty = "bench",
                    Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = name },
                },
                Endpoints = endpoints,
                Ports = dns
                    ? [new Discoveryv1EndpointPort { Name = "dns", Port = 53, Protocol = "UDP" }, new Discoveryv1EndpointPort { Name = "dns-tcp", Port = 53, Protocol = "TCP" }]
                    : [new Discoveryv1EndpointPort { Name = "http", Port = localPort ?? port, Protocol = "TCP" }],
            });
        }
        return new ClusterObjects(serviceList, sliceList);
    }
}
