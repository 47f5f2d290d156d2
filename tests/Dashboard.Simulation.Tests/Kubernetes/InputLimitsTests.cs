using System.Globalization;
using System.Text;
using Dashboard.Simulation.Kubernetes;

namespace Dashboard.Simulation.Tests.Kubernetes;

/// <summary>
/// The reproducers of a probe that crashed or exhausted the server with one request: each input is refused with a
/// problem that names what is wrong (and where), as soon as the reader reaches it.
/// </summary>
public class InputLimitsTests
{
    private const string Service = """
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
            targetPort: 8080

        """;

    private static InputException Fails(string text, InputFormat format = InputFormat.Yaml) =>
        Assert.Throws<InputException>(() => ClusterObjectsReader.Read(text, format));

    public static TheoryData<string, string, InputFormat> DeepNesting => new()
    {
        // Each of these overflowed the stack and ended the process before the reader read nesting while parsing.
        { "flow sequences", new string('[', 40_000) + new string(']', 40_000), InputFormat.Yaml },
        { "flow mappings", string.Concat(Enumerable.Repeat("{a: ", 20_000)) + "1" + new string('}', 20_000), InputFormat.Yaml },
        { "block sequences", string.Concat(Enumerable.Repeat("- ", 30_000)) + "x", InputFormat.Yaml },
        { "block mappings", string.Concat(Enumerable.Range(0, 2_000).Select(i => new string(' ', i) + "a:\n")) + new string(' ', 2_000) + "b", InputFormat.Yaml },
        { "JSON arrays", new string('[', 40_000) + new string(']', 40_000), InputFormat.Json },
    };

    [Theory]
    [MemberData(nameof(DeepNesting))]
    public void Read_NestingPastTheLimit_RefusedAsOverTheLimitAtItsLine(string kind, string text, InputFormat format)
    {
        var e = Fails(text, format);

        Assert.Equal(ProblemKind.TooLarge, e.Kind);
        var problem = Assert.Single(e.Problems);
        Assert.Contains($"deeper than {InputLimits.MaxDepth} levels", problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line is not null || problem.Pointer is not null, kind);
    }

    [Fact]
    public void Read_NestingAtTheLimit_ReadAsData()
    {
        // 63 levels inside a Service's annotations: deep, but legal, so the Service reads.
        var deep = new string('[', InputLimits.MaxDepth - 3) + new string(']', InputLimits.MaxDepth - 3);
        var text = Service.Replace("  namespace: demo\n", $"  namespace: demo\n  labels: {{x: y}}\n  annotations: {{deep: \"{deep}\"}}\n", StringComparison.Ordinal)
            + "extra: " + deep + "\n";

        var objects = ClusterObjectsReader.Read(text, InputFormat.Yaml);

        Assert.Single(objects.Services);
    }

    [Fact]
    public void Read_BillionLaughs_RefusedAfterTheObjectLimitNotAfterExpandingIt()
    {
        // 10^8 values if expanded; refused once one object passes its limit.
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 8).Select(i =>
            $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));

        var e = Fails(text);

        Assert.Equal(ProblemKind.TooLarge, e.Kind);
        Assert.Contains($"more than {InputLimits.MaxNodesPerObject:N0} values", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_AliasesSpreadOverManyObjects_RefusedByTheRequestLimit()
    {
        // Each item stays under the per-object limit; together they pass the request's.
        var budget = new InputBudget();
        var text = new StringBuilder("a: &big [" + string.Join(", ", Enumerable.Repeat("x", 90_000)) + "]\nitems:\n");
        for (var i = 0; i < 200; i++)
        {
            text.Append("- [*big]\n");
        }

        var e = Assert.Throws<InputException>(() => ClusterObjectsReader.Read(text.ToString(), InputFormat.Yaml, budget));

        Assert.Contains($"more than {InputLimits.MaxNodes:N0} values", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
        Assert.True(budget.Nodes > InputLimits.MaxNodes && budget.Nodes < InputLimits.MaxNodes + 200_000, $"{budget.Nodes} values counted");
    }

    [Fact]
    public void Read_AliasInsideItsOwnAnchor_RefusedAsSyntax()
    {
        var e = Fails("a: &a [*a]\n");

        Assert.Equal(ProblemKind.Syntax, e.Kind);
        Assert.Contains("*a names no anchor before it", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MoreServicesThanTheLimit_RefusedBeforeTheRestOfTheTextIsRead()
    {
        var text = new StringBuilder("apiVersion: v1\nkind: List\nitems:\n");
        for (var i = 0; i <= InputLimits.MaxServices; i++)
        {
            text.Append("- {apiVersion: v1, kind: Service, metadata: {name: s").Append(i).Append("}, spec: {clusterIP: None}}\n");
        }
        // Past the 50,001st service the text is broken: a reader that parsed it all first would report that instead.
        text.Append("- [unclosed\n");

        var e = Fails(text.ToString());

        Assert.Equal(ProblemKind.TooLarge, e.Kind);
        Assert.Contains($"more than {InputLimits.MaxServices:N0} services", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EndpointPortsPastTheLimit_RefusedNamingTheSlice()
    {
        var text = new StringBuilder(Service.Replace("kind: Service", "kind: Service", StringComparison.Ordinal));
        var ports = string.Join(", ", Enumerable.Range(0, 100).Select(p => $"{{name: p{p}, port: {1000 + p}}}"));
        var endpoints = string.Join(", ", Enumerable.Range(0, 1_000).Select(e => $"{{addresses: [10.244.{1 + e / 250}.{1 + e % 250}]}}"));
        for (var i = 0; i < 3; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: web-{i}, namespace: demo, labels: {{kubernetes.io/service-name: web}}}}\naddressType: IPv4\nports: [{ports}]\nendpoints: [{endpoints}]\n");
        }

        var e = Fails(text.ToString());

        Assert.Equal(ProblemKind.TooLarge, e.Kind);
        var problem = Assert.Single(e.Problems);
        Assert.Contains($"more than {InputLimits.MaxEndpointPorts:N0} endpoint ports", problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
    }

    [Fact]
    public void Read_SliceOverTheApiServersLimits_SemanticProblemsNamingThem()
    {
        var ports = string.Join(", ", Enumerable.Range(0, 101).Select(p => $"{{name: p{p}, port: {1000 + p}}}"));
        var endpoints = string.Join(", ", Enumerable.Range(0, 1_001).Select(e => $"{{addresses: [10.244.{1 + e / 250}.{1 + e % 250}]}}"));
        string Slice(string name, string portList, string endpointList) =>
            $"---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {{name: {name}, namespace: demo, labels: {{kubernetes.io/service-name: web}}}}\naddressType: IPv4\nports: [{portList}]\nendpoints: [{endpointList}]\n";

        var e = Fails(Service + Slice("many-ports", ports, "{addresses: [10.244.1.2]}") + Slice("many-endpoints", "{name: http, port: 8080}", endpoints));

        Assert.Equal(ProblemKind.Semantic, e.Kind);
        Assert.Contains(e.Problems, p => p.Message.Contains("101 ports, the API server's limit is 100", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Message.Contains("1001 endpoints, the API server's limit is 1000", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ServiceWithTooManyPorts_SemanticProblem()
    {
        var ports = string.Concat(Enumerable.Range(0, 101).Select(p => $"  - {{name: p{p}, port: {1000 + p}}}\n"));
        var text = Service[..Service.IndexOf("  - name: http", StringComparison.Ordinal)] + ports;

        var e = Fails(text);

        Assert.Contains($"101 ports, the limit is {InputLimits.MaxPortsPerService}", Assert.Single(e.Problems).Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> WrongValues => new()
    {
        // Each of these answered 500 before: the value reached a converter or a rule comment that could not take it.
        { "name: web", "name: 1e400", "metadata.name must be a DNS-1035 label" },
        { "port: 80", "port: 1e400", "spec.ports[0].port: expected an integer" },
        { "targetPort: 8080", "targetPort: true", "spec.ports[0].targetPort: expected an integer or a string" },
        { "targetPort: 8080", "targetPort: [8080]", "spec.ports[0].targetPort: expected an integer or a string" },
        { "targetPort: 8080", "targetPort: {port: 8080}", "spec.ports[0].targetPort: expected an integer or a string" },
        { "name: web", "name: " + new string('w', 300), "metadata.name must be a DNS-1035 label" },
        { "name: web", "name: \"we\\nb\"", "\"we\\u000Ab\": metadata.name must be a DNS-1035 label" },
        { "namespace: demo", "namespace: Demo_Space", "metadata.namespace \"Demo_Space\" must be a DNS-1123 label" },
        { "- name: http", "- name: " + new string('h', 70), "must be a DNS-1123 label" },
        { "  - name: http\n    port: 80\n    targetPort: 8080\n", "  - ~\n", "spec.ports[0] is empty (null)" },
        { "metadata:\n  name: web\n  namespace: demo\n", "metadata: hello\n", "metadata: expected an object (ObjectMeta)" },
        { "  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n", "  ports: 5\n", "spec.ports: expected a list" },
    };

    [Theory]
    [MemberData(nameof(WrongValues))]
    public void Read_WrongValue_SemanticProblemInKubernetesTerms(string replace, string with, string expected)
    {
        var e = Fails(Service.Replace(replace, with, StringComparison.Ordinal));

        Assert.Equal(ProblemKind.Semantic, e.Kind);
        var problem = Assert.Single(e.Problems);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.NotNull(problem.Line);
        // Never the deserializer's CLR names.
        Assert.DoesNotContain("k8s.Models", problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NullEndpoint_SemanticProblemNamingIt()
    {
        var text = Service + "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-1, namespace: demo, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [~]\nendpoints: [~]\n";

        var e = Fails(text);

        Assert.Contains(e.Problems, p => p.Message.Contains("endpoints[0] is empty (null)", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Message.Contains("ports[0] is empty (null)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("? [a]\n: b\n", "a mapping key must be a plain value")]
    [InlineData("? {a: 1}\n: b\n", "a mapping key must be a plain value")]
    [InlineData("spec: {}\n", "the key \"spec\" appears twice")]
    public void Read_KeyThatIsNoKey_SyntaxProblemAtItsLine(string append, string expected)
    {
        var e = Fails(Service + append);

        Assert.Equal(ProblemKind.Syntax, e.Kind);
        var problem = Assert.Single(e.Problems);
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
        Assert.Equal(12, problem.Line);
    }

    [Fact]
    public void Read_DuplicateJsonKey_SyntaxProblemWithItsPointer()
    {
        var e = Fails("""{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "name": "b"}}""", InputFormat.Json);

        var problem = Assert.Single(e.Problems);
        Assert.Contains("the key \"name\" appears twice", problem.Message, StringComparison.Ordinal);
        Assert.Equal("/metadata/", problem.Pointer);
    }

    [Fact]
    public void Read_CancelledBudget_StopsReading()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var text = "apiVersion: v1\nkind: List\nitems:\n" + string.Concat(Enumerable.Repeat("- {a: b}\n", 10_000));

        Assert.ThrowsAny<OperationCanceledException>(() => ClusterObjectsReader.Read(text, InputFormat.Yaml, new InputBudget(cancelled.Token)));
    }
}
