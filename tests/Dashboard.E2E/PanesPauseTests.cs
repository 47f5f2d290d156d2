using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// What a learner does with a paused screen (issue 14, items 7 and 8): the packets hold still where they are, each
/// can be clicked on its pane or picked from the list under the panes, and a pane squeezed to a sliver by a resize
/// after play, pause and step still draws when it grows back.
/// </summary>
public sealed partial class PanesPauseTests(AppFixture app) : PageTest(app)
{
    private const string OnScreen = "() => globalThis.dashboardAnimation.packetsOnScreen()";

    private async Task PlayThenPauseAsync()
    {
        await OpenAsync("/");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation && globalThis.dashboardAnimation.stats().onScreen >= 5");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync($"() => globalThis.dashboardAnimation.stats().paused && ({OnScreen})().length > 0");
    }

    /// <summary>Waits until the panes have drawn this many more frames.</summary>
    private async Task FramesPassAsync(int frames)
    {
        var now = await Page.EvaluateAsync<int>("() => globalThis.dashboardAnimation.stats().frames");
        await Page.WaitForFunctionAsync($"() => globalThis.dashboardAnimation.stats().frames >= {now + frames}");
    }

    [Fact]
    public async Task Pause_PacketsHoldStill_AndAPacketClickedOnItsPaneOpensInTheInspector()
    {
        await PlayThenPauseAsync();

        var before = (await Page.EvaluateAsync<JsonElement>(OnScreen)).GetRawText();
        await FramesPassAsync(60);
        var after = (await Page.EvaluateAsync<JsonElement>(OnScreen)).GetRawText();
        Assert.Equal(before, after);

        // The packet farthest from its neighbours on its pane: the click lands on it, and a click picks the nearest packet.
        var (id, lane, x, y) = Loneliest(JsonDocument.Parse(after).RootElement);
        var canvas = Page.Locator(".pane-canvas canvas").Nth(lane);
        await canvas.ClickAsync(new() { Position = new() { X = (float)x, Y = (float)y } });

        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync($"Packet {id} ");
    }

    [Fact]
    public async Task Pause_EveryPacketOnScreenIsListed_AndOnePickedByKeyboardOpensInTheInspector()
    {
        await PlayThenPauseAsync();
        var packets = (await Page.EvaluateAsync<JsonElement>(OnScreen)).EnumerateArray().ToList();

        var list = Page.GetByRole(AriaRole.Navigation, new() { Name = $"Packets on screen ({packets.Count})" });
        await Assertions.Expect(list.GetByRole(AriaRole.Button)).ToHaveCountAsync(packets.Count);
        var last = packets[^1];
        var id = last.GetProperty("id").GetInt64();
        var pick = list.GetByRole(AriaRole.Button, new() { NameRegex = new Regex($"^Packet {id} · ") });
        await Assertions.Expect(pick).ToContainTextAsync($"{last.GetProperty("src").GetString()} → {last.GetProperty("dst").GetString()}");
        await pick.FocusAsync();
        await Page.Keyboard.PressAsync("Enter");

        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync($"Packet {id} ");
        await Assertions.Expect(pick).ToHaveAttributeAsync("aria-pressed", "true");
        await ScreenshotAsync("compare-paused.png");

        // Playing again, the packets move on and the list goes.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        await Assertions.Expect(list).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Resize_ToASliverAfterPlayPauseAndStep_ThePanesDrawAgainWhenTheyGrowBack()
    {
        await PlayThenPauseAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Step hop", Exact = true }).ClickAsync();
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("Packet ");

        // Narrower than a pane's padding: the station boxes would have negative widths without the clamps.
        await Page.SetViewportSizeAsync(40, 500);
        await FramesPassAsync(10);
        await Page.SetViewportSizeAsync(1600, 900);

        // Every pane's canvas has its new size and has drawn on it (a resized canvas is transparent until drawn).
        await Page.WaitForFunctionAsync("""
            () => [...document.querySelectorAll('.pane-canvas canvas')].every(c => {
                const wide = Math.round(c.getBoundingClientRect().width * Math.min(3, devicePixelRatio || 1));
                return c.width === wide && c.width > 300 && c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data[3] === 255;
            })
            """);
        Assert.Equal(0, await Page.EvaluateAsync<int>("() => globalThis.dashboardAnimation.stats().drawingFailures"));
        await ScreenshotAsync("compare-after-resize.png", fullPage: false);
    }

    private static (long Id, int Lane, double X, double Y) Loneliest(JsonElement packets)
    {
        var placed = packets.EnumerateArray()
            .SelectMany(p => p.GetProperty("panes").EnumerateArray().Select(at => (
                Id: p.GetProperty("id").GetInt64(), Lane: at.GetProperty("lane").GetInt32(),
                X: at.GetProperty("x").GetDouble(), Y: at.GetProperty("y").GetDouble())))
            .ToList();
        double Nearest((long Id, int Lane, double X, double Y) p) => placed
            .Where(q => q.Id != p.Id && q.Lane == p.Lane)
            .Select(q => Math.Sqrt(Math.Pow(q.X - p.X, 2) + Math.Pow(q.Y - p.Y, 2)))
            .DefaultIfEmpty(double.PositiveInfinity).Min();
        var loneliest = placed.MaxBy(Nearest);
        // A click lands on a whole pixel: a neighbour closer than 2 px could be nearer to it than the packet.
        Assert.True(Nearest(loneliest) > 2, $"every packet on screen has another within 2 px: {packets.GetRawText()}");
        return loneliest;
    }
}
