using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>Reads `kubectl get svc,endpointslices -A -o yaml|json` output: a List, a single object, or many YAML documents.</summary>
public static class ClusterObjectsReader
{
    /// <summary>The format of pasted or uploaded text without a content type: `kubectl -o json` starts with '{', YAML never does.</summary>
    public static InputFormat FormatOf(string text) => text.AsSpan().TrimStart().StartsWith("{") ? InputFormat.Json : InputFormat.Yaml;

    /// <summary>
    /// Throws <see cref="InputException"/> naming each problem with its line (YAML) or JSON pointer (JSON). The text is
    /// read as a stream of parser events, and each object is converted as soon as it is complete, so the limits of
    /// <see cref="InputLimits"/> stop an input as soon as it passes one, before the work it would cause.
    /// </summary>
    public static ClusterObjects Read(string text, InputFormat format, InputBudget? budget = null)
    {
        budget ??= new InputBudget();
        var cancellationToken = budget.CancellationToken;
        var collector = new ObjectCollector(cancellationToken);
        if (format == InputFormat.Json)
        {
            var builder = new ObjectTreeBuilder(budget, trackLines: false)
            {
                ItemCompleted = (index, node, _) => collector.Item(node, new JsonObjectLocation($"/items/{index}"), $"/items/{index}"),
            };
            var (root, _) = JsonObjectText.Read(text, builder, cancellationToken);
            collector.DocumentCompleted(root, builder.HadItems, new JsonObjectLocation(string.Empty), "the document", null);
        }
        else
        {
            var builder = new ObjectTreeBuilder(budget, trackLines: true)
            {
                ItemCompleted = (_, node, lines) => collector.Item(node, new YamlObjectLocation(lines!), $"line {lines!.Line}"),
            };
            YamlObjectText.Read(text, builder, (root, lines, line) =>
            {
                if (root is not null || lines is not null)
                {
                    collector.DocumentCompleted(root, builder.HadItems, new YamlObjectLocation(lines ?? new LineNode(line)), $"line {lines?.Line ?? line}", lines?.Line ?? line);
                }
            }, cancellationToken);
        }
        return collector.Finish();
    }

    /// <summary>
    /// Sorts objects into Services and EndpointSlices as they are read, counting what the limits count. A List's items
    /// arrive before its kind is known (kubectl prints <c>items</c> before <c>kind</c>), so they are held as the
    /// document's until its end says whether it was a List.
    /// </summary>
    private sealed class ObjectCollector(CancellationToken cancellationToken)
    {
        private readonly List<(V1Service, ObjectLocation)> _services = [];
        private readonly List<(V1EndpointSlice, ObjectLocation)> _slices = [];
        private readonly List<string> _warnings = [];
        private readonly List<InputProblem> _problems = [];
        private readonly Document _pending = new();
        private long _endpointPorts;

        public void Item(JsonNode? node, ObjectLocation location, string where)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Classify(node, location, where, _pending);
        }

        public void DocumentCompleted(JsonNode? root, bool hadItems, ObjectLocation location, string where, int? line)
        {
            if (root is null && !hadItems)
            {
                _pending.Clear();
                return; // an empty document between two "---" separators
            }
            if (root is JsonObject list && IsListKind((list["kind"] as JsonValue)?.ToString()))
            {
                if (!hadItems)
                {
                    throw new InputException([location.Problem(ProblemKind.Semantic, "a List needs an items sequence", "items")]);
                }
                _pending.MoveTo(this);
                return;
            }
            // Not a List: any items it had belonged to the object itself (no kind kube-proxy reads has such a field).
            _endpointPorts -= _pending.EndpointPorts;
            _pending.Clear();
            var single = new Document();
            Classify(root, location, where, single);
            single.MoveTo(this);
        }

        public ClusterObjects Finish()
        {
            if (_problems.Count == 0)
            {
                ClusterValidator.Validate(_services, _slices, _problems, _warnings);
            }
            if (_problems.Count > 0)
            {
                throw new InputException(_problems);
            }
            return new ClusterObjects(_services.ConvertAll(s => s.Item1), _slices.ConvertAll(s => s.Item1)) { Warnings = _warnings };
        }

        private void Classify(JsonNode? node, ObjectLocation location, string where, Document into)
        {
            if (node is not JsonObject obj)
            {
                into.Problems.Add(location.Problem(ProblemKind.Semantic, $"{where}: expected a Kubernetes object (a mapping with apiVersion and kind)"));
                return;
            }
            var apiVersion = (obj["apiVersion"] as JsonValue)?.ToString();
            var kind = (obj["kind"] as JsonValue)?.ToString();
            switch ((apiVersion, kind))
            {
                case ("v1", "Service"):
                    if (Convert<V1Service>(obj, location, into.Problems) is { } service)
                    {
                        into.Services.Add((service, location));
                        if (_services.Count + into.Services.Count > InputLimits.MaxServices)
                        {
                            throw new InputException([new InputProblem(ProblemKind.TooLarge,
                                $"more than {InputLimits.Count(InputLimits.MaxServices)} services: the limit is {InputLimits.Count(InputLimits.MaxServices)}")]);
                        }
                    }
                    break;
                case ("discovery.k8s.io/v1", "EndpointSlice"):
                    if (Convert<V1EndpointSlice>(obj, location, into.Problems) is { } slice)
                    {
                        into.Slices.Add((slice, location));
                        var pairs = ClusterObjects.EndpointPortsOf(slice);
                        into.EndpointPorts += pairs;
                        _endpointPorts += pairs;
                        if (_endpointPorts > InputLimits.MaxEndpointPorts)
                        {
                            throw new InputException([location.Problem(ProblemKind.TooLarge,
                                $"{where}: the EndpointSlices hold more than {InputLimits.Count(InputLimits.MaxEndpointPorts)} endpoint ports (endpoints times ports), the limit: each becomes a chain of rules")]);
                        }
                    }
                    break;
                case (_, null):
                    into.Problems.Add(location.Problem(ProblemKind.Semantic, $"{where}: the object has no kind", "kind"));
                    break;
                default:
                    into.Warnings.Add($"{where}: ignored {kind} ({apiVersion ?? "no apiVersion"}): kube-proxy reads only v1 Service and discovery.k8s.io/v1 EndpointSlice");
                    break;
            }
        }

        private sealed class Document
        {
            public List<(V1Service, ObjectLocation)> Services { get; } = [];
            public List<(V1EndpointSlice, ObjectLocation)> Slices { get; } = [];
            public List<string> Warnings { get; } = [];
            public List<InputProblem> Problems { get; } = [];
            public long EndpointPorts { get; set; }

            public void MoveTo(ObjectCollector collector)
            {
                collector._services.AddRange(Services);
                collector._slices.AddRange(Slices);
                collector._warnings.AddRange(Warnings);
                collector._problems.AddRange(Problems);
                Clear();
            }

            public void Clear()
            {
                Services.Clear();
                Slices.Clear();
                Warnings.Clear();
                Problems.Clear();
                EndpointPorts = 0;
            }
        }
    }

    private static T? Convert<T>(JsonObject obj, ObjectLocation location, List<InputProblem> problems)
        where T : class
    {
        try
        {
            return KubernetesJson.Deserialize<T>(obj);
        }
        // The client's converters (IntOrString, quantities, timestamps) throw the others for a value of the wrong shape.
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            var path = JsonPathSegments(KubernetesTypeNames.PathOf(e));
            var field = path.Count > 0 ? string.Concat(path.Select((p, i) => p is int n ? $"[{n}]" : i == 0 ? $"{p}" : $".{p}")) + ": " : string.Empty;
            problems.Add(location.Problem(ProblemKind.Semantic, $"{field}{KubernetesTypeNames.Describe(e)}", [.. path]));
            return null;
        }
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

    /// <summary>"List", or a typed list such as "ServiceList": kubectl prints several objects as one of these.</summary>
    private static bool IsListKind(string? kind) => kind is not null && kind.EndsWith("List", StringComparison.Ordinal);
}
