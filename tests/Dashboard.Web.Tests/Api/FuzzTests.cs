using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Dashboard.Web.Tests.Api;

/// <summary>
/// Every parser the API has, fed 10,000 generated bad inputs and the reproducers of the probe that crashed the
/// server: no answer is a 500, every refusal is a problem naming what is wrong, and the memory the corpus took is
/// given back. Alone in its collection: the live memory it measures is the whole test process's, and a room another
/// test builds meanwhile once counted against it (12 MB before, 251 MB after).
/// </summary>
[Collection(nameof(FuzzTests))]
public sealed class FuzzTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    /// <summary>The corpus's seed and size: a failure names its input as "seed S #N", which Generate(S, ...) makes again.</summary>
    private const int Seed = 20261207, Inputs = 10_000;

    /// <summary>Requests in flight at once: the machine's two cores stay busy without queueing heavy work.</summary>
    private const int Workers = 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Corpus_EveryEndpoint_No500AndEveryRefusalIsAProblem()
    {
        using var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(2);
        var inputs = FuzzCorpus.Generate(Seed, Inputs);
        Assert.Equal(Inputs, inputs.Count);
        Assert.Equal(3, inputs.Select(i => i.Url.Split('?')[0]).Distinct().Count());

        var failures = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = Workers, CancellationToken = Ct }, async (input, ct) =>
        {
            var (status, failure) = await SendAsync(client, input, ct);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (failure is not null)
            {
                failures.Add(failure);
            }
        });

        Assert.True(failures.IsEmpty, $"{failures.Count} of {Inputs} inputs failed; the first: {string.Join("\n", failures.Take(5))}");
        // The corpus reaches the parsers' refusals and their successes alike, or it tests less than it claims.
        Assert.True(statuses.GetValueOrDefault(200) > Inputs / 20, Describe(statuses));
        Assert.True(statuses.GetValueOrDefault(400) > Inputs / 20, Describe(statuses));
        Assert.True(statuses.GetValueOrDefault(422) > Inputs / 20, Describe(statuses));
    }

    [Fact]
    public async Task Reproducers_EachRefusedOrAnsweredAndTheMemoryGivenBack()
    {
        using var client = factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(2);
        // The first request builds the app's singletons; memory is counted from after it.
        await SendAsync(client, FuzzCorpus.Reproducers().First(), Ct);
        var before = LiveBytes();

        var failures = new List<string>();
        foreach (var input in FuzzCorpus.Reproducers())
        {
            if ((await SendAsync(client, input, Ct)).Failure is { } failure)
            {
                failures.Add(failure);
            }
        }
        var after = LiveBytes();

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(after - before < 200L * 1024 * 1024, $"live memory grew from {before / 1e6:0} MB to {after / 1e6:0} MB");
    }

    /// <summary>Sends one input; the failure says which input and what was wrong, or is null.</summary>
    private static async Task<(int Status, string? Failure)> SendAsync(HttpClient client, FuzzInput input, CancellationToken cancellationToken)
    {
        using var content = new StringContent(input.Body, Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", input.ContentType);
        using var response = await client.PostAsync(input.Url, content, cancellationToken);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? Fail(string why) => $"{input.Name} ({input.Url}, {input.Body.Length:N0} chars): {why}: {body[..Math.Min(body.Length, 300)]}";
        if (status >= 500)
        {
            return (status, Fail($"status {status}"));
        }
        if (status >= 400)
        {
            if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
            {
                return (status, Fail($"status {status} as {response.Content.Headers.ContentType?.MediaType}"));
            }
            using var problem = JsonDocument.Parse(body);
            if (!problem.RootElement.TryGetProperty("errors", out var errors) || errors.GetArrayLength() == 0 ||
                errors.EnumerateArray().Any(e => string.IsNullOrWhiteSpace(e.GetProperty("message").GetString())))
            {
                return (status, Fail("a problem without its errors"));
            }
            // What is wrong is said in Kubernetes' terms, never the deserializer's CLR names.
            if (body.Contains("k8s.Models", StringComparison.Ordinal) || body.Contains("System.Collections", StringComparison.Ordinal))
            {
                return (status, Fail("a CLR type name in the problem"));
            }
            return (status, null);
        }
        return status == 200 ? (status, null) : (status, Fail($"status {status}"));
    }

    private static long LiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static string Describe(ConcurrentDictionary<int, int> statuses) =>
        string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));
}

/// <summary>Runs <see cref="FuzzTests"/> after the parallel tests, with nothing beside it.</summary>
[CollectionDefinition(nameof(FuzzTests), DisableParallelization = true)]
public sealed class FuzzTestsCollection;
