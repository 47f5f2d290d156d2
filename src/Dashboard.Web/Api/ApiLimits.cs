namespace Dashboard.Web.Api;

/// <summary>The documented limits of the HTTP API.</summary>
public static class ApiLimits
{
    /// <summary>64 MiB: room for a 50,000-service `kubectl get -o yaml` dump with its EndpointSlices.</summary>
    public const long MaxRequestBodyBytes = 64L * 1024 * 1024;
}
