using Bunit;
using Dashboard.Web.Components.Controls;

namespace Dashboard.Web.Tests.Components;

public sealed class ShortcutsHelpTests : DashboardTestContext
{
    [Fact]
    public void Render_ListsEveryShortcut_CloseCallsBack()
    {
        var closed = 0;
        var help = Render<ShortcutsHelp>(p => p.Add(h => h.OnClose, () => closed++));

        var keys = help.FindAll(".shortcut-list dt").Select(dt => dt.TextContent.Trim()).ToList();
        Assert.Equal(["Space", "→", "Shift + →", "?", "Esc"], keys);
        Assert.Equal(5, help.FindAll(".shortcut-list dd").Count(dd => dd.TextContent.Trim().Length > 0));

        help.Find("button[aria-label=Close]").Click();

        help.WaitForAssertion(() => Assert.Equal(1, closed));
    }

    [Fact]
    public void Korean_DescriptionsTranslated_KeysKept()
    {
        UseCulture("ko");
        var help = Render<ShortcutsHelp>();

        Assert.Contains("Space", help.Find(".shortcut-list").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("play or pause", help.Markup, StringComparison.Ordinal);
    }
}
