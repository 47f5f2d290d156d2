using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// One browser cannot take every room: a server of its own (so the rooms this test opens do not count against the
/// other tests' share of 127.0.0.1), three rooms per client, and real tabs in Chromium.
/// </summary>
public sealed class RoomLimitTests(AppFixture app) : IClassFixture<AppFixture>, IAsyncLifetime
{
    private const int PerClient = 3;

    private WebApplicationFactory<Program>? _factory;
    private IBrowserContext? _context;

    public async ValueTask InitializeAsync()
    {
        AppFixture.RequireChromium();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            builder.UseSetting("Limits:RoomsPerClient", PerClient.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal));
        _context = await app.Browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = address });
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }
    }

    [Fact]
    public async Task Tabs_PastTheClientsShare_TheNextTabSaysWhy_AndAClosedTabGivesItsRoomBack()
    {
        var tabs = new List<IPage>();
        for (var i = 0; i < PerClient; i++)
        {
            var tab = await _context!.NewPageAsync();
            await tab.GotoAsync("/");
            await Assertions.Expect(tab.GetByRole(AriaRole.Button, new() { Name = "Play" })).ToBeEnabledAsync(new() { Timeout = 30_000 });
            tabs.Add(tab);
        }

        var refused = await _context!.NewPageAsync();
        await refused.GotoAsync("/");
        await Assertions.Expect(refused.GetByRole(AriaRole.Alert)).ToContainTextAsync(
            $"this address (127.0.0.1) already has {PerClient} simulations open", new() { Timeout = 30_000 });

        // Closing a tab ends its circuit (the page's beacon), which closes its room: a reload now gets one.
        await tabs[0].CloseAsync(new() { RunBeforeUnload = true });
        var play = refused.GetByRole(AriaRole.Button, new() { Name = "Play" });
        var deadline = DateTime.UtcNow.AddSeconds(45);
        do
        {
            await refused.ReloadAsync();
            await Assertions.Expect(play.Or(refused.GetByRole(AriaRole.Alert))).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        while (!await play.IsVisibleAsync() && DateTime.UtcNow < deadline);
        await Assertions.Expect(play).ToBeEnabledAsync(new() { Timeout = 30_000 });
    }
}
