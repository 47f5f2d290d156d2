using Bunit;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

public sealed class LayoutTests : DashboardTestContext
{
    [Fact]
    public void LanguageSwitch_ClickKo_NavigatesToCultureEndpointWithReturnPath()
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        var languageSwitch = Render<LanguageSwitch>();

        languageSwitch.FindAll("button").Single(b => b.TextContent.Trim() == "KO").Click();

        Assert.EndsWith("/culture/set?culture=ko&redirectUri=%2F", navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void LanguageSwitch_CurrentLanguage_IsPressed()
    {
        UseCulture("ko");

        var languageSwitch = Render<LanguageSwitch>();

        var pressed = languageSwitch.FindAll("button[aria-pressed=true]");
        Assert.Equal("KO", Assert.Single(pressed).TextContent.Trim());
    }

    [Fact]
    public void ThemeSwitch_Click_TurnsDarkAndStoresPreference()
    {
        var themeModule = JSInterop.SetupModule("./js/theme.js");
        themeModule.SetupVoid("storeThemePreference", _ => true).SetVoidResult();
        var layout = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "body"))));

        layout.Find("button[aria-label='Switch to dark mode']").Click();

        layout.WaitForAssertion(() => Assert.NotNull(layout.Find("button[aria-label='Switch to light mode']")));
        var stored = Assert.Single(themeModule.Invocations, i => i.Identifier == "storeThemePreference");
        Assert.Equal(true, stored.Arguments[0]);
    }
}
