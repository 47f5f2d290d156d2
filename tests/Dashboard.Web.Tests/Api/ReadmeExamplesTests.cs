using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Dashboard.Web.Tests.Api;

/// <summary>README's trace examples run as written: a newcomer's first request must not answer 422.</summary>
public sealed partial class ReadmeExamplesTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int> TraceExamples => [.. Enumerable.Range(0, Examples().Count)];

    [Theory]
    [MemberData(nameof(TraceExamples))]
    public async Task TraceExample_AsWrittenInReadme_Answers200(int index)
    {
        using var client = factory.CreateClient();
        var body = Examples()[index];

        using var response = await client.PostAsync("/api/v1/trace", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task TraceObjectsNotKubernetes_SaysTheLineOnce()
    {
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/api/v1/trace",
            new StringContent("""{"mode": "iptables", "objects": "- 1\n", "packets": []}""", Encoding.UTF8, "application/json"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        var message = ProblemAssert.Errors(problem).Select(e => e.GetProperty("message").GetString()!).Single(m => m.StartsWith("objects", StringComparison.Ordinal));
        // Not "objects line 1: line 1: ...", as README's first example once answered.
        Assert.StartsWith("objects: line 1: expected a Kubernetes object", message, StringComparison.Ordinal);
    }

    /// <summary>The JSON bodies of README's `curl ... /api/v1/trace ... <<'JSON'` examples, in order.</summary>
    private static List<string> Examples()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryFiles.Root, "README.md"));
        return [.. TraceBody().Matches(readme).Select(m => m.Groups["body"].Value)];
    }

    [GeneratedRegex(@"/api/v1/trace [^\n]*<<'JSON'\n(?<body>.*?)\nJSON", RegexOptions.Singleline)]
    private static partial Regex TraceBody();
}
