using System.Text.Json.Serialization;

namespace Dashboard.Web.Api;

/// <summary>One entry of a problem's <c>errors</c> list: what is wrong and, when known, where.</summary>
public sealed record ApiError(
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Line = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pointer = null);
