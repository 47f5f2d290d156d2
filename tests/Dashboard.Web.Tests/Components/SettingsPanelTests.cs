using Bunit;
using Dashboard.Web.Api;
using Dashboard.Web.Components.Controls;
using Dashboard.Web.Model;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

public sealed class SettingsPanelTests : DashboardTestContext
{
    private readonly List<RoomSettings> _changes = [];

    private IRenderedComponent<SettingsPanel> RenderPanel(RoomSettings settings) =>
        Render<SettingsPanel>(p => p.Add(s => s.Settings, settings).Add(s => s.SettingsChanged, (RoomSettings s) => _changes.Add(s)));

    [Fact]
    public void SizeSlider_GeneratedCluster_ShowsTheSizeAndStepsOnALogScale()
    {
        var panel = RenderPanel(RoomSettings.Default with { GeneratedServices = 10_000 });

        Assert.Contains("Services: 10,000", panel.Markup, StringComparison.Ordinal);
        var sizes = SettingsPanel.SizeSteps;
        Assert.Equal(10, sizes[0]);
        Assert.Equal(50_000, sizes[^1]);
        // Each stop at most 2.5 times the one before: 10 and 50,000 are both reachable, and nothing in between is far.
        Assert.All(sizes.Zip(sizes.Skip(1)), pair => Assert.InRange((double)pair.Second / pair.First, 1.1, 2.5));
    }

    [Fact]
    public void ModeCheckboxes_TheLastModeCannotBeUnticked()
    {
        var panel = RenderPanel(RoomSettings.Default with { Modes = ["ipvs"] });

        var boxes = panel.FindAll("input[type=checkbox]");
        Assert.Equal(2, boxes.Count);
        Assert.True(boxes[1].HasAttribute("disabled"));
        Assert.False(boxes[0].HasAttribute("disabled"));
    }

    [Fact]
    public void ModeTicked_PanesKeepTheEnginesOrder()
    {
        var panel = RenderPanel(RoomSettings.Default with { Modes = ["ipvs"] });

        panel.FindAll("input[type=checkbox]")[0].Change(true);

        Assert.Equal(["iptables", "ipvs"], Assert.Single(_changes).Modes);
    }

    [Fact]
    public void ClientWeights_LastNonZeroSetToZero_IsRefusedAndSaysWhy()
    {
        var panel = RenderPanel(RoomSettings.Default with
        {
            Traffic = RoomSettings.Default.Traffic with { PodOnNodeWeight = 0, PodOnOtherNodeWeight = 0, ExternalWeight = 1 },
        });
        var external = panel.FindAll(".field-weight input")[2];

        external.Change("0");

        Assert.Empty(_changes);
        Assert.Contains("At least one placement needs a weight above 0", panel.Find("[role=alert]").TextContent, StringComparison.Ordinal);

        panel.FindAll(".field-weight input")[2].Change("2");

        Assert.Equal(2, Assert.Single(_changes).Traffic.ExternalWeight);
        Assert.Empty(panel.FindAll(".clients-refused"));
    }

    [Fact]
    public void Forwarding_DrOrTun_SaysKubeProxyOnlyUsesNat()
    {
        var panel = RenderPanel(RoomSettings.Default with { Forwarding = "dr" });

        Assert.Contains("kube-proxy itself only uses NAT", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_TypedForIpvs_ChangeTheSettings_ABadListIsRefusedAndSaysWhy_EmptyGoesBackToKubeProxys()
    {
        var panel = RenderPanel(RoomSettings.Default with { Scheduler = "wrr" });

        panel.Find(".field-weights input").Change("3, 1");
        Assert.Equal([3, 1], Assert.Single(_changes).Weights);

        panel.Find(".field-weights input").Change("3,heavy");
        Assert.Single(_changes);
        Assert.Contains("weight \"heavy\" is not a whole number from 0 to 65535", panel.Find(".field-weights").TextContent, StringComparison.Ordinal);

        panel.Find(".field-weights input").Change("");
        Assert.Null(_changes[^1].Weights);
        Assert.DoesNotContain("heavy", panel.Find(".field-weights").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Paste_BrokenObjects_AreRefusedHereNamingTheField_TheRoomKeepsWhatItRuns()
    {
        var panel = RenderPanel(RoomSettings.Default with { PastedObjects = "x" });

        panel.Find("textarea").Change(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: web, namespace: demo}\n  spec: {clusterIP: 10.96.0.20, ports: [{port: eighty}]}\n");
        panel.FindAll("button").First(b => b.TextContent.Contains("Simulate these objects", StringComparison.Ordinal)).Click();

        panel.WaitForAssertion(() => Assert.Contains("the simulation keeps running what it had", panel.Find("[role=alert]").TextContent, StringComparison.Ordinal));
        var alert = panel.Find("[role=alert]").TextContent;
        Assert.Contains("spec.ports[0].port: expected an integer", alert, StringComparison.Ordinal);
        Assert.Empty(_changes);
    }

    [Fact]
    public void Paste_ValidObjects_RestartTheRoomWithThem()
    {
        var panel = RenderPanel(RoomSettings.Default with { PastedObjects = "x" });
        var yaml = Simulation.Scenarios.ScenarioCatalog.GetYaml("small");

        panel.Find("textarea").Change(yaml);
        panel.FindAll("button").First(b => b.TextContent.Contains("Simulate these objects", StringComparison.Ordinal)).Click();

        panel.WaitForAssertion(() => Assert.Equal(yaml, Assert.Single(_changes).PastedObjects));
        Assert.Empty(panel.FindAll("[role=alert]"));
    }

    [Fact]
    public void Node_FieldRetyped_ChangesTheNode_ABadAddressIsRefusedWithTheAPIsWords()
    {
        var panel = RenderPanel(RoomSettings.Default);

        panel.FindAll(".field-node input")[1].Change("10.0.0.300");
        Assert.Empty(_changes);
        Assert.Contains("nodeIP \"10.0.0.300\" is not an IPv4 address (e.g. 192.168.1.10)", panel.Find("fieldset.node").TextContent, StringComparison.Ordinal);

        panel.FindAll(".field-node input")[3].Change("10.100.0.0/16");
        var node = Assert.Single(_changes).Node;
        Assert.Equal("10.100.0.0/16", node.ClusterCidr.ToString());
        Assert.Equal(Simulation.Kubernetes.NodeSettings.Default.Ip, node.Ip);
    }

    [Fact]
    public void Paste_ObjectsOverTheLimit_AreRefusedWithTheLimitNamed()
    {
        var panel = RenderPanel(RoomSettings.Default with { PastedObjects = "x" });
        var big = new string('a', (int)ApiLimits.MaxPastedObjectsBytes + 1);

        panel.Find("textarea").Change(big);
        panel.FindAll("button").First(b => b.TextContent.Contains("Simulate these objects", StringComparison.Ordinal)).Click();

        Assert.Contains("over 8 MiB", panel.Find("[role=alert]").TextContent, StringComparison.Ordinal);
        Assert.Empty(_changes);
    }

    [Fact]
    public void Paste_Objects_BecomeTheRoomsCluster()
    {
        const string yaml = "apiVersion: v1\nkind: List\nitems: []\n";
        var panel = RenderPanel(RoomSettings.Default with { PastedObjects = "" });

        panel.Find("textarea").Change(yaml);
        panel.FindAll("button").First(b => b.TextContent.Contains("Simulate these objects", StringComparison.Ordinal)).Click();

        panel.WaitForState(() => _changes.Count > 0);
        var change = Assert.Single(_changes);
        Assert.Equal(yaml, change.PastedObjects);
        Assert.Equal(0, change.GeneratedServices);
        Assert.Equal("?scenario=pasted", CompareQuery.Format(new CompareQuery.View(change, false)));
    }
}

public sealed class PathLegendTests : DashboardTestContext
{
    [Fact]
    public void Render_ExplainsEveryShapeAndModeColourInWords()
    {
        var legend = Render<PathLegend>();

        var items = legend.FindAll(".legend-list li").Select(li => li.TextContent.Trim()).ToList();
        Assert.Contains(items, t => t.StartsWith("request packet", StringComparison.Ordinal));
        Assert.Contains(items, t => t.StartsWith("reply packet (hollow)", StringComparison.Ordinal));
        Assert.Contains(items, t => t.Contains("dashed", StringComparison.Ordinal));
        Assert.Contains(items, t => t.StartsWith("TUN", StringComparison.Ordinal));
        Assert.Contains(items, t => t.StartsWith("DR", StringComparison.Ordinal));
        Assert.Equal(["iptables", "IPVS", "nftables"], legend.FindAll(".legend-modes li").Select(li => li.TextContent.Trim()));
        Assert.Contains("modelled", legend.Markup, StringComparison.Ordinal);
    }
}
