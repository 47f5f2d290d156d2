using System.Globalization;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// The documented limits on pasted or posted Kubernetes objects. Each bounds what a request can cost the server,
/// counted while the text is read, so input over a limit is refused before the work it would cause is done.
/// </summary>
public static class InputLimits
{
    /// <summary>
    /// Nesting of mappings and sequences. A Service or EndpointSlice is about six deep (items, ports, a port's fields);
    /// text nested thousands deep is an attack on the parser, which would otherwise recurse until the stack overflows.
    /// </summary>
    public const int MaxDepth = 64;

    /// <summary>Values one object may expand to (a YAML alias counts every value it repeats).</summary>
    public const int MaxNodesPerObject = 100_000;

    /// <summary>
    /// Values one request may expand to, over all its objects: a 50,000-service `kubectl get -o yaml` dump with its
    /// EndpointSlices is about 4.5 million; aliases of aliases ("billion laughs") stop here.
    /// </summary>
    public const int MaxNodes = 10_000_000;

    /// <summary>Services in one cluster (the Kubernetes scalability limit the simulator is built for).</summary>
    public const int MaxServices = 50_000;

    /// <summary>Ports of one Service (the simulator's limit; an EndpointSlice holds at most 100, as the API server checks).</summary>
    public const int MaxPortsPerService = 100;

    /// <summary>Ports of one EndpointSlice (the API server's validation: maxPorts).</summary>
    public const int MaxPortsPerSlice = 100;

    /// <summary>Endpoints of one EndpointSlice (the API server's validation: maxEndpoints).</summary>
    public const int MaxEndpointsPerSlice = 1_000;

    /// <summary>
    /// Endpoints times ports over all slices: each pair becomes a KUBE-SEP chain (or an IPVS real server), so this
    /// bounds the rules a cluster makes. 50,000 services of four endpoints each fit.
    /// </summary>
    public const int MaxEndpointPorts = 200_000;

    internal static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>
/// What one request may spend on reading its objects: <see cref="InputLimits.MaxNodes"/> values, shared by a trace's
/// objects and its updates so that splitting a large input over many fields does not multiply what it may cost, and
/// its cancellation (the client went away), which stops the reading.
/// </summary>
public sealed class InputBudget(CancellationToken cancellationToken = default)
{
    private long _nodes;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public long Nodes => _nodes;

    /// <summary>Takes <paramref name="count"/> values; false once the request is over its limit.</summary>
    internal bool TryTake(long count)
    {
        _nodes += count;
        return _nodes <= InputLimits.MaxNodes;
    }
}
