using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>Reads `kubectl get svc,endpointslices -A -o yaml|json` output: a List, a single object, or many YAML documents.</summary>
public static class ClusterObjectsReader
{
    /// <summary>Documented limit: the largest cluster the simulator takes.</summary>
    public const int MaxServices = 50_000;

    /// <summary>Throws <see cref="InputException"/> naming each problem with its line (YAML) or JSON pointer (JSON).</summary>
    public static ClusterObjects Read(string text, InputFormat format)
    {
        var objects = format == InputFormat.Json ? ReadJsonObjects(text) : ReadYamlObjects(text);
        var services = new List<(V1Service, ObjectLocation)>();
        var slices = new List<(V1EndpointSlice, ObjectLocation)>();
        var warnings = new List<string>();
        var problems = new List<InputProblem>();
        foreach (var (node, location, where) in objects)
        {
            if (node is not JsonObject obj)
            {
                problems.Add(location.Problem(ProblemKind.Semantic, $"{where}: expected a Kubernetes object (a mapping with apiVersion and kind)"));
                continue;
            }
            var apiVersion = (obj["apiVersion"] as JsonValue)?.ToString();
            var kind = (obj["kind"] as JsonValue)?.ToString();
            switch ((apiVersion, kind))
            {
                case ("v1", "Service"):
                    if (Convert<V1Service>(obj, location, problems) is { } service)
                    {
                        services.Add((service, location));
                    }
                    break;
                case ("discovery.k8s.io/v1", "EndpointSlice"):
                    if (Convert<V1EndpointSlice>(obj, location, problems) is { } slice)
                    {
                        slices.Add((slice, location));
                    }
                    break;
                case (_, null):
                    problems.Add(location.Problem(ProblemKind.Semantic, $"{where}: the object has no kind", "kind"));
                    break;
                default:
                    warnings.Add($"{where}: ignored {kind} ({apiVersion ?? "no apiVersion"}): kube-proxy reads only v1 Service and discovery.k8s.io/v1 EndpointSlice");
                    break;
            }
        }
        if (services.Count > MaxServices)
        {
            problems.Add(new InputProblem(ProblemKind.TooLarge,
                $"{services.Count.ToString("N0", CultureInfo.InvariantCulture)} services: the limit is {MaxServices.ToString("N0", CultureInfo.InvariantCulture)}"));
        }
        if (problems.Count == 0)
        {
            ClusterValidator.Validate(services, slices, problems, warnings);
        }
        if (problems.Count > 0)
        {
            throw new InputException(problems);
        }
        return new ClusterObjects(services.ConvertAll(s => s.Item1), slices.ConvertAll(s => s.Item1)) { Warnings = warnings };
    }

    private static T? Convert<T>(JsonObject obj, ObjectLocation location, List<InputProblem> problems)
        where T : class
    {
        try
        {
            return KubernetesJson.Deserialize<T>(obj);
        }
        catch (JsonException e)
        {
            var path = JsonPathSegments(e.Path);
            problems.Add(location.Problem(ProblemKind.Semantic, $"{string.Join('.', path)}: {FirstSentence(e.Message)}", [.. path]));
            return null;
        }
        catch (FormatException e)
        {
            problems.Add(location.Problem(ProblemKind.Semantic, e.Message));
            return null;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    /// <summary>Turns System.Text.Json's "$.spec.ports[0].port" into the path segments spec, ports, 0, port.</summary>
    private static List<object> JsonPathSegments(string? path)
    {
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path))
        {
            return segments;
        }
        foreach (var part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            if (bracket < 0)
            {
                segments.Add(name);
                continue;
            }
            if (bracket > 0)
            {
                segments.Add(name[..bracket]);
            }
            foreach (var index in name[bracket..].Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
            {
                segments.Add(int.TryParse(index, CultureInfo.InvariantCulture, out var i) ? i : index.Trim('\''));
            }
        }
        return segments;
    }

    private static List<(JsonNode?, ObjectLocation, string)> ReadJsonObjects(string text)
    {
        JsonNode? root;
        try
        {
            // Duplicate keys are refused while parsing, with their line: JsonObject would otherwise throw on first use.
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
            throw new InputException([new InputProblem(ProblemKind.Syntax,
                $"malformed JSON at line {line}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", line, JsonPathPointer(e.Path))]);
        }
        var result = new List<(JsonNode?, ObjectLocation, string)>();
        if (root is JsonObject list && IsListKind((list["kind"] as JsonValue)?.ToString()))
        {
            if (list["items"] is not JsonArray items)
            {
                throw new InputException([new InputProblem(ProblemKind.Semantic, "a List needs an items array", Pointer: "/items")]);
            }
            for (var i = 0; i < items.Count; i++)
            {
                result.Add((items[i], new JsonObjectLocation($"/items/{i}"), $"/items/{i}"));
            }
        }
        else
        {
            result.Add((root, new JsonObjectLocation(string.Empty), "the document"));
        }
        return result;
    }

    private static string? JsonPathPointer(string? path) =>
        path is null ? null : JsonObjectLocation.Append(string.Empty, JsonPathSegments(path));

    /// <summary>"List", or a typed list such as "ServiceList": kubectl prints several objects as one of these.</summary>
    private static bool IsListKind(string? kind) => kind is not null && kind.EndsWith("List", StringComparison.Ordinal);

    private static List<(JsonNode?, ObjectLocation, string)> ReadYamlObjects(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            throw new InputException([new InputProblem(ProblemKind.Syntax,
                $"malformed YAML at line {line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}", line)]);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet throws this instead of a YamlException when the text ends inside a flow collection.
            throw new InputException([new InputProblem(ProblemKind.Syntax,
                "malformed YAML: the parser stopped in the middle of the document (an unclosed '[', '{' or quote?)")]);
        }
        var result = new List<(JsonNode?, ObjectLocation, string)>();
        // Without aliases every node takes at least one character of the text; anchors' repeats get as much again.
        var nodesLeft = (2 * text.Length) + 16;
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" })
            {
                continue; // an empty document between two "---" separators
            }
            if (document.RootNode is YamlMappingNode mapping &&
                mapping.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) &&
                kind is YamlScalarNode { Value: var kindName } && IsListKind(kindName))
            {
                if (!mapping.Children.TryGetValue(new YamlScalarNode("items"), out var itemsNode) || itemsNode is not YamlSequenceNode items)
                {
                    throw new InputException([new InputProblem(ProblemKind.Semantic, "a List needs an items sequence", Line: (int)mapping.Start.Line)]);
                }
                foreach (var item in items)
                {
                    result.Add((YamlToJson(item, 0, ref nodesLeft), new YamlObjectLocation(item), $"line {item.Start.Line}"));
                }
            }
            else
            {
                result.Add((YamlToJson(document.RootNode, 0, ref nodesLeft), new YamlObjectLocation(document.RootNode), $"line {document.RootNode.Start.Line}"));
            }
        }
        return result;
    }

    /// <summary>YAML to the JSON model the official client deserializes; plain scalars get YAML 1.2 core types, quoted ones stay strings.</summary>
    /// <summary>
    /// Far deeper than any Kubernetes object. YamlDotNet resolves an alias to its anchor's node, so an alias inside the
    /// node it names makes a cycle, and aliases of aliases multiply (a "billion laughs"): converting either without a
    /// limit overflows the stack or exhausts memory, which takes the whole server down, not just the request.
    /// </summary>
    private const int MaxYamlDepth = 100;

    private static JsonNode? YamlToJson(YamlNode node, int depth, ref int nodesLeft)
    {
        if (depth > MaxYamlDepth || --nodesLeft < 0)
        {
            var line = (int)node.Start.Line;
            throw new InputException([new InputProblem(ProblemKind.Syntax,
                $"YAML at line {line} expands without end: an alias inside the node its anchor names, or aliases of aliases", line)]);
        }
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj[((YamlScalarNode)key).Value ?? string.Empty] = YamlToJson(value, depth + 1, ref nodesLeft);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(YamlToJson(item, depth + 1, ref nodesLeft));
                }
                return array;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                if (scalar.Style is ScalarStyle.Plain)
                {
                    switch (text)
                    {
                        case "" or "~" or "null" or "Null" or "NULL":
                            return null;
                        case "true" or "True" or "TRUE":
                            return JsonValue.Create(true);
                        case "false" or "False" or "FALSE":
                            return JsonValue.Create(false);
                    }
                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                    {
                        return JsonValue.Create(integer);
                    }
                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && text.Any(char.IsDigit))
                    {
                        return JsonValue.Create(real);
                    }
                }
                return JsonValue.Create(text);
            default:
                // Aliases are resolved by the loader; anything else is not data.
                return null;
        }
    }
}
