using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>The compare page in a real Chromium against the real app: its room, hub, animation module and Blazor circuit.</summary>
public sealed class ComparePageTests(AppFixture app) : PageTest(app)
{
    private ILocator Pane(string title) => Page.GetByRole(AriaRole.Region, new() { Name = $"{title} pane", Exact = true });

    private Task<JsonElement> StatsAsync() => Page.EvaluateAsync<JsonElement>("() => globalThis.dashboardAnimation.stats()");

    [Fact]
    public async Task Play_SmallScenarioInEveryMode_PacketsMoveInEveryPane()
    {
        await OpenAsync("/");
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Traffic paths: kube-proxy modes side by side", Level = 1 })).ToBeVisibleAsync();
        var panes = new[] { Pane("iptables"), Pane("IPVS (rr, NAT)") };
        foreach (var pane in panes)
        {
            await Assertions.Expect(pane).ToBeVisibleAsync();
        }

        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();

        await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation && globalThis.dashboardAnimation.stats().drawn >= 10");
        foreach (var pane in panes)
        {
            var canvas = pane.Locator("canvas");
            var before = await canvas.ScreenshotAsync();
            await Page.WaitForTimeoutAsync(400);
            var after = await canvas.ScreenshotAsync();
            Assert.False(before.AsSpan().SequenceEqual(after), "the pane's canvas did not change while playing");
        }
        // The counters under the panes count what the engine did, drawn or not.
        await Assertions.Expect(panes[0]).ToContainTextAsync(new Regex(@"new connections\s*[1-9]"));
        await Assertions.Expect(panes[1]).ToContainTextAsync(new Regex(@"IPVS connections\s*[0-9]"));

        await Page.WaitForTimeoutAsync(1_500);
        await ScreenshotAsync("compare-en.png");
        File.Copy(Path.Combine(AppFixture.ScreenshotDirectory, "compare-en.png"), Path.Combine(Directory.CreateDirectory(Path.Combine(AppFixture.RepositoryRoot(), "docs")).FullName, "screenshot.png"), overwrite: true);
    }

    [Fact]
    public async Task StepHop_ToTheServicesWalk_InspectorShowsTheRuleAndTheRulesViewFindsIt()
    {
        await OpenAsync("/?udp=0&clients=1,0,0");
        var stepHop = Page.GetByRole(AriaRole.Button, new() { Name = "Step hop", Exact = true });
        await Assertions.Expect(stepHop).ToBeEnabledAsync();

        // PREROUTING, conntrack's miss, the jump to KUBE-SERVICES, then the walk of KUBE-SERVICES.
        for (var i = 0; i < 4; i++)
        {
            await stepHop.ClickAsync();
        }

        var iptables = Page.GetByRole(AriaRole.Region, new() { Name = "iptables", Exact = true });
        await Assertions.Expect(iptables.Locator(".hop-current")).ToContainTextAsync("nat KUBE-SERVICES: rules 1-");
        await Assertions.Expect(iptables.Locator(".hop-current")).ToContainTextAsync("rules walked");
        await ScreenshotAsync("compare-step-hop.png");

        var dnat = iptables.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("-j DNAT --to-destination") });
        var ruleText = Regex.Match(await dnat.InnerTextAsync(), @"-A KUBE-SEP-\S+ .*-j DNAT --to-destination \S+").Value;
        await dnat.ClickAsync();

        var rules = Page.GetByRole(AriaRole.Region, new() { Name = "iptables-save output" });
        await Assertions.Expect(rules.Locator(".rule-target")).ToContainTextAsync(ruleText);
        await ScreenshotAsync("compare-rule-target.png");
    }

    [Fact]
    public async Task Space_AfterClickingStepHop_PlaysAndPauses()
    {
        await OpenAsync("/");
        var stepHop = Page.GetByRole(AriaRole.Button, new() { Name = "Step hop", Exact = true });
        await Assertions.Expect(stepHop).ToBeEnabledAsync();
        await stepHop.ClickAsync();
        await Assertions.Expect(stepHop).ToBeFocusedAsync();

        // Clicked with the mouse, the button does not keep Space: the shortcut plays, then pauses.
        await Page.Keyboard.PressAsync("Space");
        await Assertions.Expect(Page.Locator(".status-playing")).ToBeVisibleAsync();
        await Page.Keyboard.PressAsync("Space");
        await Assertions.Expect(Page.Locator(".status-paused")).ToBeVisibleAsync();

        // Reached with the keyboard, a button keeps Space: it presses the button (here, a step) and does not play.
        await Page.Keyboard.PressAsync("Shift+Tab");
        await Page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(stepHop).ToBeFocusedAsync();
        var status = Page.Locator(".run-status");
        var before = await status.InnerTextAsync();
        await Page.Keyboard.PressAsync("Space");
        await Assertions.Expect(status).Not.ToHaveTextAsync(before);
        await Assertions.Expect(Page.Locator(".status-paused")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task SlowMotion_BelowOneTimes_PacketsTakeLongerOnScreenAndThePaneSaysSo()
    {
        async Task<double> LifetimeAsync(string url)
        {
            await OpenAsync(url);
            await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
            // lifeMs averages the packets drawn (each weighs a tenth): after 30 the starting guess weighs under 5%.
            await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation && globalThis.dashboardAnimation.stats().drawn >= 30");
            return await Page.EvaluateAsync<double>("() => globalThis.dashboardAnimation.stats().lifeMs");
        }

        var normal = await LifetimeAsync("/?rate=50");
        await Assertions.Expect(Page.GetByText("slow motion")).ToHaveCountAsync(0);
        var slow = await LifetimeAsync("/?rate=50&speed=0.1");

        await Assertions.Expect(Page.GetByText("slow motion: packets move 8× slower").First).ToBeVisibleAsync();
        Assert.True(slow > normal * 4, $"a packet's time on screen: {slow} ms at 0.1x, {normal} ms at 1x");
    }

    [Fact]
    public async Task Phone_SettingsFoldAway_TabsAreADrawerAtTheBottom()
    {
        await Page.SetViewportSizeAsync(390, 844);
        await OpenAsync("/");
        var seed = Page.GetByLabel("Seed");
        var tabs = Page.Locator(".compare-tabs");
        var panel = tabs.Locator(".mud-tabs-panels");

        // The run controls and the panes come first; the settings unfold on request.
        await Assertions.Expect(seed).ToBeHiddenAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true })).ToBeInViewportAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Scenario and traffic" }).ClickAsync();
        await Assertions.Expect(seed).ToBeVisibleAsync();

        // The tab bar stays at the bottom of the screen, its panel closed until a tab is tapped.
        var bar = await tabs.BoundingBoxAsync();
        Assert.NotNull(bar);
        Assert.InRange(bar.Y + bar.Height, 843, 845);
        await Assertions.Expect(panel).ToBeHiddenAsync();
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Inspector" }).ClickAsync();
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await Assertions.Expect(panel).ToContainTextAsync("Click a packet");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation && globalThis.dashboardAnimation.stats().drawn >= 5");
        await ScreenshotAsync("compare-phone.png", fullPage: false);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Hide the panel" }).ClickAsync();
        await Assertions.Expect(panel).ToBeHiddenAsync();
    }

    [Theory]
    [InlineData("en")]
    [InlineData("ko")]
    public async Task Phone_NavLinksClearTheSwitches_PanesStartInTheFirstHalf_CounterLabelsWhole(string culture)
    {
        await Page.SetViewportSizeAsync(390, 844);
        await Page.GotoAsync($"/culture/set?culture={culture}&redirectUri=%2F%3Ffwd%3Ddr");
        await Assertions.Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator("section.pane")).ToHaveCountAsync(2);
        // DR leaves services out of the traffic: their warnings fold into one line instead of pushing the panes down.
        await Assertions.Expect(Page.Locator(".room-warnings summary")).ToBeVisibleAsync();

        var bar = await Page.EvaluateAsync<double[]>("""
            () => {
                const nav = document.querySelector('.app-nav');
                const links = [...nav.querySelectorAll('a')].map(a => a.getBoundingClientRect());
                const language = document.querySelector('.language-switch').getBoundingClientRect();
                return [Math.max(...links.map(l => l.right)), language.left, nav.scrollWidth - nav.clientWidth,
                        Math.min(...links.map(l => l.width))];
            }
            """);
        Assert.True(bar[0] <= bar[1], $"the last page link ends at {bar[0]} px, under the language switch at {bar[1]} px");
        Assert.Equal(0, bar[2]);
        Assert.True(bar[3] > 30, $"a page link is {bar[3]} px wide");

        var paneTop = await Page.EvaluateAsync<double>("() => document.querySelector('section.pane').getBoundingClientRect().top");
        Assert.True(paneTop < 844 / 2, $"the first pane starts {paneTop} px down an 844 px screen");

        var cut = await Page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.pane-counters dt')].filter(dt => dt.scrollWidth > dt.clientWidth).map(dt => dt.textContent)");
        Assert.Empty(cut);
    }

    [Theory]
    [InlineData(1600, 900, "/")]
    [InlineData(1920, 1080, "/?projector=1")]
    public async Task RulesWalkedAndFirstPacket_HeadEachPane_OnTheFirstScreen(int width, int height, string url)
    {
        await Page.SetViewportSizeAsync(width, height);
        await OpenAsync(url);
        await Assertions.Expect(Page.Locator(".pane-story")).ToHaveCountAsync(2);

        var stories = await Page.EvaluateAsync<double[][]>("""
            () => [...document.querySelectorAll('.pane-story')].map(d => {
                const r = d.getBoundingClientRect();
                return [r.top, r.bottom, parseFloat(getComputedStyle(d.querySelector('dd')).fontSize), d.querySelectorAll('dd').length];
            })
            """);
        Assert.All(stories, s =>
        {
            Assert.True(s[0] >= 0 && s[1] <= height, $"the counters span {s[0]}-{s[1]} px of a {height} px screen");
            Assert.True(s[2] >= 16, $"their numbers are {s[2]} px");
            Assert.Equal(2, s[3]);
        });
    }

    [Fact]
    public async Task Escape_ClosesTheShortcutsHelp()
    {
        await OpenAsync("/");
        // The run controls are enabled once the page's module has registered the shortcuts.
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true })).ToBeEnabledAsync();
        await Page.Keyboard.PressAsync("Shift+?");
        await Assertions.Expect(Page.Locator(".shortcuts-help")).ToBeVisibleAsync();

        await Page.Keyboard.PressAsync("Escape");

        await Assertions.Expect(Page.Locator(".shortcuts-help")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SwitchToKorean_TranslatesThePageAndKeepsChainNames()
    {
        // A speed set on the page after it opened (a speed does not restart the room) and a selected packet: the
        // switch, a reload in the other language, must come back to both.
        await OpenAsync("/?seed=3");
        await Page.Locator(".speed input[type=range]").PressAsync("ArrowRight");
        await Page.WaitForFunctionAsync("() => location.search.includes('speed=2')");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Step packet", Exact = true }).ClickAsync();
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("Packet 1 ");

        await Page.GetByRole(AriaRole.Button, new() { Name = "KO", Exact = true }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "트래픽 경로: kube-proxy 모드 나란히 보기", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("패킷 1 ");
        await Assertions.Expect(Page.GetByLabel("시드")).ToHaveValueAsync("3");
        await Assertions.Expect(Page.GetByText("가상 시간 속도: 2×")).ToBeVisibleAsync();
        // The engine's own words are Korean too: packet 1 opens a connection, so conntrack misses and rr says why it picked.
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("없음 (miss)");
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync(new Regex("rr: .*(목록에서 처음으로|다음 ->)"));
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "재생", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Region, new() { Name = "iptables 창", Exact = true })).ToContainTextAsync("규칙 순차 검사");
        await Page.GetByRole(AriaRole.Button, new() { Name = "홉 한 단계", Exact = true }).ClickAsync();
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("PREROUTING");
        await ScreenshotAsync("compare-ko.png");
    }

    [Fact]
    public async Task SwitchToDarkMode_DarkensPageAndCanvas()
    {
        await OpenAsync("/");
        var before = await BackgroundAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark mode" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();
        var after = await BackgroundAsync();
        Assert.True(Luminance(after) < Luminance(before), $"background {before} -> {after}");
        // The animation redraws its static layout in the dark palette: the canvas's background is dark too.
        await Page.WaitForFunctionAsync("""
            () => {
                const c = document.querySelector('.pane-canvas canvas');
                if (!c) return false;
                const [r, g, b] = c.getContext('2d').getImageData(Math.round(c.width * 0.04), Math.round(c.height / 2), 1, 1).data;
                return 0.2126 * r + 0.7152 * g + 0.0722 * b < 80;
            }
            """);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation.stats().drawn >= 5");
        await ScreenshotAsync("compare-dark.png");
    }

    [Fact]
    public async Task ProjectorMode_EnlargesTypeAndIsKeptInTheUrl()
    {
        await OpenAsync("/");

        await Page.GetByLabel("Projector mode").CheckAsync();

        await Page.WaitForFunctionAsync("() => getComputedStyle(document.documentElement).fontSize === '22px'");
        await Page.WaitForFunctionAsync("() => location.search.includes('projector=1')");
        // Not only MudBlazor's rem-sized text: the app bar's links, the tabs and the status line grow too.
        var small = await Page.EvaluateAsync<string[]>("""
            () => ['.app-nav a', '.mud-tab', '.run-status span']
                .map(s => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)])
                .filter(([, size]) => size < 20).map(([s, size]) => `${s}: ${size}px`)
            """);
        Assert.Empty(small);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Play", Exact = true }).ClickAsync();
        await Page.WaitForFunctionAsync("() => globalThis.dashboardAnimation.stats().drawn >= 5");
        await ScreenshotAsync("compare-projector.png");

        // On a 1080p projector the class sees the run controls, both panes and their counters on one screen: the
        // settings fold behind their button.
        await Page.SetViewportSizeAsync(1920, 1080);
        await Page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await Assertions.Expect(Page.GetByLabel("Seed")).ToBeHiddenAsync();
        foreach (var counters in await Page.Locator(".pane-counters").AllAsync())
        {
            var box = await counters.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.Y + box.Height <= 1080, $"the counters end at {box.Y + box.Height} px, below a 1080 px screen");
        }
        await ScreenshotAsync("compare-projector-1080p.png", fullPage: false);
    }

    [Fact]
    public async Task Url_WithSettings_RestoresTheViewAndFollowsChanges()
    {
        await OpenAsync("/?modes=ipvs&scheduler=lc&fwd=tun&seed=5&speed=10");

        await Assertions.Expect(Pane("IPVS (lc, TUN)")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("section.pane")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.GetByText("Speed of virtual time: 10×")).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByLabel("Seed")).ToHaveValueAsync("5");

        var seed = Page.GetByLabel("Seed");
        await seed.FillAsync("9");
        await seed.PressAsync("Tab");

        // The page rewrites its URL in place (history.replaceState): there is no navigation to wait for, only the URL.
        await Page.WaitForFunctionAsync("() => location.search.includes('seed=9')");
        Assert.Contains("scheduler=lc", Page.Url, StringComparison.Ordinal);
        Assert.Contains("fwd=tun", Page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_TraceAsJsonAndPaneAsPng_DownloadWhatTheInspectorShows()
    {
        await OpenAsync("/");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Step packet", Exact = true }).ClickAsync();
        await Assertions.Expect(Page.Locator(".packet-inspector")).ToContainTextAsync("Packet 1");

        var download = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Button, new() { Name = "Export trace as JSON" }).ClickAsync());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync(), TestContext.Current.CancellationToken));
        Assert.Equal(1, json.RootElement.GetProperty("packet").GetInt64());
        var lanes = json.RootElement.GetProperty("lanes");
        Assert.Equal(2, lanes.GetArrayLength());
        Assert.Equal("PREROUTING", lanes[0].GetProperty("trace").GetProperty("trace")[0].GetProperty("chain").GetString());

        var png = await Page.RunAndWaitForDownloadAsync(() => Page.GetByRole(AriaRole.Button, new() { Name = "Save the iptables pane as PNG" }).ClickAsync());
        var bytes = await File.ReadAllBytesAsync(await png.PathAsync(), TestContext.Current.CancellationToken);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.EndsWith(".png", png.SuggestedFilename, StringComparison.Ordinal);
    }
}
