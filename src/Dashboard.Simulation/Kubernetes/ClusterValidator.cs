using k8s.Models;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Checks what the API server would have refused (invalid IPs, ports, protocols, duplicate ClusterIPs) and what
/// kube-proxy would ignore (IPv6 families, slices of unknown services), so a user learns which line is wrong.
/// </summary>
internal static partial class ClusterValidator
{
    private static readonly string[] ServiceTypes = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];

    public static void Validate(
        List<(V1Service Service, ObjectLocation At)> services,
        List<(V1EndpointSlice Slice, ObjectLocation At)> slices,
        List<InputProblem> problems,
        List<string> warnings)
    {
        var clusterIps = new Dictionary<Ipv4Address, string>();
        var serviceNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (service, at) in services)
        {
            ValidateService(service, at, problems, warnings, clusterIps, serviceNames);
        }
        foreach (var (slice, at) in slices)
        {
            ValidateSlice(slice, at, problems, warnings, serviceNames);
        }
    }

    public static string NameOf(V1ObjectMeta? metadata) => $"{metadata?.NamespaceProperty ?? "default"}/{metadata?.Name}";

    private static void ValidateService(V1Service service, ObjectLocation at, List<InputProblem> problems, List<string> warnings,
        Dictionary<Ipv4Address, string> clusterIps, HashSet<string> serviceNames)
    {
        void Error(string message, params object[] path) => problems.Add(at.Problem(ProblemKind.Semantic, message, path));

        if (string.IsNullOrEmpty(service.Metadata?.Name))
        {
            Error("Service: metadata.name is required", "metadata");
            return;
        }
        // The API server refuses these names, so kube-proxy never sees them; they would also break the rule comments
        // ("namespace/name:port", at most 191 characters of iptables' 255) and the chain hashes.
        if (!IsLabel(service.Metadata.Name, Dns1035Label()))
        {
            Error($"Service \"{Printable(service.Metadata.Name)}\": metadata.name must be a DNS-1035 label (at most 63 lowercase letters, digits and '-', starting with a letter)",
                "metadata", "name");
            return;
        }
        if (service.Metadata.NamespaceProperty is { } ns && !IsLabel(ns, Dns1123Label()))
        {
            Error($"Service {service.Metadata.Name}: metadata.namespace \"{Printable(ns)}\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-')",
                "metadata", "namespace");
            return;
        }
        var name = NameOf(service.Metadata);
        if (!serviceNames.Add(name))
        {
            Error($"Service {name}: defined twice", "metadata", "name");
        }
        var spec = service.Spec;
        if (spec is null)
        {
            Error($"Service {name}: spec is required");
            return;
        }
        if (spec.Type is { } type && !ServiceTypes.Contains(type))
        {
            Error($"Service {name}: spec.type \"{type}\" is not one of {string.Join(", ", ServiceTypes)}", "spec", "type");
        }
        if (spec.ClusterIP is { Length: > 0 } clusterIp && clusterIp != "None")
        {
            if (Ipv4Address.TryParse(clusterIp, out var address))
            {
                if (spec.Type != "ExternalName" && !clusterIps.TryAdd(address, name))
                {
                    Error($"Service {name}: spec.clusterIP {clusterIp} is already the ClusterIP of {clusterIps[address]}", "spec", "clusterIP");
                }
            }
            else if (clusterIp.Contains(':', StringComparison.Ordinal) && System.Net.IPAddress.TryParse(clusterIp, out _))
            {
                warnings.Add($"Service {name}: IPv6 ClusterIP {clusterIp} ignored (the simulator models the IPv4 proxier)");
            }
            else
            {
                Error($"Service {name}: spec.clusterIP \"{clusterIp}\" is not a valid IPv4 address", "spec", "clusterIP");
            }
        }
        if (spec.Ports?.Count > InputLimits.MaxPortsPerService)
        {
            Error($"Service {name}: {spec.Ports.Count} ports, the limit is {InputLimits.MaxPortsPerService}", "spec", "ports");
            return;
        }
        var portNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
        {
            var port = spec.Ports![i];
            if (port is null)
            {
                Error($"Service {name}: spec.ports[{i}] is empty (null); a port needs at least its port number", "spec", "ports", i);
                continue;
            }
            if (port.Name is { Length: > 0 } portName && !IsLabel(portName, Dns1123Label()))
            {
                Error($"Service {name}: spec.ports[{i}].name \"{Printable(portName)}\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-')",
                    "spec", "ports", i, "name");
            }
            if (port.Port is < 1 or > 65535)
            {
                Error($"Service {name}: spec.ports[{i}].port {port.Port} is not a port (1-65535)", "spec", "ports", i, "port");
            }
            if (port.Protocol is { } protocol && !Protocols.Contains(protocol))
            {
                Error($"Service {name}: spec.ports[{i}].protocol \"{protocol}\" is not TCP, UDP or SCTP", "spec", "ports", i, "protocol");
            }
            if (port.NodePort is < 0 or > 65535)
            {
                Error($"Service {name}: spec.ports[{i}].nodePort {port.NodePort} is not a port (1-65535)", "spec", "ports", i, "nodePort");
            }
            if (port.TargetPort?.Value is { } target && int.TryParse(target, out var targetNumber) && targetNumber is < 1 or > 65535)
            {
                Error($"Service {name}: spec.ports[{i}].targetPort {target} is not a port (1-65535)", "spec", "ports", i, "targetPort");
            }
            if (!portNames.Add(port.Name ?? string.Empty))
            {
                Error($"Service {name}: spec.ports[{i}].name \"{port.Name}\" is used by another port of the service", "spec", "ports", i, "name");
            }
        }
        for (var i = 0; i < (spec.ExternalIPs?.Count ?? 0); i++)
        {
            if (spec.ExternalIPs![i] is null || !Ipv4Address.TryParse(spec.ExternalIPs[i], out _))
            {
                Error($"Service {name}: spec.externalIPs[{i}] \"{spec.ExternalIPs[i]}\" is not a valid IPv4 address", "spec", "externalIPs", i);
            }
        }
        for (var i = 0; i < (spec.LoadBalancerSourceRanges?.Count ?? 0); i++)
        {
            if (spec.LoadBalancerSourceRanges![i] is not { } range || !Ipv4Prefix.TryParse(range.Trim(), out _))
            {
                Error($"Service {name}: spec.loadBalancerSourceRanges[{i}] \"{spec.LoadBalancerSourceRanges[i]}\" is not an IPv4 CIDR",
                    "spec", "loadBalancerSourceRanges", i);
            }
        }
        var ingress = service.Status?.LoadBalancer?.Ingress;
        for (var i = 0; i < (ingress?.Count ?? 0); i++)
        {
            if (ingress![i]?.Ip is { Length: > 0 } ip && !Ipv4Address.TryParse(ip, out _))
            {
                Error($"Service {name}: status.loadBalancer.ingress[{i}].ip \"{ip}\" is not a valid IPv4 address",
                    "status", "loadBalancer", "ingress", i, "ip");
            }
        }
        if (spec.SessionAffinity is { } affinity && affinity is not ("None" or "ClientIP"))
        {
            Error($"Service {name}: spec.sessionAffinity \"{affinity}\" is not None or ClientIP", "spec", "sessionAffinity");
        }
        if (spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } timeout && timeout is < 1 or > 86400)
        {
            Error($"Service {name}: sessionAffinityConfig.clientIP.timeoutSeconds {timeout} is not between 1 and 86400",
                "spec", "sessionAffinityConfig", "clientIP", "timeoutSeconds");
        }
        if (spec.ExternalTrafficPolicy is { } etp && etp is not ("Cluster" or "Local"))
        {
            Error($"Service {name}: spec.externalTrafficPolicy \"{etp}\" is not Cluster or Local", "spec", "externalTrafficPolicy");
        }
        if (spec.InternalTrafficPolicy is { } itp && itp is not ("Cluster" or "Local"))
        {
            Error($"Service {name}: spec.internalTrafficPolicy \"{itp}\" is not Cluster or Local", "spec", "internalTrafficPolicy");
        }
    }

    private static void ValidateSlice(V1EndpointSlice slice, ObjectLocation at, List<InputProblem> problems, List<string> warnings,
        HashSet<string> serviceNames)
    {
        void Error(string message, params object[] path) => problems.Add(at.Problem(ProblemKind.Semantic, message, path));

        var name = NameOf(slice.Metadata);
        if (slice.AddressType != "IPv4")
        {
            warnings.Add($"EndpointSlice {name}: addressType {slice.AddressType ?? "(none)"} ignored (the simulator models the IPv4 proxier)");
            return;
        }
        if (slice.Metadata?.Labels?.TryGetValue("kubernetes.io/service-name", out var serviceName) != true)
        {
            warnings.Add($"EndpointSlice {name}: no kubernetes.io/service-name label, so kube-proxy ignores it");
            return;
        }
        var service = $"{slice.Metadata.NamespaceProperty ?? "default"}/{serviceName}";
        if (!serviceNames.Contains(service))
        {
            warnings.Add($"EndpointSlice {name}: its Service {service} does not exist, so kube-proxy ignores it");
        }
        if (slice.Endpoints?.Count > InputLimits.MaxEndpointsPerSlice)
        {
            Error($"EndpointSlice {name}: {slice.Endpoints.Count} endpoints, the API server's limit is {InputLimits.MaxEndpointsPerSlice} per slice", "endpoints");
            return;
        }
        if (slice.Ports?.Count > InputLimits.MaxPortsPerSlice)
        {
            Error($"EndpointSlice {name}: {slice.Ports.Count} ports, the API server's limit is {InputLimits.MaxPortsPerSlice} per slice", "ports");
            return;
        }
        for (var i = 0; i < (slice.Endpoints?.Count ?? 0); i++)
        {
            if (slice.Endpoints![i] is null)
            {
                Error($"EndpointSlice {name}: endpoints[{i}] is empty (null); an endpoint needs its addresses", "endpoints", i);
                continue;
            }
            var addresses = slice.Endpoints[i].Addresses;
            for (var a = 0; a < (addresses?.Count ?? 0); a++)
            {
                if (!Ipv4Address.TryParse(addresses![a], out _))
                {
                    Error($"EndpointSlice {name}: endpoints[{i}].addresses[{a}] \"{addresses[a]}\" is not a valid IPv4 address",
                        "endpoints", i, "addresses", a);
                }
            }
        }
        for (var i = 0; i < (slice.Ports?.Count ?? 0); i++)
        {
            var port = slice.Ports![i];
            if (port is null)
            {
                Error($"EndpointSlice {name}: ports[{i}] is empty (null)", "ports", i);
                continue;
            }
            if (port.Name is { Length: > 0 } portName && !IsLabel(portName, Dns1123Label()))
            {
                Error($"EndpointSlice {name}: ports[{i}].name \"{Printable(portName)}\" must be a DNS-1123 label (at most 63 lowercase letters, digits and '-')",
                    "ports", i, "name");
            }
            if (port.Port is < 1 or > 65535)
            {
                Error($"EndpointSlice {name}: ports[{i}].port {port.Port} is not a port (1-65535)", "ports", i, "port");
            }
            if (port.Protocol is { } protocol && !Protocols.Contains(protocol))
            {
                Error($"EndpointSlice {name}: ports[{i}].protocol \"{protocol}\" is not TCP, UDP or SCTP", "ports", i, "protocol");
            }
        }
    }

    private static bool IsLabel(string text, System.Text.RegularExpressions.Regex pattern) => text.Length <= 63 && pattern.IsMatch(text);

    /// <summary>Control characters (a newline in a name) shown as escapes, so a message never breaks a line or a header.</summary>
    private static string Printable(string text)
    {
        var shown = text.Length > 80 ? text[..80] + "..." : text;
        return string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex Dns1035Label();

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex Dns1123Label();
}
