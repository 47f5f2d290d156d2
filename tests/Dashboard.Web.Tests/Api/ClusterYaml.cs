namespace Dashboard.Web.Tests.Api;

/// <summary>Small `kubectl get svc,endpointslices -o yaml` documents for the API tests.</summary>
internal static class ClusterYaml
{
    public static string Service(string name, string clusterIp, string protocol = "TCP", int port = 80) => $"""
        - apiVersion: v1
          kind: Service
          metadata:
            name: {name}
            namespace: demo
          spec:
            type: ClusterIP
            clusterIP: {clusterIp}
            clusterIPs:
            - {clusterIp}
            ports:
            - name: http
              port: {port}
              protocol: {protocol}
              targetPort: 8080
        """;

    public static string Slice(string service, params string[] addresses) => $"""
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: {service}-abcde
            namespace: demo
            labels:
              kubernetes.io/service-name: {service}
          addressType: IPv4
          endpoints:
        {string.Concat(addresses.Select(address => $"""
          - addresses:
            - {address}
            conditions:
              ready: true
            nodeName: node-2

        """))}  ports:
          - name: http
            port: 8080
            protocol: TCP
        """;

    public const string ConfigMap = """
        - apiVersion: v1
          kind: ConfigMap
          metadata:
            name: settings
            namespace: demo
          data:
            key: value
        """;

    public static string List(params string[] items) =>
        "apiVersion: v1\nkind: List\nitems:\n" + string.Join("\n", items) + "\n";

    public static string Valid => List(Service("web", "10.96.0.20"), Slice("web", "10.244.1.2"));

    public const string ValidJson = """
        {
          "apiVersion": "v1",
          "kind": "List",
          "items": [
            {
              "apiVersion": "v1",
              "kind": "Service",
              "metadata": { "name": "web", "namespace": "demo" },
              "spec": {
                "type": "ClusterIP",
                "clusterIP": "10.96.0.20",
                "clusterIPs": [ "10.96.0.20" ],
                "ports": [ { "name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080 } ]
              }
            }
          ]
        }
        """;
}
