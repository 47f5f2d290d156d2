using k8s.Models;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>The Kubernetes objects kube-proxy watches: Services and EndpointSlices (discovery.k8s.io/v1).</summary>
public sealed record ClusterObjects(IReadOnlyList<V1Service> Services, IReadOnlyList<V1EndpointSlice> EndpointSlices)
{
    /// <summary>Warnings about the input that did not stop it being used (objects of other kinds, orphan slices).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// What building the node's rules costs, in the units <see cref="InputLimits"/> counts: one per service and one per
    /// endpoint port (each becomes a KUBE-SEP chain or an IPVS real server).
    /// </summary>
    public long Work => Services.Count + EndpointSlices.Sum(EndpointPortsOf);

    /// <summary>A slice's endpoints times its ports (at least one): the KUBE-SEP chains, or IPVS real servers, it makes.</summary>
    public static long EndpointPortsOf(V1EndpointSlice slice) => (long)(slice.Endpoints?.Count ?? 0) * Math.Max(1, slice.Ports?.Count ?? 0);
}

/// <summary>The two encodings `kubectl get -o` prints.</summary>
public enum InputFormat
{
    Yaml,
    Json,
}
