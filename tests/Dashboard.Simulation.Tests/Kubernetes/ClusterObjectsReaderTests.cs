using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Scenarios;

namespace Dashboard.Simulation.Tests.Kubernetes;

public class ClusterObjectsReaderTests
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
            protocol: TCP
            targetPort: 8080
        """;

    private static InputException Fails(string text, InputFormat format = InputFormat.Yaml) =>
        Assert.Throws<InputException>(() => ClusterObjectsReader.Read(text, format));

    [Fact]
    public void Read_SmallScenario_ServicesAndSlices()
    {
        var objects = ScenarioCatalog.Load("small");
        Assert.Equal(6, objects.Services.Count);
        Assert.Equal(6, objects.EndpointSlices.Count);
        Assert.Empty(objects.Warnings);
        Assert.Contains(objects.Services, s => s.Metadata.Name == "cart" && s.Spec.SessionAffinity == "ClientIP");
    }

    [Fact]
    public void Read_MultiDocumentYaml_BothObjects()
    {
        var slice = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-1
              namespace: demo
              labels:
                kubernetes.io/service-name: web
            addressType: IPv4
            endpoints:
            - addresses: ["10.244.1.3"]
            ports:
            - name: http
              port: 8080
            """;
        var objects = ClusterObjectsReader.Read(Service + "\n---\n" + slice, InputFormat.Yaml);
        Assert.Single(objects.Services);
        Assert.Single(objects.EndpointSlices);
    }

    [Fact]
    public void Read_InvalidClusterIp_SemanticErrorAtItsLine()
    {
        var e = Fails(Service.Replace("10.96.0.20", "10.96.0.300", StringComparison.Ordinal));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(ProblemKind.Semantic, problem.Kind);
        Assert.Equal(7, problem.Line);
        Assert.Contains("10.96.0.300", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_UnknownProtocol_ErrorNamesThePort()
    {
        var e = Fails(Service.Replace("protocol: TCP", "protocol: QUIC", StringComparison.Ordinal));
        var problem = Assert.Single(e.Problems);
        Assert.Equal(11, problem.Line);
        Assert.Contains("spec.ports[0].protocol \"QUIC\"", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_DuplicateClusterIp_ErrorNamesBothServices()
    {
        var other = Service.Replace("name: web", "name: shop", StringComparison.Ordinal);
        var e = Fails(Service + "\n---\n" + other);
        var problem = Assert.Single(e.Problems);
        Assert.Contains("demo/shop", problem.Message, StringComparison.Ordinal);
        Assert.Contains("demo/web", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MalformedYaml_SyntaxErrorWithLine()
    {
        var e = Fails("apiVersion: v1\nkind: Service\nmetadata: {name: [\n");
        Assert.Equal(ProblemKind.Syntax, e.Kind);
        Assert.NotNull(Assert.Single(e.Problems).Line);
    }

    [Fact]
    public void Read_MalformedJson_SyntaxError()
    {
        var e = Fails("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [", InputFormat.Json);
        Assert.Equal(ProblemKind.Syntax, e.Kind);
    }

    [Fact]
    public void Read_JsonList_WrongTypeReportedByPointer()
    {
        var json = """{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"},"spec":{"clusterIP":"10.96.0.1","ports":[{"port":"eighty"}]}}]}""";
        var e = Fails(json, InputFormat.Json);
        Assert.Equal("/items/0/spec/ports/0/port", Assert.Single(e.Problems).Pointer);
    }

    [Fact]
    public void Read_OtherKinds_WarningNotError()
    {
        var objects = ClusterObjectsReader.Read(Service + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", InputFormat.Yaml);
        Assert.Contains(objects.Warnings, w => w.Contains("ConfigMap", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_SliceOfMissingService_Warning()
    {
        var slice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: x-1\n  namespace: demo\n  labels:\n    kubernetes.io/service-name: gone\naddressType: IPv4\nendpoints: []\n";
        var objects = ClusterObjectsReader.Read(Service + "\n---\n" + slice, InputFormat.Yaml);
        Assert.Contains(objects.Warnings, w => w.Contains("demo/gone does not exist", StringComparison.Ordinal));
    }
}
