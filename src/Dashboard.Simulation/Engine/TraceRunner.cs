namespace Dashboard.Simulation.Engine;

/// <summary>Runs a trace request: builds the node from the objects, then walks each packet through it in order.</summary>
public static class TraceRunner
{
    /// <summary>Throws <see cref="Kubernetes.InputException"/> naming every problem (with JSON pointers) when the request is unusable.</summary>
    public static TraceResult Run(TraceRequest request) => throw new NotImplementedException();
}
