using Dashboard.Simulation.Kubernetes;
using Dashboard.Web.Api;

namespace Dashboard.Web.Tests.Api;

public sealed class ApiHelpersTests
{
    [Theory]
    [InlineData("$", "")]
    [InlineData(null, "")]
    [InlineData("$.mode", "/mode")]
    [InlineData("$.packets[0].sport", "/packets/0/sport")]
    [InlineData("$.packets[12]", "/packets/12")]
    [InlineData("$['a/b'].c", "/a~1b/c")]
    [InlineData("$['x~y']", "/x~0y")]
    public void ToPointer_JsonPath_ReturnsJsonPointer(string? path, string expected) =>
        Assert.Equal(expected, ApiJson.ToPointer(path));

    [Theory]
    [InlineData("application/yaml", InputFormat.Yaml)]
    [InlineData("APPLICATION/X-YAML", InputFormat.Yaml)]
    [InlineData("text/yaml; charset=utf-8", InputFormat.Yaml)]
    [InlineData("application/json; charset=UTF-8", InputFormat.Json)]
    [InlineData("text/plain", null)]
    [InlineData("application/json; charset=utf-16", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void DetectFormat_ContentType_ReturnsFormat(string? contentType, InputFormat? expected) =>
        Assert.Equal(expected, RequestBody.DetectFormat(contentType, [InputFormat.Yaml, InputFormat.Json]));

    [Fact]
    public void FormatWarningsHeader_NonAscii_IsEscaped()
    {
        var header = RulesEndpoints.FormatWarningsHeader(["서비스 ignored", "line\nbreak"]);

        Assert.Equal("\\uC11C\\uBE44\\uC2A4 ignored; line\\u000Abreak", header);
    }

    [Fact]
    public void FormatWarningsHeader_ManyWarnings_IsCutWithCount()
    {
        var warnings = Enumerable.Range(0, 10_000).Select(i => $"object {i} of kind ConfigMap ignored").ToList();

        var header = RulesEndpoints.FormatWarningsHeader(warnings);

        Assert.True(header.Length <= RulesEndpoints.MaxWarningsHeaderLength + 32);
        Assert.Matches(@"; \.\.\. \(\d+ more\)$", header);
    }

    [Fact]
    public void ParseNode_NoParameters_ReturnsDefaults()
    {
        var (node, errors) = RulesEndpoints.ParseNode(null, null, "", null);

        Assert.Empty(errors);
        Assert.Equal(NodeSettings.Default, node);
    }

    [Fact]
    public void ParseNode_AllInvalid_ReportsEachParameter()
    {
        var (node, errors) = RulesEndpoints.ParseNode("UPPER", "x", "10.0.0.0/40", "10.0.0.1");

        Assert.Null(node);
        Assert.Equal(["nodeName", "nodeIP", "podCIDR", "clusterCIDR"], errors.Select(e => e.Message.Split(':')[0]));
    }
}
