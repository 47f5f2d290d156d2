using System.Text.RegularExpressions;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Says in Kubernetes' terms what a field needed when the official client's models could not take a value: the
/// deserializer names CLR types (<c>k8s.Models.V1ObjectMeta</c>, <c>System.Collections.Generic.IList`1</c>), which
/// mean nothing to someone who wrote YAML.
/// </summary>
internal static partial class KubernetesTypeNames
{
    public static string Describe(Exception exception)
    {
        var type = ConvertedTo().Match(exception.Message) is { Success: true } match ? match.Groups["type"].Value : null;
        return type is null ? "the value has the wrong type for this field" : $"expected {Expected(type)}";
    }

    private static string Expected(string clrType) => clrType switch
    {
        _ when clrType.Contains("IntOrString", StringComparison.Ordinal) => "an integer or a string",
        _ when clrType.Contains("ResourceQuantity", StringComparison.Ordinal) => "a quantity (a number or a string such as 100m)",
        _ when clrType.StartsWith("System.Collections.Generic.IList", StringComparison.Ordinal) ||
               clrType.StartsWith("System.Collections.Generic.List", StringComparison.Ordinal) => "a list",
        _ when clrType.StartsWith("System.Collections.Generic.IDictionary", StringComparison.Ordinal) ||
               clrType.StartsWith("System.Collections.Generic.Dictionary", StringComparison.Ordinal) => "a map of keys to values",
        _ when clrType.Contains("System.String", StringComparison.Ordinal) => "a string",
        _ when clrType.Contains("System.Int", StringComparison.Ordinal) => "an integer",
        _ when clrType.Contains("System.Boolean", StringComparison.Ordinal) => "true or false",
        _ when clrType.Contains("System.Double", StringComparison.Ordinal) => "a number",
        _ when clrType.Contains("System.DateTime", StringComparison.Ordinal) => "a timestamp (RFC 3339)",
        _ when clrType.StartsWith("k8s.Models.", StringComparison.Ordinal) => $"an object ({ModelName(clrType["k8s.Models.".Length..])})",
        _ => "a value of another type",
    };

    /// <summary>V1ObjectMeta is ObjectMeta in the API reference; V1ServicePort is ServicePort.</summary>
    private static string ModelName(string model) => ModelVersion().Replace(model, string.Empty);

    /// <summary>Where System.Text.Json says the value was: "$.spec.ports[0].targetPort", or null.</summary>
    public static string? PathOf(Exception exception) => exception is System.Text.Json.JsonException json
        ? json.Path
        : MessagePath().Match(exception.Message) is { Success: true } match ? match.Groups["path"].Value : null;

    // "could not be converted to System.String." (JsonException) or "located on type 'k8s.Models.IntOrString'" (a
    // converter that cannot read the token it was given).
    [GeneratedRegex(@"(converted to |on type ')(?<type>[^\s']+?)\.?('|\s|$)")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"Path: (?<path>\$[^\s|]*)")]
    private static partial Regex MessagePath();

    [GeneratedRegex(@"^V\d+((alpha|beta)\d+)?")]
    private static partial Regex ModelVersion();
}
