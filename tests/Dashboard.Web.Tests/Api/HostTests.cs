using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Api;

/// <summary>The host around the API: the 500 path, static files from the top-level wwwroot, the page, the culture cookie.</summary>
public sealed class HostTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnexpectedException_Returns500ProblemWithoutStackTrace()
    {
        using var throwing = factory.WithWebHostBuilder(builder =>
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ThrowingEndpointFilter>()));
        using var client = throwing.CreateClient();

        using var response = await client.GetAsync(ThrowingEndpointFilter.Path, Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError);
        var text = problem.GetRawText();
        Assert.DoesNotContain(ThrowingEndpointFilter.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/css/app.css", "text/css")]
    [InlineData("/js/theme.js", "text/javascript")]
    [InlineData("/_content/MudBlazor/MudBlazor.min.css", "text/css")]
    public async Task StaticAsset_FromTopLevelWwwroot_IsServed(string path, string mediaType)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LandingPage_IsTheComparePage()
    {
        using var client = factory.CreateClient();

        var html = await client.GetStringAsync("/", Ct);

        Assert.Contains("<html lang=\"en\"", html, StringComparison.Ordinal);
        Assert.Contains("Traffic paths: kube-proxy modes side by side", html, StringComparison.Ordinal);
        // The animation's browser client comes from npm through the build, not from the repository.
        Assert.Matches("<script src=\"lib/signalr/signalr[^\"]*\\.js\"", html);
    }

    [Fact]
    public async Task ServicesPage_Returns200WithModelledNote()
    {
        using var client = factory.CreateClient();

        var html = await client.GetStringAsync("/services", Ct);

        Assert.Contains("Modelled: kube-proxy v1.35, iptables mode (nf_tables backend)", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignalRClient_IsServedFromTheNpmPackage()
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/lib/signalr/signalr.min.js", Ct);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("HubConnectionBuilder", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LandingPage_WithKoreanCultureCookie_IsKorean()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", ".AspNetCore.Culture=c%3Dko%7Cuic%3Dko");

        using var response = await client.SendAsync(request, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("<html lang=\"ko\"", html, StringComparison.Ordinal);
        Assert.Contains("트래픽 경로: kube-proxy 모드 나란히 보기", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CultureSwitch_SetsCookieAndRedirectsLocally()
    {
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        using var response = await client.GetAsync("/culture/set?culture=ko&redirectUri=%2F%3Fx%3D1", Ct);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/?x=1", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(".AspNetCore.Culture=c%3Dko%7Cuic%3Dko", cookie, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task CultureSwitch_ForeignRedirect_GoesHome(string redirectUri)
    {
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        using var response = await client.GetAsync($"/culture/set?culture=en&redirectUri={Uri.EscapeDataString(redirectUri)}", Ct);

        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task CultureSwitch_UnknownCulture_Returns422()
    {
        using var client = factory.CreateClient(new() { AllowAutoRedirect = false });

        using var response = await client.GetAsync("/culture/set?culture=xx", Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
    }

    /// <summary>Adds, after the app's own pipeline, a path that throws: the app's exception handler must catch it.</summary>
    private sealed class ThrowingEndpointFilter : IStartupFilter
    {
        public const string Path = "/__test/throw";
        public const string Secret = "connection string: do-not-leak";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Run(context => context.Request.Path == Path
                ? throw new InvalidOperationException(Secret)
                : Task.CompletedTask);
        };
    }
}
