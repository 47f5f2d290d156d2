using System.Globalization;
using System.Threading.RateLimiting;
using Dashboard.Web.Api;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Hosting;

/// <summary>
/// What one client (one IP address as the server sees it) may ask of the server, so that no visitor can take it from
/// the others. Configured under "Limits" (appsettings.json or Limits__ApiRequestsPerMinute=... in the environment);
/// README lists the defaults. Behind a proxy every client has the proxy's address unless forwarded headers are set up.
/// </summary>
public sealed class ClientLimits
{
    public const string Section = "Limits";
    public const string ApiPolicy = "api";
    public const string PagePolicy = "pages";
    public const string HubPolicy = "hub";

    /// <summary>Requests to /api per client in a sliding minute.</summary>
    public int ApiRequestsPerMinute { get; set; } = 120;

    /// <summary>Page loads and Blazor circuit connections per client in a sliding minute.</summary>
    public int PageRequestsPerMinute { get; set; } = 120;

    /// <summary>SignalR negotiations and connections to /hubs/simulation per client in a sliding minute.</summary>
    public int HubConnectionsPerMinute { get; set; } = 60;

    /// <summary>Hub method calls per connection per second.</summary>
    public int HubCallsPerSecond { get; set; } = 20;

    /// <summary>Simulation rooms (compare pages) open at once per client.</summary>
    public int RoomsPerClient { get; set; } = 10;

    /// <summary>How the server names a client: its address, or "unknown" (an in-memory test server has none).</summary>
    public static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

}

/// <summary>The rate limiter's policies for <see cref="ClientLimits"/>, and its 429 answer.</summary>
public static class ClientRateLimits
{
    public static IServiceCollection AddClientLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ClientLimits>(configuration.GetSection(ClientLimits.Section));
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(ClientLimits.ApiPolicy, context => PerMinute(context, limits => limits.ApiRequestsPerMinute));
            options.AddPolicy(ClientLimits.PagePolicy, context => PerMinute(context, limits => limits.PageRequestsPerMinute));
            options.AddPolicy(ClientLimits.HubPolicy, context => PerMinute(context, limits => limits.HubConnectionsPerMinute));
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> PerMinute(HttpContext context, Func<ClientLimits, int> limit)
    {
        // A SignalR connection's later requests (its WebSocket, or long polling's polls and sends) carry its id: what
        // is limited is opening connections, not using one, or a long-polling viewer would be cut off in seconds.
        if (context.Request.Query.ContainsKey("id") &&
            (context.Request.Path.StartsWithSegments("/hubs") || context.Request.Path.StartsWithSegments("/_blazor")))
        {
            return RateLimitPartition.GetNoLimiter("connection");
        }
        var permits = limit(context.RequestServices.GetRequiredService<IOptions<ClientLimits>>().Value);
        return RateLimitPartition.GetSlidingWindowLimiter(ClientLimits.ClientOf(context), _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 0,
        });
    }

    /// <summary>429 as problem+json, with Retry-After: the client learns what it did and when it may try again.</summary>
    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 10;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblems.ForStatus(StatusCodes.Status429TooManyRequests, "Too many requests",
                $"This client sent more requests than the server takes from one address ({Describe(context)}); try again in {seconds} s.")
            .ExecuteAsync(context);
    }

    private static string Describe(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<ClientLimits>>().Value;
        var path = context.Request.Path;
        return path.StartsWithSegments("/api") ? $"{limits.ApiRequestsPerMinute} API requests a minute"
            : path.StartsWithSegments("/hubs") ? $"{limits.HubConnectionsPerMinute} hub connections a minute"
            : $"{limits.PageRequestsPerMinute} page loads a minute";
    }
}
