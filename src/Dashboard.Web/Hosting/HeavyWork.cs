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
public sealed partial class HeavyWork : IDisposable
{
    /// <summary>How long heavy work must have stopped before its memory is given back (a response is still being sent right after).</summary>
    public static readonly TimeSpan IdleBeforeCollect = TimeSpan.FromSeconds(2);

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

    private readonly ILogger<HeavyWork> _logger;
    private readonly Timer _collect;
    private int _turns;

    public HeavyWork(ILogger<HeavyWork> logger)
    {
        _logger = logger;
        _collect = new Timer(_ => GiveMemoryBack());
    }

    /// <summary>How many times heavy work has given its memory back since the server started.</summary>
    public int Collections { get; private set; }

    /// <summary>A turn (dispose it to give it back), or null when the queue is full; cancelled with the request.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            return null;
        }
        Interlocked.Increment(ref _turns);
        return new Turn(this, lease);
    }

    /// <summary>
    /// A 50,000-service request leaves about a gigabyte of heap behind that the GC keeps for later, measured on the
    /// Release server (RSS 0.14 GB before, 1.0 GB after, unchanged 30 s later, with server or workstation GC). Once
    /// heavy work has been idle a moment, one compacting collection gives it back to the system.
    /// </summary>
    private void GiveMemoryBack()
    {
        if (Volatile.Read(ref _turns) > 0)
        {
            return;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var before = Environment.WorkingSet;
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Collections++;
        LogCollected(_logger, (before - Environment.WorkingSet) / 1_000_000, clock.ElapsedMilliseconds);
    }

    private void Release(RateLimitLease lease)
    {
        lease.Dispose();
        if (Interlocked.Decrement(ref _turns) == 0)
        {
            _collect.Change(IdleBeforeCollect, Timeout.InfiniteTimeSpan);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Heavy work idle: gave {Megabytes} MB back in {Milliseconds} ms")]
    private static partial void LogCollected(ILogger logger, long megabytes, long milliseconds);

    private sealed class Turn(HeavyWork owner, RateLimitLease lease) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(lease);
            }
        }
    }

    /// <summary>The 429 an API request gets when the queue is full.</summary>
    public static IResult Busy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        return ApiProblems.TooManyRequests(
            "The server is busy with large requests",
            [new ApiError($"{Concurrency} large request(s) are running and {QueueLength} are waiting, the limit; try again in {(int)RetryAfter.TotalSeconds} s.")]);
    }

    public void Dispose()
    {
        _collect.Dispose();
        _limiter.Dispose();
    }
}
