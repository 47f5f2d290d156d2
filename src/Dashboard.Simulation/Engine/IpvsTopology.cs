using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>Why a forwarding method cannot reach a real server.</summary>
public enum TopologyIssue
{
    /// <summary>Direct routing only rewrites the MAC: the real server must be on the director's L2 segment.</summary>
    NotOnL2Segment,

    /// <summary>DR and TUN leave the client's destination port as it was: the real server must listen on the virtual port.</summary>
    PortMapped,
}

/// <summary>A real server that cannot be reached by the chosen forwarding method, and why.</summary>
public sealed record TopologyProblem(RealServer Server, VirtualService Service, TopologyIssue Issue, ForwardingMethod Method, Ipv4Prefix L2Subnet)
{
    /// <summary>In English, for the compare page's warnings (which are English throughout, like the objects' warnings).</summary>
    public string Message => Issue == TopologyIssue.NotOnL2Segment
        ? $"real server {Server} of {Service} is not on the director's L2 segment {L2Subnet}: direct routing only rewrites the MAC"
        : $"real server {Server} of {Service} listens on port {Server.Port}, not {Service.Port}: {IpvsDirector.MethodName(Method)} cannot map ports (targetPort must equal port)";
}

/// <summary>
/// What LVS's direct routing and tunnelling demand of a real server. Both leave the client's IP header as it was
/// (DR) or carry it inside an outer one (TUN), so the real server must accept the packet at the virtual port: no port
/// mapping. DR only rewrites the MAC, so every real server must also be on the director's L2 segment.
/// </summary>
public static class IpvsTopology
{
    public static IEnumerable<TopologyProblem> Problems(VirtualService service, ForwardingMethod method, Ipv4Prefix l2Subnet)
    {
        if (method == ForwardingMethod.Masquerade)
        {
            yield break;
        }
        foreach (var server in service.Servers)
        {
            if (method == ForwardingMethod.DirectRouting && !l2Subnet.Contains(server.Address))
            {
                yield return new TopologyProblem(server, service, TopologyIssue.NotOnL2Segment, method, l2Subnet);
            }
            if (server.Port != service.Port)
            {
                yield return new TopologyProblem(server, service, TopologyIssue.PortMapped, method, l2Subnet);
            }
        }
    }
}
