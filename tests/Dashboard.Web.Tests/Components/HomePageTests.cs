using Bunit;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Components.Pages;
using Dashboard.Simulation.Netfilter;
using Dashboard.Web.Model;

namespace Dashboard.Web.Tests.Components;

public sealed class HomePageTests : DashboardTestContext
{
    [Fact]
    public void Render_Always_ShowsModelledNote()
    {
        var page = Render<Home>();

        Assert.Contains("Modelled: kube-proxy v1.35, iptables mode (nf_tables backend)", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DefaultScenario_ListsServicesAndRules()
    {
        var page = Render<Home>();

        page.WaitForAssertion(
            () =>
            {
                Assert.Empty(page.FindAll("[role=alert]"));
                var table = page.Find("table[aria-label='Services of the scenario']");
                Assert.Contains("demo/web", table.TextContent, StringComparison.Ordinal);
                Assert.Contains("10.96.0.20", table.TextContent, StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(10));
        var rules = page.FindComponent<RulesText>().Instance.Listing.Lines;
        Assert.Contains(rules, line => line.Text.StartsWith("-A KUBE-SERVICES", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(1, rules.Count), rules.Select(line => line.Number));
        // nat's KUBE-SERVICES, the rules every new connection walks, is tinted; the chain declarations are set apart.
        Assert.NotEmpty(page.FindAll(".rule-services"));
        Assert.All(page.FindAll(".rule-services"), l => Assert.Contains("-A KUBE-SERVICES ", l.TextContent, StringComparison.Ordinal));
        Assert.Contains(page.FindAll(".rule-chain"), l => l.TextContent.EndsWith(":KUBE-SERVICES - [0:0]", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_Korean_UsesKoreanStrings()
    {
        UseCulture("ko");

        var page = Render<Home>();

        Assert.Contains("모델: kube-proxy v1.35, iptables 모드 (nf_tables 백엔드)", page.Markup, StringComparison.Ordinal);
        Assert.Contains("서비스와 iptables 규칙", page.Find("h1").TextContent, StringComparison.Ordinal);
    }
}

public sealed class ServicesTableTests : DashboardTestContext
{
    private static readonly ServiceRow[] Rows =
    [
        new("kube-system", "kube-dns", "ClusterIP", "10.96.0.10", "53/UDP, 53/TCP", 2),
        new("demo", "shop", "NodePort", "10.96.0.30", "80:30080/TCP", 3),
    ];

    [Fact]
    public void Render_Rows_ShowsEveryColumn()
    {
        var table = Render<ServicesTable>(p => p.Add(t => t.Services, Rows));

        var cells = table.FindAll("tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        Assert.Equal(["kube-system/kube-dns", "ClusterIP", "10.96.0.10", "53/UDP, 53/TCP", "2"], cells[0]);
        Assert.Equal(["demo/shop", "NodePort", "10.96.0.30", "80:30080/TCP", "3"], cells[1]);
    }

    [Fact]
    public void Render_Korean_TranslatesHeadersButNotClusterIp()
    {
        UseCulture("ko");

        var table = Render<ServicesTable>(p => p.Add(t => t.Services, Rows));

        var headers = table.FindAll("thead th").Select(h => h.TextContent.Trim()).ToList();
        Assert.Equal(["네임스페이스/이름", "유형", "ClusterIP", "포트", "엔드포인트"], headers);
    }
}

public sealed class RulesTextTests : DashboardTestContext
{
    [Fact]
    public void Render_ManyLines_RendersOnlyAWindow()
    {
        var ruleset = new Ruleset();
        var chain = ruleset.GetOrAdd("nat").Add(new Chain("KUBE-SERVICES", null));
        for (var i = 0; i < 300_000; i++)
        {
            chain.Append(new Rule { Target = new VerdictTarget(Verdict.Return) });
        }

        var text = Render<RulesText>(p => p.Add(t => t.Listing, IptablesSaveWriter.Listing(ruleset)));

        Assert.True(text.FindAll(".rule-line").Count < 1_000);
        Assert.NotNull(text.Find("[role=region][aria-label='iptables-save output']"));
    }
}
