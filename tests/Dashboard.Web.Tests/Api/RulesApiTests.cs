using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Dashboard.Web.Tests.Api;

public sealed class RulesApiTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private const string Url = "/api/v1/rules/iptables";

    private readonly HttpClient _client = factory.CreateClient();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> PostAsync(string body, string contentType, string query = "") =>
        _client.PostAsync(Url + query, new StringContent(body, Encoding.UTF8, contentType), Ct);

    [Fact]
    public async Task Post_ValidYaml_Returns200IptablesSaveText()
    {
        using var response = await PostAsync(ClusterYaml.Valid, "application/yaml");

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Contains("-A KUBE-SERVICES", body, StringComparison.Ordinal);
        Assert.Contains("10.96.0.20", body, StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("X-Warnings"));
    }

    [Fact]
    public async Task Post_ValidJson_Returns200IptablesSaveText()
    {
        using var response = await PostAsync(ClusterYaml.ValidJson, "application/json");

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("-A KUBE-SERVICES", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_ObjectOfAnotherKind_Returns200WithXWarnings()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20"), ClusterYaml.Slice("web", "10.244.1.2"), ClusterYaml.ConfigMap);

        using var response = await PostAsync(yaml, "application/yaml");

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("-A KUBE-SERVICES", body, StringComparison.Ordinal);
        Assert.True(response.Headers.TryGetValues("X-Warnings", out var warnings));
        var header = Assert.Single(warnings);
        Assert.Contains("ConfigMap", header, StringComparison.Ordinal);
        Assert.All(header, c => Assert.InRange(c, ' ', '~'));
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/x-yaml")]
    [InlineData("text/yaml")]
    [InlineData("application/yaml; charset=utf-8")]
    [InlineData("application/json")]
    public async Task Post_AcceptedContentType_IsNot415(string contentType)
    {
        using var content = new StringContent(contentType.Contains("json") ? ClusterYaml.ValidJson : ClusterYaml.Valid);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await _client.PostAsync(Url, content, Ct);

        Assert.NotEqual(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/yaml; charset=iso-8859-1")]
    public async Task Post_OtherContentType_Returns415Problem(string contentType)
    {
        using var content = new StringContent(ClusterYaml.Valid);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await _client.PostAsync(Url, content, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_NoContentType_Returns415Problem()
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(ClusterYaml.Valid));

        using var response = await _client.PostAsync(Url, content, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Post_MalformedYaml_Returns400WithLine()
    {
        const string yaml = "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata:\n    name: \"web\n  spec: {}\n";

        using var response = await PostAsync(yaml, "application/yaml");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(ProblemAssert.Errors(problem), e => ProblemAssert.Line(e) is > 0);
    }

    [Fact]
    public async Task Post_YamlThatCrashesTheParser_Returns400()
    {
        // An unclosed flow mapping at the end of the text makes YamlDotNet throw InvalidOperationException.
        const string yaml = "apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: {name: web\n  spec: [\n";

        using var response = await PostAsync(yaml, "application/yaml");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400WithLocation()
    {
        const string json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [ { \"kind\": \"Service\",, } ]\n}";

        using var response = await PostAsync(json, "application/json");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(ProblemAssert.Errors(problem), e => ProblemAssert.Line(e) is > 0 || ProblemAssert.Pointer(e) is not null);
    }

    [Fact]
    public async Task Post_InvalidUtf8_Returns400()
    {
        using var content = new ByteArrayContent([(byte)'a', 0xC3, 0x28, (byte)'\n']);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");

        using var response = await _client.PostAsync(Url, content, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Post_BodyOverLimitWithContentLength_Returns413()
    {
        using var content = new ByteArrayContent(new byte[ApiLimitsForTests.MaxRequestBodyBytes + 1]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");

        using var response = await _client.PostAsync(Url, content, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_ChunkedBodyOverLimit_Returns413WhileReading()
    {
        // No Content-Length: the limit must hold while the body is read, not only when it is announced.
        using var content = new StreamContent(new PatternStream(ApiLimitsForTests.MaxRequestBodyBytes + 4096));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("?nodeIP=1.2.3", "nodeIP")]
    [InlineData("?nodeIP=192.168.1.256", "nodeIP")]
    [InlineData("?podCIDR=10.244.0.0/33", "podCIDR")]
    [InlineData("?podCIDR=10.244.0.0", "podCIDR")]
    [InlineData("?clusterCIDR=banana", "clusterCIDR")]
    [InlineData("?nodeName=Node_1", "nodeName")]
    public async Task Post_InvalidQueryParameter_Returns422NamingIt(string query, string parameter)
    {
        using var response = await PostAsync(ClusterYaml.Valid, "application/yaml", query);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ProblemAssert.Errors(problem), e => e.GetProperty("message").GetString()!.StartsWith(parameter + ":", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_InvalidClusterIpInService_Returns422()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.300"));

        using var response = await PostAsync(yaml, "application/yaml");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ProblemAssert.Errors(problem), e => e.GetProperty("message").GetString()!.Contains("10.96.0.300", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_DuplicateClusterIps_Returns422()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20"), ClusterYaml.Service("shop", "10.96.0.20"));

        using var response = await PostAsync(yaml, "application/yaml");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ProblemAssert.Errors(problem), e => e.GetProperty("message").GetString()!.Contains("10.96.0.20", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_UnknownProtocol_Returns422()
    {
        var yaml = ClusterYaml.List(ClusterYaml.Service("web", "10.96.0.20", protocol: "ICMPX"));

        using var response = await PostAsync(yaml, "application/yaml");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains(ProblemAssert.Errors(problem), e => e.GetProperty("message").GetString()!.Contains("ICMPX", StringComparison.Ordinal));
    }
}
