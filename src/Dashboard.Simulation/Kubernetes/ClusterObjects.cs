using k8s.Models;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>The Kubernetes objects kube-proxy watches: Services and EndpointSlices (discovery.k8s.io/v1).</summary>
public sealed record ClusterObjects(IReadOnlyList<V1Service> Services, IReadOnlyList<V1EndpointSlice> EndpointSlices)
{
    /// <summary>Warnings about the input that did not stop it being used (objects of other kinds, orphan slices).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public enum InputFormat
{
    Yaml,
    Json,
}

/// <summary>Reads `kubectl get svc,endpointslices -A -o yaml|json` output: a List, a single object, or many YAML documents.</summary>
public static class ClusterObjectsReader
{
    /// <summary>Documented limit: the largest cluster the simulator takes.</summary>
    public const int MaxServices = 50_000;

    /// <summary>Throws <see cref="InputException"/> naming each problem with its line (YAML) or JSON pointer (JSON).</summary>
    public static ClusterObjects Read(string text, InputFormat format) => throw new NotImplementedException();
}
