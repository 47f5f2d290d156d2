using System.Net;

namespace Dashboard.E2E;

/// <summary>What the real server (Kestrel, not the in-memory test server) sends with every page: no Server header, the security headers, the probes.</summary>
public sealed class HostHeadersTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Kestrel_Page_NoServerHeaderAndTheSecurityHeaders_ProbesAnswer()
    {
        AppFixture.RequireChromium();
        var ct = TestContext.Current.CancellationToken;
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var page = await client.GetAsync("/", ct);
        using var ready = await client.GetAsync("/readyz", ct);
        using var live = await client.GetAsync("/healthz", ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.False(page.Headers.Contains("Server"), string.Join(", ", page.Headers.Select(h => h.Key)));
        Assert.Contains("frame-ancestors 'none'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(page.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
