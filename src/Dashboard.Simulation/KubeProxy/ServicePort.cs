using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using k8s.Models;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>kube-proxy's view of one port of a Service (its ServicePortName is "namespace/name:port").</summary>
public sealed record ServicePort
{
    /// <summary>"namespace/name:portName", or "namespace/name" when the port has no name.</summary>
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public required string ServiceName { get; init; }
    public required string PortName { get; init; }
    public required IpProtocol Protocol { get; init; }
    public required Ipv4Address ClusterIp { get; init; }
    public required ushort Port { get; init; }
    public ushort NodePort { get; init; }
    public IReadOnlyList<Ipv4Address> ExternalIps { get; init; } = [];
    public IReadOnlyList<Ipv4Address> LoadBalancerVips { get; init; } = [];
    public IReadOnlyList<Ipv4Prefix> LoadBalancerSourceRanges { get; init; } = [];
    public ushort HealthCheckNodePort { get; init; }

    /// <summary>sessionAffinity ClientIP: the stickiness window in seconds (null without affinity).</summary>
    public int? AffinitySeconds { get; init; }
    public bool ExternalPolicyLocal { get; init; }
    public bool InternalPolicyLocal { get; init; }
    public string Type { get; init; } = "ClusterIP";

    public string ProtocolName => Protocol.ToName();

    public bool ExternallyAccessible => NodePort != 0 || LoadBalancerVips.Count > 0 || ExternalIps.Count > 0;
    public bool UsesClusterEndpoints => !InternalPolicyLocal || ExternallyAccessible;
    public bool UsesLocalEndpoints => InternalPolicyLocal || (ExternalPolicyLocal && ExternallyAccessible);

    /// <summary>
    /// The ports kube-proxy programs for a Service, in spec order. Headless and ExternalName services, and services
    /// without an IPv4 ClusterIP, get none: kube-proxy skips them entirely.
    /// </summary>
    public static IEnumerable<ServicePort> FromService(V1Service service)
    {
        var spec = service.Spec;
        if (spec is null || spec.Type == "ExternalName" || !Ipv4Address.TryParse(spec.ClusterIP, out var clusterIp))
        {
            yield break;
        }
        var ns = service.Metadata.NamespaceProperty ?? "default";
        var name = service.Metadata.Name;
        var type = spec.Type ?? "ClusterIP";
        var externalIps = (spec.ExternalIPs ?? []).Select(ip => Ipv4Address.TryParse(ip, out var a) ? a : (Ipv4Address?)null)
            .OfType<Ipv4Address>().ToArray();
        var vips = (service.Status?.LoadBalancer?.Ingress ?? [])
            .Where(i => !string.IsNullOrEmpty(i.Ip) && (i.IpMode is null || i.IpMode == "VIP"))
            .Select(i => Ipv4Address.Parse(i.Ip)).ToArray();
        var ranges = (spec.LoadBalancerSourceRanges ?? []).Select(r => Ipv4Prefix.Parse(r.Trim())).ToArray();
        // The API's "externally accessible" test: LoadBalancer, NodePort, or a ClusterIP with external IPs.
        var apiExternallyAccessible = type is "LoadBalancer" or "NodePort" || (type == "ClusterIP" && externalIps.Length > 0);
        var externalLocal = apiExternallyAccessible && spec.ExternalTrafficPolicy == "Local";
        foreach (var port in spec.Ports ?? [])
        {
            if (!IpProtocolNames.TryParse(port.Protocol ?? "TCP", out var protocol))
            {
                continue; // the validator has already reported it
            }
            yield return new ServicePort
            {
                Name = string.IsNullOrEmpty(port.Name) ? $"{ns}/{name}" : $"{ns}/{name}:{port.Name}",
                Namespace = ns,
                ServiceName = name,
                PortName = port.Name ?? string.Empty,
                Protocol = protocol,
                ClusterIp = clusterIp,
                Port = (ushort)port.Port,
                NodePort = (ushort)(port.NodePort ?? 0),
                ExternalIps = externalIps,
                LoadBalancerVips = vips,
                LoadBalancerSourceRanges = ranges,
                HealthCheckNodePort = type == "LoadBalancer" && externalLocal ? (ushort)(spec.HealthCheckNodePort ?? 0) : (ushort)0,
                AffinitySeconds = spec.SessionAffinity == "ClientIP" ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800 : null,
                ExternalPolicyLocal = externalLocal,
                InternalPolicyLocal = spec.InternalTrafficPolicy == "Local",
                Type = type,
            };
        }
    }
}
