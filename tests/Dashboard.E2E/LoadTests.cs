using System.Diagnostics;
using System.Net;
using System.Text;
using Dashboard.Simulation.Scenarios;
using k8s;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.E2E;

/// <summary>
/// One visitor's large requests must not make everyone else wait: while four requests of 10,000 services each are
/// in flight on the real server (Kestrel on loopback), small requests keep their p99 under 500 ms. Bounded in count
/// and in time; the figures go to timings.json and README.
/// </summary>
public sealed class LoadTests : IAsyncLifetime
{
    private const int LargeRequests = 4, LargeServices = 10_000, MaxSmallRequests = 2_000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(3);

    private WebApplicationFactory<Program>? _factory;
    private HttpClient? _client;

    public ValueTask InitializeAsync()
    {
        // The small requests all come from 127.0.0.1: the per-client API rate is raised so that it is the server's
        // capacity that is measured, not the rate limit.
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            builder.UseSetting("Limits:ApiRequestsPerMinute", "1000000"));
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = MaxDuration };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task SmallRequests_WhileFourLargeOnesRun_KeepP99Under500Ms()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = _client!;
        var large = LargeCluster();
        var small = ScenarioCatalog.GetYaml("small");
        // Warm: the first request of each kind compiles its path.
        (await PostAsync(client, small, "application/yaml", ct)).EnsureSuccessStatusCode();

        var clock = Stopwatch.StartNew();
        var largeDurations = new double[LargeRequests];
        var largeStatuses = new HttpStatusCode[LargeRequests];
        var largeTasks = Enumerable.Range(0, LargeRequests).Select(i => Task.Run(async () =>
        {
            var started = clock.Elapsed;
            using var response = await PostAsync(client, large, "application/json", ct);
            largeStatuses[i] = response.StatusCode;
            await response.Content.ReadAsByteArrayAsync(ct);
            largeDurations[i] = (clock.Elapsed - started).TotalSeconds;
        }, ct)).ToList();
        var allLarge = Task.WhenAll(largeTasks);

        var latencies = new List<double>();
        var statuses = new Dictionary<HttpStatusCode, int>();
        while (!allLarge.IsCompleted && latencies.Count < MaxSmallRequests && clock.Elapsed < MaxDuration)
        {
            var sent = Stopwatch.StartNew();
            using var response = await PostAsync(client, small, "application/yaml", ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            latencies.Add(sent.Elapsed.TotalMilliseconds);
            statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
        }
        await allLarge;

        latencies.Sort();
        double Percentile(double p) => latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))];
        Timings.Record("loadSmallWhileLarge", new
        {
            largeRequests = LargeRequests,
            largeServices = LargeServices,
            largeBodyMb = Math.Round(Encoding.UTF8.GetByteCount(large) / 1e6, 1),
            largeSeconds = largeDurations.Select(d => Math.Round(d, 2)).ToArray(),
            largeStatuses = largeStatuses.Select(s => (int)s).ToArray(),
            smallRequests = latencies.Count,
            smallP50Ms = Math.Round(Percentile(0.50), 1),
            smallP95Ms = Math.Round(Percentile(0.95), 1),
            smallP99Ms = Math.Round(Percentile(0.99), 1),
            smallMaxMs = Math.Round(latencies[^1], 1),
        });

        Assert.All(largeStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal([HttpStatusCode.OK], statuses.Keys);
        // Enough small requests to make a p99 mean something, all sent while the large ones were in flight.
        Assert.True(latencies.Count >= 100, $"only {latencies.Count} small requests while the large ones ran");
        Assert.True(Percentile(0.99) < 500, $"small requests' p99 was {Percentile(0.99):0} ms (p50 {Percentile(0.5):0} ms)");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string body, string contentType, CancellationToken ct)
    {
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        return await client.PostAsync("/api/v1/rules/iptables", content, ct);
    }

    /// <summary>`kubectl get svc,endpointslices -A -o json` of a generated cluster of 10,000 services (2 endpoints each).</summary>
    private static string LargeCluster()
    {
        var objects = ScenarioCatalog.GenerateObjects(LargeServices, 2);
        var items = objects.Services.Select(s => KubernetesJson.Serialize(s)).Concat(objects.EndpointSlices.Select(s => KubernetesJson.Serialize(s)));
        return "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n" + string.Join(",\n", items) + "\n]}";
    }
}
