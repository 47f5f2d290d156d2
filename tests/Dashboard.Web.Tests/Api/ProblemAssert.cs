using System.Net;
using System.Text.Json;

namespace Dashboard.Web.Tests.Api;

/// <summary>Checks the API's one error shape: application/problem+json with a status and an errors list.</summary>
internal static class ProblemAssert
{
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors");
        Assert.Equal(JsonValueKind.Array, errors.ValueKind);
        Assert.NotEqual(0, errors.GetArrayLength());
        foreach (var error in errors.EnumerateArray())
        {
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        }
        return problem;
    }

    public static IEnumerable<JsonElement> Errors(JsonElement problem) => problem.GetProperty("errors").EnumerateArray();

    public static int? Line(JsonElement error) =>
        error.TryGetProperty("line", out var line) && line.ValueKind == JsonValueKind.Number ? line.GetInt32() : null;

    public static string? Pointer(JsonElement error) =>
        error.TryGetProperty("pointer", out var pointer) && pointer.ValueKind == JsonValueKind.String ? pointer.GetString() : null;
}
