using Dashboard.Simulation.KubeProxy;

namespace Dashboard.Simulation.Tests.KubeProxy;

public class ChainNamesTests
{
    // Golden vectors from kube-proxy's own proxier_test.go fixtures (docs/DOMAIN.md section 2).
    [Theory]
    [InlineData("ns4/svc4:p80", "tcp", "KUBE-SVC-4SW47YFZTEDKD3PK")]
    [InlineData("ns1/svc1:p80", "tcp", "KUBE-SVC-XPGD46QRK7WJZT7O")]
    // The chains every real cluster shows for kube-dns and the API server.
    [InlineData("kube-system/kube-dns:dns", "udp", "KUBE-SVC-TCOU7JCQXEZGVUNU")]
    [InlineData("kube-system/kube-dns:dns-tcp", "tcp", "KUBE-SVC-ERIFXISQEP7F7OF4")]
    [InlineData("default/kubernetes:https", "tcp", "KUBE-SVC-NPX46M4PTMTKRN6Y")]
    public void Service_KubeProxyFixture_SameName(string portName, string protocol, string expected) =>
        Assert.Equal(expected, ChainNames.Service(portName, protocol));

    [Theory]
    [InlineData("ns4/svc4:p80", "tcp", "10.180.0.4:80", "KUBE-SEP-UKSFD7AGPMPPLUHC")]
    [InlineData("ns4/svc4:p80", "tcp", "10.180.0.5:80", "KUBE-SEP-C6EBXVWJJZMIWKLZ")]
    [InlineData("ns1/svc1:p80", "tcp", "10.180.0.1:80", "KUBE-SEP-SXIVWICOYRO3J4NJ")]
    public void Endpoint_KubeProxyFixture_SameName(string portName, string protocol, string endpoint, string expected) =>
        Assert.Equal(expected, ChainNames.Endpoint(portName, protocol, endpoint));

    [Fact]
    public void PolicyChains_SameServicePort_ShareTheHash()
    {
        var hash = ChainNames.Service("ns5/svc5:p80", "tcp")["KUBE-SVC-".Length..];
        Assert.Equal("KUBE-SVL-" + hash, ChainNames.ServiceLocal("ns5/svc5:p80", "tcp"));
        Assert.Equal("KUBE-EXT-" + hash, ChainNames.External("ns5/svc5:p80", "tcp"));
        Assert.Equal("KUBE-FW-" + hash, ChainNames.Firewall("ns5/svc5:p80", "tcp"));
    }

    [Fact]
    public void Service_ProtocolIsPartOfTheHash_DifferentNames() =>
        Assert.NotEqual(ChainNames.Service("kube-system/kube-dns:dns", "udp"), ChainNames.Service("kube-system/kube-dns:dns", "tcp"));

    [Fact]
    public void RoleOf_KubeProxysChains_ServicePortChainsEndpointChainsAndTheRest()
    {
        Assert.Equal(ChainRole.Service, ChainNames.RoleOf("KUBE-SVC-4SW47YFZTEDKD3PK"));
        Assert.Equal(ChainRole.Service, ChainNames.RoleOf(ChainNames.ServiceLocal("ns5/svc5:p80", "tcp")));
        Assert.Equal(ChainRole.Service, ChainNames.RoleOf(ChainNames.External("ns5/svc5:p80", "tcp")));
        Assert.Equal(ChainRole.Service, ChainNames.RoleOf(ChainNames.Firewall("ns5/svc5:p80", "tcp")));
        Assert.Equal(ChainRole.Endpoint, ChainNames.RoleOf("KUBE-SEP-UKSFD7AGPMPPLUHC"));
        foreach (var chain in (string[])["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-MARK-MASQ", "KUBE-EXTERNAL-SERVICES", "PREROUTING"])
        {
            Assert.Equal(ChainRole.Other, ChainNames.RoleOf(chain));
        }
    }
}
