using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Dashboard.Web.Tests.Api;

/// <summary>
/// The real app in memory (TestServer): the API tests share one per class. Every test request comes from the same
/// (unknown) address, so the per-client rate limits are raised here; <see cref="LimitedFactory"/> keeps them low to
/// test them.
/// </summary>
public class DashboardFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Limits:ApiRequestsPerMinute", "1000000");
        builder.UseSetting("Limits:PageRequestsPerMinute", "1000000");
        builder.UseSetting("Limits:HubConnectionsPerMinute", "1000000");
    }
}
