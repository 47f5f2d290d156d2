using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Api;

/// <summary>
/// The host around the API as a service is run: errors the host decides are problems too, probes for an orchestrator,
/// the browser's security headers, per-client rate limits and turns for heavy work.
/// </summary>
public sealed partial class HardeningTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WrongMethod_Returns405Problem()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/api/v1/trace", Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("GET is not accepted at /api/v1/trace", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownApiPath_Returns404Problem()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/api/v1/rules/bpf", new StringContent("x"), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UrlPastTheLimit_Returns414ProblemNamingTheLimit()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/api/v1/rules/iptables?nodeName=" + new string('a', ProblemStatusPages.MaxUrlLength),
            new StringContent("x", Encoding.UTF8, "application/yaml"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestUriTooLong);
        Assert.Contains("the limit is 8,192", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Probes_StartedServer_Healthy(string path)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Readyz_WhileWarmingUp_503()
    {
        using var client = factory.CreateClient();
        var readiness = factory.Services.GetRequiredService<Readiness>();
        readiness.WarmingUp = true;
        try
        {
            using var response = await client.GetAsync("/readyz", Ct);
            using var live = await client.GetAsync("/healthz", Ct);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            readiness.WarmingUp = false;
        }
    }

    [Fact]
    public async Task Page_CarriesSecurityHeaders_AndItsImportMapHasTheNonce()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/", Ct);

        var html = await response.Content.ReadAsStringAsync(Ct);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        var nonce = Nonce().Match(csp).Groups[1].Value;
        Assert.NotEmpty(nonce);
        // The one inline script is the import map, allowed by exactly this response's nonce.
        var importMap = html.IndexOf("<script type=\"importmap\"", StringComparison.Ordinal);
        Assert.True(importMap >= 0, html);
        Assert.StartsWith($"<script type=\"importmap\" nonce=\"{nonce}\">", html[importMap..], StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("strict-origin-when-cross-origin", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.False(response.Headers.Contains("Server"));

        using var again = await client.GetAsync("/", Ct);
        Assert.NotEqual(nonce, Nonce().Match(Assert.Single(again.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value);
    }

    [Fact]
    public async Task ApiPastTheClientsRate_429ProblemWithRetryAfter_OtherPathsStillServed()
    {
        using var limited = factory.WithWebHostBuilder(builder => builder.UseSetting("Limits:ApiRequestsPerMinute", "3"));
        using var client = limited.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.PostAsync("/api/v1/rules/iptables", new StringContent(ClusterYaml.Valid, Encoding.UTF8, "application/yaml"), Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
        using var refused = await client.PostAsync("/api/v1/rules/iptables", new StringContent(ClusterYaml.Valid, Encoding.UTF8, "application/yaml"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Contains("3 API requests a minute", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        using var probe = await client.GetAsync("/healthz", Ct);
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
    }

    [Fact]
    public async Task LargeBodyWhileTheHeavyQueueIsFull_429WithRetryAfter()
    {
        using var client = factory.CreateClient();
        var heavy = factory.Services.GetRequiredService<HeavyWork>();
        var running = new List<IDisposable>();
        for (var i = 0; i < HeavyWork.Concurrency; i++)
        {
            running.Add((await heavy.EnterAsync(Ct))!);
        }
        using var stopWaiting = new CancellationTokenSource();
        var waiting = Enumerable.Range(0, HeavyWork.QueueLength).Select(_ => heavy.EnterAsync(stopWaiting.Token)).ToList();
        try
        {
            var large = ClusterYaml.Valid + "\n# " + new string('x', HeavyWork.BodyBytes) + "\n";
            using var refused = await client.PostAsync("/api/v1/rules/iptables", new StringContent(large, Encoding.UTF8, "application/yaml"), Ct);
            using var small = await client.PostAsync("/api/v1/rules/iptables", new StringContent(ClusterYaml.Valid, Encoding.UTF8, "application/yaml"), Ct);

            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Equal(TimeSpan.FromSeconds(10), refused.Headers.RetryAfter?.Delta);
            // A small request does not queue behind them.
            Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        }
        finally
        {
            await stopWaiting.CancelAsync();
            running.ForEach(turn => turn.Dispose());
            foreach (var wait in waiting)
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
            }
        }
    }

    [Fact]
    public async Task SctpService_IptablesRules200WithSctpMatches()
    {
        using var client = factory.CreateClient();
        var yaml = ClusterYaml.List(ClusterYaml.Service("sig", "10.96.0.90", protocol: "SCTP", port: 2905), ClusterYaml.Slice("sig", "10.244.1.9"));

        using var response = await client.PostAsync("/api/v1/rules/iptables", new StringContent(yaml, Encoding.UTF8, "application/yaml"), Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Matches("-A KUBE-SERVICES -d 10\\.96\\.0\\.90/32 -p sctp -m comment --comment \"demo/sig:http[^\"]*\" -m sctp --dport 2905 -j ", text);
    }

    [Fact]
    public async Task ManyProblems_ListsTheFirst100AndCountsTheRest()
    {
        using var client = factory.CreateClient();
        var services = Enumerable.Range(0, 150).Select(i => ClusterYaml.Service($"svc-{i}", $"10.96.0.{i}.1")).ToArray();

        using var response = await client.PostAsync("/api/v1/rules/iptables", new StringContent(ClusterYaml.List(services), Encoding.UTF8, "application/yaml"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("150 problems; see errors.", problem.GetProperty("detail").GetString());
        var errors = ProblemAssert.Errors(problem).ToList();
        Assert.Equal(101, errors.Count);
        Assert.Contains("and 50 more problems", errors[^1].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeavyWorkDone_MemoryGivenBackOnceIdle()
    {
        using var client = factory.CreateClient();
        var heavy = factory.Services.GetRequiredService<HeavyWork>();
        var before = heavy.Collections;
        var large = ClusterYaml.Valid + "\n# " + new string('x', HeavyWork.BodyBytes) + "\n";

        using var response = await client.PostAsync("/api/v1/rules/iptables", new StringContent(large, Encoding.UTF8, "application/yaml"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The collection waits for heavy work to have been idle a moment: watch for it, within a bound.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bound.CancelAfter(HeavyWork.IdleBeforeCollect * 10);
        while (heavy.Collections == before)
        {
            await Task.Delay(50, bound.Token);
        }
        Assert.True(heavy.Collections > before);
    }

    [GeneratedRegex("'nonce-([^']+)'")]
    private static partial Regex Nonce();
}
