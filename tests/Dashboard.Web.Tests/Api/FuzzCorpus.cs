using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;
using k8s;

namespace Dashboard.Web.Tests.Api;

/// <summary>One request of the fuzz corpus: where it goes, its content type and its body.</summary>
public sealed record FuzzInput(string Name, string Url, string ContentType, string Body);

/// <summary>
/// Bad inputs made by mutating the built-in scenarios (as YAML and as JSON): cut, repeated and swapped text, values of
/// the wrong type and size, broken indentation, nesting, aliases, hostile query parameters, and trace bodies around
/// them. The seed decides every choice, so a failing input can be made again from its name.
/// </summary>
public static class FuzzCorpus
{
    private static readonly string[] Tokens =
    [
        "[", "]", "{", "}", ":", ": ", "- ", "-", "&a ", "*a", "*b", "!!binary ", "!!map ", "? ", "\n", "\t", "\"", "'", "#",
        "|", ">", "%YAML 1.1\n", "@", "`", "\0", "\uFFFF", "\uD800", "é", "한", "1e400", "-1", "99999999999999999999", "true",
        "null", "~", ".inf", "0x1F", "<<: *a", "---\n", "...\n", "\r\n", "\\", "{}", "[]", ",", "\u2028",
    ];

    private static readonly string[] Values =
    [
        "1e400", "-1e400", "[1, 2]", "{a: b}", "~", "\"\"", "-5", "0", "70000", "4294967296", "true", "\"10.0.0.256\"",
        new string('a', 300), "\"a\\nb\"", "*undefined", "&x", "!!str 5", ".nan", "!!int x", "[[[[[]]]]]", "{? [a]: b}",
        "\"\\u0000\"", "'", "\"unterminated", "10.96.0.1/33", "::1", "SCTP", "Tcp", "ExternalName", "{name: 1}",
    ];

    private static readonly string[] Schedulers = ["rr", "wrr", "lc", "wlc", "sed", "nq", "sh", "dh", "mh", "fo", "ovf", "", "fastest", "RR", "r\u0000r"];

    private static readonly string[] NodeParameters =
    [
        "", "?nodeIP=192.168.1.10", "?nodeIP=999.1.1.1", "?podCIDR=10.244.0.0/33", "?clusterCIDR=x", "?nodeName=Node_1",
        "?nodeName=%E2%80%A8", "?podCIDR=10.244.0.0&clusterCIDR=10.244.0.0/16", "?nodeName=" + new string('n', 300),
    ];

    public static IReadOnlyList<FuzzInput> Generate(int seed, int count)
    {
        var random = new Random(seed);
        var sources = ScenarioCatalog.Names.SelectMany(name => new[] { ScenarioCatalog.GetYaml(name), AsJson(name) }).ToArray();
        var inputs = new List<FuzzInput>(count);
        for (var i = 0; i < count; i++)
        {
            var source = sources[random.Next(sources.Length)];
            var text = Mutate(source, random);
            var json = source.StartsWith('{');
            var name = $"seed {seed} #{i}";
            inputs.Add(random.Next(3) switch
            {
                0 => new FuzzInput(name, "/api/v1/rules/iptables" + Pick(NodeParameters, random), ContentType(json, random), text),
                1 => new FuzzInput(name, $"/api/v1/rules/ipvs?scheduler={Uri.EscapeDataString(Pick(Schedulers, random))}", ContentType(json, random), text),
                _ => Trace(name, text, random),
            });
        }
        return inputs;
    }

    /// <summary>The findings of the probe that found the server could be crashed, as inputs of their own.</summary>
    public static IEnumerable<FuzzInput> Reproducers()
    {
        var service = ScenarioCatalog.GetYaml("small");
        yield return Rules("flow sequences 40,000 deep", new string('[', 40_000) + new string(']', 40_000));
        yield return Rules("flow maps 20,000 deep", string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000));
        yield return Rules("block sequences 30,000 deep", string.Concat(Enumerable.Repeat("- ", 30_000)) + "x");
        yield return new FuzzInput("nested IPVS", "/api/v1/rules/ipvs", "application/yaml", new string('[', 40_000) + new string(']', 40_000));
        yield return new FuzzInput("nested trace objects", "/api/v1/trace", "application/json",
            JsonSerializer.Serialize(new { mode = "iptables", objects = new string('[', 40_000) + new string(']', 40_000), packets = Array.Empty<object>() }));
        yield return new FuzzInput("nested update objects", "/api/v1/trace", "application/json",
            JsonSerializer.Serialize(new { mode = "iptables", objects = service, packets = new[] { Packet("10.96.0.10", 53) }, updates = new[] { new { at = 1, objects = string.Concat(Enumerable.Repeat("- ", 30_000)) + "x" } } }));
        yield return Rules("aliases of aliases, 5 MB", AliasBody(5_000_000));
        yield return Rules("20 MB of '- 1' lines", new StringBuilder(20_000_000).Insert(0, "- 1\n", 5_000_000).ToString());
        yield return Rules("1,000 ports x 1,000 endpoints", PortsTimesEndpoints(1_000, 1_000));
        yield return new FuzzInput("IPVS mh 300 x 300", "/api/v1/rules/ipvs?scheduler=mh", "application/yaml", PortsTimesEndpoints(100, 300));
        yield return Rules("50,001 services", ManyServices(50_001));
        foreach (var (name, replace, with) in new[]
        {
            ("name 1e400", "name: web", "name: 1e400"),
            ("targetPort a boolean", "targetPort: 8080", "targetPort: true"),
            ("targetPort an array", "targetPort: 8080", "targetPort: [1]"),
            ("targetPort an object", "targetPort: 8080", "targetPort: {a: 1}"),
            ("a 300-character name", "name: web", "name: " + new string('w', 300)),
            ("a newline in a name", "name: web", "name: \"we\\nb\""),
            ("SCTP", "protocol: TCP", "protocol: SCTP"),
            ("a sequence as a key", "kind: Service", "kind: Service\n? [a]\n: b"),
            ("a null port", "  - name: http\n    port: 80", "  - ~\n  - name: http\n    port: 80"),
            ("YamlDotNet's own error", "kind: Service", "a:\n     : b"),
        })
        {
            yield return Rules(name, ReproducerService.Replace(replace, with, StringComparison.Ordinal));
        }
    }

    private const string ReproducerService = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: demo
        spec:
          clusterIP: 10.96.0.20
          ports:
          - name: http
            port: 80
            protocol: TCP
            targetPort: 8080

        """;

    private static FuzzInput Rules(string name, string body) => new(name, "/api/v1/rules/iptables", "application/yaml", body);

    private static FuzzInput Trace(string name, string objects, Random random)
    {
        var body = JsonSerializer.Serialize(new
        {
            mode = random.Next(10) == 0 ? "bpf" : random.Next(2) == 0 ? "iptables" : "ipvs",
            objects,
            seed = random.Next(),
            packets = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Packet(random.Next(2) == 0 ? "10.96.0.10" : "10.96.0.20", random.Next(2) == 0 ? 53 : 80)).ToArray(),
            views = random.Next(2) == 0,
        });
        // Half the traces break their own JSON too, around the objects.
        return new FuzzInput(name, "/api/v1/trace", "application/json", random.Next(2) == 0 ? body : Mutate(body, random));
    }

    private static object Packet(string dst, int dport) =>
        new { from = "pod-local", src = "10.244.0.5", sport = 40000, dst, dport, proto = dport == 53 ? "udp" : "tcp", flags = dport == 53 ? null : "SYN" };

    private static string ContentType(bool json, Random random) => random.Next(20) switch
    {
        0 => "text/plain",
        1 => "application/yaml; charset=latin1",
        _ => json ? "application/json" : "application/yaml",
    };

    private static string Mutate(string text, Random random)
    {
        var builder = new StringBuilder(text);
        for (var round = random.Next(1, 4); round > 0 && builder.Length > 0; round--)
        {
            var at = random.Next(builder.Length);
            var span = Math.Min(random.Next(1, 40), builder.Length - at);
            switch (random.Next(10))
            {
                case 0:
                    builder.Remove(at, span);
                    break;
                case 1:
                    builder.Insert(at, builder.ToString(at, span));
                    break;
                case 2:
                    builder.Insert(at, Pick(Tokens, random));
                    break;
                case 3:
                    ReplaceValue(builder, random);
                    break;
                case 4:
                    Reindent(builder, random);
                    break;
                case 5:
                    SwapLines(builder, random);
                    break;
                case 6:
                    builder.Length = at;
                    break;
                case 7:
                    var depth = random.Next(1, 200);
                    builder.Insert(0, new string('[', depth)).Append(new string(']', random.Next(depth + 1)));
                    break;
                case 8:
                    RepeatLine(builder, random);
                    break;
                default:
                    builder[at] = char.IsUpper(builder[at]) ? char.ToLowerInvariant(builder[at]) : char.ToUpperInvariant(builder[at]);
                    break;
            }
        }
        return builder.ToString();
    }

    private static void ReplaceValue(StringBuilder builder, Random random)
    {
        var lines = builder.ToString().Split('\n');
        var candidates = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(": ", StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0)
        {
            return;
        }
        var line = candidates[random.Next(candidates.Count)];
        lines[line] = lines[line][..(lines[line].IndexOf(": ", StringComparison.Ordinal) + 2)] + Pick(Values, random);
        builder.Clear().AppendJoin('\n', lines);
    }

    private static void Reindent(StringBuilder builder, Random random)
    {
        var lines = builder.ToString().Split('\n');
        var line = random.Next(lines.Length);
        var shift = random.Next(-4, 5);
        lines[line] = shift > 0 ? new string(' ', shift) + lines[line] : lines[line].TrimStart().PadLeft(Math.Max(0, lines[line].Length + shift));
        builder.Clear().AppendJoin('\n', lines);
    }

    private static void SwapLines(StringBuilder builder, Random random)
    {
        var lines = builder.ToString().Split('\n');
        var (a, b) = (random.Next(lines.Length), random.Next(lines.Length));
        (lines[a], lines[b]) = (lines[b], lines[a]);
        builder.Clear().AppendJoin('\n', lines);
    }

    /// <summary>A generated body stays under this size; the reproducers bring the large ones.</summary>
    private const int MaxGeneratedLength = 256 * 1024;

    private static void RepeatLine(StringBuilder builder, Random random)
    {
        var lines = builder.ToString().Split('\n').ToList();
        var line = random.Next(lines.Count);
        var room = (MaxGeneratedLength - builder.Length) / (lines[line].Length + 1);
        lines.InsertRange(line, Enumerable.Repeat(lines[line], Math.Clamp(random.Next(1, 1_000), 0, Math.Max(0, room))));
        builder.Clear().AppendJoin('\n', lines);
    }

    private static string Pick(string[] values, Random random) => values[random.Next(values.Length)];

    /// <summary>A scenario as `kubectl get -o json` prints it: a List of the objects.</summary>
    private static string AsJson(string scenario)
    {
        var objects = ScenarioCatalog.Load(scenario);
        var items = objects.Services.Select(s => KubernetesJson.Serialize(s)).Concat(objects.EndpointSlices.Select(s => KubernetesJson.Serialize(s)));
        return "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n" + string.Join(",\n", items) + "\n]}";
    }

    private static string AliasBody(int bytes)
    {
        var text = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; text.Length < bytes; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"a{i}: &a{i} [").AppendJoin(", ", Enumerable.Repeat($"*a{i - 1}", 10)).Append("]\n");
        }
        return text.ToString();
    }

    private static string PortsTimesEndpoints(int ports, int endpoints)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: big, namespace: default}\n  spec:\n    clusterIP: 10.96.0.10\n    ports:\n");
        for (var p = 0; p < ports; p++)
        {
            text.Append(CultureInfo.InvariantCulture, $"    - {{name: p{p}, port: {1000 + p}, protocol: TCP, targetPort: {1000 + p}}}\n");
        }
        text.Append("- apiVersion: discovery.k8s.io/v1\n  kind: EndpointSlice\n  metadata: {name: big-1, namespace: default, labels: {kubernetes.io/service-name: big}}\n  addressType: IPv4\n  ports:\n");
        for (var p = 0; p < ports; p++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - {{name: p{p}, port: {1000 + p}, protocol: TCP}}\n");
        }
        text.Append("  endpoints:\n");
        for (var e = 0; e < endpoints; e++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - {{addresses: [10.244.{1 + (e / 250)}.{1 + (e % 250)}], conditions: {{ready: true}}}}\n");
        }
        return text.ToString();
    }

    private static string ManyServices(int count)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (var i = 0; i < count; i++)
        {
            text.Append("- {apiVersion: v1, kind: Service, metadata: {name: s").Append(i).Append(", namespace: bench}, spec: {clusterIP: None}}\n");
        }
        return text.ToString();
    }
}
