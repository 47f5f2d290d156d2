using System.Threading.RateLimiting;
using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Hubs;

/// <summary>
/// Limits the hub methods one connection may call per second (<see cref="ClientLimits.HubCallsPerSecond"/>): a script
/// calling Join in a loop is told why it was refused, and the server's other viewers do not pay for it.
/// </summary>
public sealed class HubCallLimit(IOptions<ClientLimits> limits) : IHubFilter
{
    private const string LimiterKey = "call-limiter";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var items = invocationContext.Context.Items;
        if (items[LimiterKey] is not RateLimiter limiter)
        {
            var perSecond = limits.Value.HubCallsPerSecond;
            limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
            });
            items[LimiterKey] = limiter;
        }
        using var lease = limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            throw new HubException($"too many calls: this connection may call {limits.Value.HubCallsPerSecond} hub methods a second");
        }
        return await next(invocationContext);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (context.Context.Items[LimiterKey] is RateLimiter limiter)
        {
            await limiter.DisposeAsync();
        }
        await next(context, exception);
    }
}
