using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// One browser context per test (a fresh cookie jar, so language and theme start at their defaults) on the shared app,
/// and the steps every page test takes: open a page once Blazor's circuit owns it, take a screenshot.
/// </summary>
public abstract partial class PageTest(AppFixture app) : IClassFixture<AppFixture>, IAsyncLifetime
{
    private IBrowserContext? _context;
    private IPage? _page;

    protected AppFixture App => app;

    protected IPage Page => _page ?? throw new InvalidOperationException("no page");

    public async ValueTask InitializeAsync()
    {
        AppFixture.RequireChromium();
        _context = await app.Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 1100 },
            Locale = "en-US",
        });
        _page = await _context.NewPageAsync();
        _page.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(30_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens the page and waits until Blazor's circuit owns it: clicks before that would go nowhere.</summary>
    protected async Task OpenAsync(string path)
    {
        await Page.GotoAsync(path);
        await Assertions.Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
    }

    /// <summary>The whole page, or only the screen (<paramref name="fullPage"/> false) where fixed bars would land mid-page.</summary>
    protected async Task ScreenshotAsync(string name, bool fullPage = true)
    {
        // Park the mouse so no tooltip of the last click covers the picture. A whole page is taken from the top: taken
        // scrolled, it shows the fixed app bar where the scroll left it, over the heading.
        await Page.Mouse.MoveAsync(1, 300);
        if (fullPage)
        {
            await Page.EvaluateAsync("() => window.scrollTo(0, 0)");
        }
        await Page.WaitForTimeoutAsync(300);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppFixture.ScreenshotDirectory, name), FullPage = fullPage });
    }

    protected Task<string> BackgroundAsync() =>
        Page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");

    /// <summary>Relative luminance of a CSS rgb() colour, 0 (black) to 1 (white).</summary>
    protected static double Luminance(string cssColor)
    {
        var match = RgbPattern().Match(cssColor);
        Assert.True(match.Success, $"not an rgb() colour: {cssColor}");
        double Channel(int i) => double.Parse(match.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture) / 255;
        return (0.2126 * Channel(1)) + (0.7152 * Channel(2)) + (0.0722 * Channel(3));
    }

    [GeneratedRegex(@"rgba?\((\d+),\s*(\d+),\s*(\d+)")]
    private static partial Regex RgbPattern();
}
