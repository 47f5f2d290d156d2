using System.Net;
using System.Text;
using System.Text.Json;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Web.Tests.Api;

public sealed class IpvsRulesApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private const string Url = "/api/v1/rules/ipvs";

    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/yaml", string query = "") =>
        _client.PostAsync(Url + query, new StringContent(body, Encoding.UTF8, contentType), Ct);

    /// <summary>The three texts of a 200 response, after checking it is JSON with exactly those members and the sysctls.</summary>
    private static async Task<(string Ipvsadm, string Ipset, string Iptables)> TextsAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["ipvsadm", "ipset", "iptables", "sysctls"], json.EnumerateObject().Select(p => p.Name));
        Assert.Contains(json.GetProperty("sysctls").EnumerateArray(), s =>
            s.GetProperty("name").GetString() == "net/ipv4/vs/conntrack" && s.GetProperty("value").GetString() == "1");
        return (json.GetProperty("ipvsadm").GetString()!, json.GetProperty("ipset").GetString()!, json.GetProperty("iptables").GetString()!);
    }

    [Fact]
    public async Task Post_ValidYaml_Returns200WithIpvsadmIpsetAndIptablesSaveTexts()
    {
        using var response = await PostAsync(ClusterYaml.Valid);

        var (ipvsadm, ipset, iptables) = await TextsAsync(response);
        Assert.Equal("-A -t 10.96.0.20:80 -s rr\n-a -t 10.96.0.20:80 -r 10.244.1.2:8080 -m -w 1\n", ipvsadm);
        Assert.Contains("\nadd KUBE-CLUSTER-IP 10.96.0.20,tcp:80\n", ipset, StringComparison.Ordinal);
        Assert.Contains("\nadd KUBE-IPVS-IPS 10.96.0.20\n", ipset, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n", iptables, StringComparison.Ordinal);
        Assert.DoesNotContain("KUBE-SVC-", iptables, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("X-Warnings"));
    }

    [Fact]
    public async Task Post_ValidJson_Returns200WithTheSameVirtualServer()
    {
        using var response = await PostAsync(ClusterYaml.ValidJson, "application/json");

        var (ipvsadm, _, _) = await TextsAsync(response);
        Assert.Equal("-A -t 10.96.0.20:80 -s rr\n", ipvsadm);
    }

    [Fact]
    public async Task Post_NodeQueryParameters_NodePortsOnTheNodeIpAndTheClusterCidrDetector()
    {
        using var response = await PostAsync(ScenarioCatalog.GetYaml("small"), query: "?nodeIP=192.168.7.7&clusterCIDR=10.200.0.0/16");

        var (ipvsadm, _, iptables) = await TextsAsync(response);
        Assert.Contains("-A -t 192.168.7.7:30080 -s rr\n", ipvsadm, StringComparison.Ordinal);
        Assert.Contains("-A KUBE-SERVICES ! -s 10.200.0.0/16 -m comment", iptables, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mh", "-s mh -b mh-port")]
    [InlineData("wlc", "-s wlc")]
    public async Task Post_Scheduler_EveryVirtualServerUsesIt(string scheduler, string saved)
    {
        using var response = await PostAsync(ClusterYaml.Valid, query: $"?scheduler={scheduler}");

        var (ipvsadm, _, _) = await TextsAsync(response);
        Assert.StartsWith($"-A -t 10.96.0.20:80 {saved}\n", ipvsadm, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?scheduler=fastest")]
    [InlineData("?scheduler=RR")]
    [InlineData("?scheduler=lblc")]
    public async Task Post_UnknownScheduler_Returns422NamingTheKnownSchedulers(string query)
    {
        using var response = await PostAsync(ClusterYaml.Valid, query: query);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var message = Assert.Single(ProblemAssert.Errors(problem)).GetProperty("message").GetString()!;
        Assert.StartsWith("scheduler:", message, StringComparison.Ordinal);
        Assert.Contains("rr, wrr, lc, wlc, sed, nq, sh, dh, mh, fo, ovf", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_InvalidNodeIpAndScheduler_Returns422NamingBoth()
    {
        using var response = await PostAsync(ClusterYaml.Valid, query: "?nodeIP=1.2.3&scheduler=fastest");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(["nodeIP", "scheduler"], ProblemAssert.Errors(problem).Select(e => e.GetProperty("message").GetString()!.Split(':')[0]));
    }

    [Fact]
    public async Task Post_ObjectOfAnotherKind_Returns200WithXWarnings()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20"), ClusterYaml.Slice("web", "10.244.1.2"), ClusterYaml.ConfigMap);

        using var response = await PostAsync(yaml);

        await TextsAsync(response);
        Assert.True(response.Headers.TryGetValues("X-Warnings", out var warnings));
        Assert.Contains("ConfigMap", Assert.Single(warnings), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_PlainText_Returns415()
    {
        using var response = await PostAsync(ClusterYaml.Valid, "text/plain");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_DuplicateClusterIps_Returns422()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20"), ClusterYaml.Service("shop", "10.96.0.20"));

        using var response = await PostAsync(yaml);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
    }
}
