namespace Dashboard.Web.Api;

/// <summary>The documented limits of the HTTP API.</summary>
public static class ApiLimits
{
    /// <summary>64 MiB: room for a 50,000-service `kubectl get -o yaml` dump with its EndpointSlices.</summary>
    public const long MaxRequestBodyBytes = 64L * 1024 * 1024;

    /// <summary>
    /// 8 MiB: pasted objects on the compare page (about 8,000 services with their EndpointSlices). The text travels in
    /// one Blazor circuit message, held in memory per viewer; bigger clusters go through the API or the size slider.
    /// </summary>
    public const long MaxPastedObjectsBytes = 8L * 1024 * 1024;
}
