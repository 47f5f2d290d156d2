using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Dashboard.Web.Hosting;

/// <summary>
/// /healthz answers while the process serves requests (liveness); /readyz answers 200 once the warm-up has finished
/// and until the server begins to stop, so a proxy sends visitors only to a replica that will answer them quickly.
/// </summary>
public sealed class Readiness(IHostApplicationLifetime lifetime) : IHealthCheck
{
    private int _warmingUp;

    /// <summary>Set by the warm-up while it runs (a host without one, such as the test server, is ready once started).</summary>
    public bool WarmingUp
    {
        get => Volatile.Read(ref _warmingUp) == 1;
        set => Volatile.Write(ref _warmingUp, value ? 1 : 0);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : WarmingUp || !lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("warming up")
            : HealthCheckResult.Healthy("ready"));
}

/// <summary>Maps /healthz and /readyz: a probe is never rate limited, or a busy server would look dead to its orchestrator.</summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddDashboardHealth(this IServiceCollection services)
    {
        services.AddSingleton<Readiness>();
        services.AddHealthChecks().AddCheck<Readiness>("warm-up", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/healthz", new() { Predicate = _ => false }).DisableRateLimiting();
        endpoints.MapHealthChecks("/readyz", new() { Predicate = check => check.Tags.Contains(ReadyTag) }).DisableRateLimiting();
        return endpoints;
    }
}
