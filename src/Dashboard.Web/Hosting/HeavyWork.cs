using System.Globalization;
using System.Threading.RateLimiting;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Web.Api;

namespace Dashboard.Web.Hosting;

/// <summary>
/// Work that costs seconds of CPU (a large body to parse, a cluster of many endpoints to turn into rules, a room of
/// thousands of services to build) takes turns on half the cores, so the other half keeps answering everyone else:
/// measured before this, four 10,000-service requests on two cores made a small request wait up to 6.8 s. Past the
/// queue heavy work is refused (the API answers 429 with Retry-After) rather than piling up.
/// </summary>
public sealed class HeavyWork : IDisposable
{
    /// <summary>Documented limit: bodies larger than this queue for a turn before they are parsed.</summary>
    public const int BodyBytes = 256 * 1024;

    /// <summary>Documented limit: work (<see cref="ClusterObjects.Work"/>, plus a trace's packets) past which a request queues for a turn before it is done.</summary>
    public const long Work = 20_000;

    /// <summary>Documented limit: heavy requests waiting for a turn; one more is answered 429.</summary>
    public const int QueueLength = 8;

    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>Heavy requests that run at once: half the cores, at least one.</summary>
    public static int Concurrency { get; } = Math.Max(1, Environment.ProcessorCount / 2);

    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = Concurrency,
        QueueLimit = QueueLength,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>A turn (dispose it to give it back), or null when the queue is full; cancelled with the request.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (lease.IsAcquired)
        {
            return lease;
        }
        lease.Dispose();
        return null;
    }

    /// <summary>The 429 an API request gets when the queue is full.</summary>
    public static IResult Busy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return ApiProblems.TooManyRequests(
            "The server is busy with large requests",
            [new ApiError($"{Concurrency} large request(s) are running and {QueueLength} are waiting, the limit; try again in {(int)RetryAfter.TotalSeconds} s.")]);
    }

    public void Dispose() => _limiter.Dispose();
}
