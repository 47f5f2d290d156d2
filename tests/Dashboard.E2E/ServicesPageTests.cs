using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

public sealed class ServicesPageTests(AppFixture app) : PageTest(app)
{
    private Task OpenAsync() => OpenAsync("/services");

    [Fact]
    public async Task Open_DefaultScenario_ShowsServicesTableAndRules()
    {
        await OpenAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Services and iptables rules", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Page.GetByText("Modelled: kube-proxy v1.35, iptables mode (nf_tables backend)")).ToBeVisibleAsync();
        var table = Page.GetByRole(AriaRole.Table, new() { Name = "Services of the scenario" });
        await Assertions.Expect(table).ToBeVisibleAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Columnheader, new() { Name = "ClusterIP" })).ToBeVisibleAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Cell, new() { Name = "demo/web" })).ToBeVisibleAsync();
        var rules = Page.GetByRole(AriaRole.Region, new() { Name = "iptables-save output" });
        await Assertions.Expect(rules).ToBeVisibleAsync();
        await Assertions.Expect(rules).ToContainTextAsync("-A KUBE-SERVICES");

        await ScreenshotAsync("services-en.png");
    }

    [Fact]
    public async Task SwitchToKorean_TranslatesLabelsAndKeepsTechnicalNames()
    {
        await OpenAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "KO", Exact = true }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "서비스와 iptables 규칙", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "ko");
        await Assertions.Expect(Page.GetByText("모델: kube-proxy v1.35, iptables 모드 (nf_tables 백엔드)")).ToBeVisibleAsync();
        var table = Page.GetByRole(AriaRole.Table, new() { Name = "시나리오의 서비스" });
        await Assertions.Expect(table.GetByRole(AriaRole.Columnheader, new() { Name = "엔드포인트" })).ToBeVisibleAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Columnheader, new() { Name = "ClusterIP" })).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);
        await ScreenshotAsync("services-ko.png");

        // And back: the EN button works from the Korean page too.
        await Page.GetByRole(AriaRole.Button, new() { Name = "EN", Exact = true }).ClickAsync();
        await Assertions.Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }

    [Fact]
    public async Task SwitchToDarkMode_DarkensThePageAndSurvivesReload()
    {
        await OpenAsync();
        var before = await BackgroundAsync();

        await Page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark mode" }).ClickAsync();

        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();
        await Page.WaitForFunctionAsync("() => document.cookie.includes('dashboard.theme=dark')");
        var after = await BackgroundAsync();
        Assert.True(Luminance(after) < Luminance(before), $"background {before} -> {after}");
        Assert.True(Luminance(after) < 0.25, $"dark background expected, got {after}");
        await ScreenshotAsync("services-dark.png");

        await OpenAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task GenerateFiftyThousandServices_RulesScrollToTheEnd()
    {
        await OpenAsync();

        await Page.Locator(".scenario-select").ClickAsync();
        await Page.GetByText("Generated cluster", new() { Exact = true }).ClickAsync();
        var services = Page.GetByLabel("Services", new() { Exact = true });
        await services.FillAsync("50000");
        await services.PressAsync("Tab");
        var endpoints = Page.GetByLabel("Endpoints per service", new() { Exact = true });
        await endpoints.FillAsync("1");
        await endpoints.PressAsync("Tab");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Generate", Exact = true }).ClickAsync();

        await Assertions.Expect(Page.GetByText(new Regex("^50,000 services, 50,000 ready endpoints"))).ToBeVisibleAsync(new() { Timeout = 180_000 });
        var table = Page.GetByRole(AriaRole.Table, new() { Name = "Services of the scenario" });
        await Assertions.Expect(table).ToContainTextAsync("bench/");
        await Assertions.Expect(Page.Locator(".mud-table-pagination")).ToContainTextAsync(new Regex(@"1-25 of 50,?000"));
        var rules = Page.GetByRole(AriaRole.Region, new() { Name = "iptables-save output" });
        await rules.EvaluateAsync("el => el.scrollTop = el.scrollHeight");
        await Assertions.Expect(rules.Locator(".rule-line").Last).ToHaveTextAsync(new Regex("COMMIT$"));
        Assert.InRange(await rules.Locator(".rule-line").CountAsync(), 1, 1_000);
        await ScreenshotAsync("services-50k.png");
    }
}
