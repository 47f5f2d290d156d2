using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Dashboard.Web.Tests.Api;

public sealed class TraceApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private const string Url = "/api/v1/trace";

    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> PostJsonAsync(string json, string contentType = "application/json") =>
        _client.PostAsync(Url, new StringContent(json, Encoding.UTF8, contentType), Ct);

    private static string Request(string mode) => JsonSerializer.Serialize(new
    {
        mode,
        objects = ClusterYaml.Valid,
        node = new { name = "node-1", ip = "192.168.1.10", podCIDR = "10.244.0.0/24", clusterCIDR = "10.244.0.0/16" },
        seed = 1,
        packets = new[] { new { src = "10.244.0.5", sport = 40000, dst = "10.96.0.20", dport = 80, proto = "tcp", flags = "S" } },
    });

    [Fact]
    public async Task Post_ClusterIpSyn_EachEventNamedByKindWithItsFields()
    {
        // A client reads `events` by "kind" (README): the hook first, the DNAT with the headers around it, the delivery.
        var json = JsonSerializer.Serialize(new
        {
            mode = "iptables",
            objects = ClusterYaml.Valid,
            packets = new[] { new { src = "10.244.0.5", sport = 40000, dst = "10.96.0.20", dport = 80 } },
        });

        using var response = await PostJsonAsync(json);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var events = JsonDocument.Parse(body).RootElement.GetProperty("packets")[0].GetProperty("events").EnumerateArray().ToList();
        Assert.Equal("hookEntered", events[0].GetProperty("kind").GetString());
        Assert.Equal("PREROUTING", events[0].GetProperty("hook").GetString());
        var dnat = Assert.Single(events, e => e.GetProperty("kind").GetString() == "natApplied" && e.GetProperty("rewrite").GetString() == "DNAT");
        Assert.Equal("10.96.0.20", dnat.GetProperty("before").GetProperty("dst").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "rulesScanned");
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "delivered" && e.GetProperty("via").GetString()!.Length > 0);
    }

    [Fact]
    public async Task Post_YamlContentType_Returns415()
    {
        using var response = await PostJsonAsync(Request("iptables"), "application/yaml");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400WithLine()
    {
        using var response = await PostJsonAsync("{\n  \"mode\": \"iptables\",\n  \"packets\": [ { \"src\": } ]\n}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var error = Assert.Single(ProblemAssert.Errors(problem));
        Assert.Equal(3, ProblemAssert.Line(error));
        Assert.Equal("/packets/0/src", ProblemAssert.Pointer(error));
    }

    [Fact]
    public async Task Post_WrongType_Returns400WithPointer()
    {
        using var response = await PostJsonAsync("""{ "mode": "iptables", "packets": [ { "src": "10.244.0.5", "sport": "forty" } ] }""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var error = Assert.Single(ProblemAssert.Errors(problem));
        Assert.Equal("/packets/0/sport", ProblemAssert.Pointer(error));
        Assert.Contains("integer", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NumberAsString_Returns400()
    {
        using var response = await PostJsonAsync("""{ "mode": "iptables", "seed": "7" }""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("/seed", ProblemAssert.Pointer(Assert.Single(ProblemAssert.Errors(problem))));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    public async Task Post_NotAnObject_Returns400(string json)
    {
        using var response = await PostJsonAsync(json);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Post_BodyOverLimit_Returns413()
    {
        using var content = new StreamContent(new PatternStream(ApiLimitsForTests.MaxRequestBodyBytes + 1));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PostAsync(Url, content, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_UnknownMode_Returns422WithPointer()
    {
        using var response = await PostJsonAsync(Request("userspace-magic"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ProblemAssert.Errors(problem), e => ProblemAssert.Pointer(e) == "/mode");
    }

    [Fact]
    public async Task Post_ValidRequest_Returns200CamelCaseResult()
    {
        using var response = await PostJsonAsync(Request("iptables"));

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var result = JsonDocument.Parse(body).RootElement;
        Assert.Equal(JsonValueKind.Array, result.GetProperty("warnings").ValueKind);
        var packet = Assert.Single(result.GetProperty("packets").EnumerateArray());
        Assert.True(packet.TryGetProperty("rulesEvaluated", out _));
        Assert.True(packet.TryGetProperty("outcome", out var outcome));
        Assert.Equal("delivered", outcome.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Post_IpvsMode_Returns200WithIpvsViewAndTheToolsViews()
    {
        var json = JsonSerializer.Serialize(new
        {
            mode = "ipvs",
            objects = ClusterYaml.Valid,
            ipvs = new { scheduler = "wlc", forwarding = "nat" },
            views = true,
            packets = new[] { new { src = "10.244.0.5", sport = 40000, dst = "10.96.0.20", dport = 80, proto = "tcp", flags = "S" } },
        });
        using var response = await PostJsonAsync(json);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var result = JsonDocument.Parse(body).RootElement;
        var packet = Assert.Single(result.GetProperty("packets").EnumerateArray());
        Assert.Equal("10.244.1.2:8080", packet.GetProperty("outcome").GetProperty("to").GetString());
        Assert.True(packet.GetProperty("seenByNode").GetBoolean());
        var ipvs = packet.GetProperty("ipvs");
        Assert.True(ipvs.GetProperty("service").GetProperty("hit").GetBoolean());
        Assert.InRange(ipvs.GetProperty("service").GetProperty("bucket").GetInt32(), 0, 255);
        Assert.Equal("wlc", ipvs.GetProperty("scheduler").GetProperty("name").GetString());
        Assert.Equal("10.244.1.2:8080", ipvs.GetProperty("scheduler").GetProperty("realServer").GetString());
        Assert.False(ipvs.GetProperty("connection").GetProperty("hit").GetBoolean());
        Assert.InRange(ipvs.GetProperty("connection").GetProperty("bucket").GetInt32(), 0, 4095);
        Assert.Equal("nat", ipvs.GetProperty("forward").GetProperty("method").GetString());
        Assert.Equal("10.96.0.20", ipvs.GetProperty("forward").GetProperty("before").GetProperty("dst").GetString());
        Assert.Equal("10.244.1.2", ipvs.GetProperty("forward").GetProperty("after").GetProperty("dst").GetString());
        Assert.Contains(packet.GetProperty("events").EnumerateArray(), e => e.GetProperty("kind").GetString() == "ipvsScheduled");
        var views = result.GetProperty("views");
        Assert.Contains("TCP  10.96.0.20:80 wlc", views.GetProperty("ipvsadmLn").GetString(), StringComparison.Ordinal);
        Assert.Contains("SYN_RECV", views.GetProperty("ipvsadmLnc").GetString(), StringComparison.Ordinal);
        Assert.Contains("KUBE-CLUSTER-IP", views.GetProperty("ipsetList").GetString(), StringComparison.Ordinal);
        Assert.Contains("dport=80", views.GetProperty("conntrackL").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_IpvsWeights_ipvsadmShowsThemAndWrrFollowsThem()
    {
        var json = JsonSerializer.Serialize(new
        {
            mode = "ipvs",
            ipvs = new { scheduler = "wrr", weights = (int[])[3, 1] },
            objects = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20"), ClusterYaml.Slice("web", "10.244.1.2", "10.244.1.3")),
            views = true,
            packets = Enumerable.Range(0, 8).Select(i => new { src = "10.244.0.5", sport = 40000 + i, dst = "10.96.0.20", dport = 80, proto = "tcp", flags = "S" }),
        });
        using var response = await PostJsonAsync(json);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var result = JsonDocument.Parse(body).RootElement;
        var weights = result.GetProperty("views").GetProperty("ipvsadmLn").GetString()!.Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 6 && f[0] == "->" && f[2] == "Masq").Select(f => f[3]).ToList();
        Assert.Contains("3", weights);
        Assert.Contains("1", weights);
        // Two real servers weighted 3 and 1: every four new connections, wrr gives three to the heavier one.
        var picks = result.GetProperty("packets").EnumerateArray().Select(p => p.GetProperty("outcome").GetProperty("to").GetString()).ToList();
        Assert.Equal([6, 2], picks.GroupBy(p => p).Select(g => g.Count()).OrderDescending());
    }

    [Fact]
    public async Task Post_IpvsDirectRoutingWithPortMapping_Returns422NamingTheRealServer()
    {
        var json = JsonSerializer.Serialize(new
        {
            mode = "ipvs",
            objects = ClusterYaml.Valid,
            ipvs = new { forwarding = "dr", l2Subnet = "10.244.0.0/16" },
            packets = new[] { new { src = "10.244.0.5", sport = 40000, dst = "10.96.0.20", dport = 80, proto = "tcp", flags = "S" } },
        });
        using var response = await PostJsonAsync(json);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var error = Assert.Single(ProblemAssert.Errors(problem));
        Assert.Equal("/ipvs/forwarding", ProblemAssert.Pointer(error));
        Assert.Contains("real server 10.244.1.2:8080", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ObjectsThatCrashTheYamlParser_Returns400NotA500()
    {
        // The text ends inside a flow mapping: YamlDotNet throws InvalidOperationException, which the reader reports.
        var json = JsonSerializer.Serialize(new
        {
            mode = "iptables",
            objects = "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: {name: web\n  spec: [\n",
            packets = new[] { new { src = "10.244.0.5", sport = 40000, dst = "10.96.0.20", dport = 80, proto = "tcp", flags = "S" } },
        });
        using var response = await PostJsonAsync(json);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(ProblemAssert.Errors(problem), e => ProblemAssert.Pointer(e) == "/objects");
    }
}
