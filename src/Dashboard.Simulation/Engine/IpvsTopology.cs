using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>A real server that cannot be reached by the chosen forwarding method, and what the user can change.</summary>
public sealed record TopologyProblem(RealServer Server, VirtualService Service, string Setting, string Message);

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
        var name = IpvsDirector.MethodName(method);
        foreach (var server in service.Servers)
        {
            if (method == ForwardingMethod.DirectRouting && !l2Subnet.Contains(server.Address))
            {
                yield return new TopologyProblem(server, service, "l2Subnet",
                    $"real server {server} of {service} is not on the director's L2 segment {l2Subnet}: direct routing only rewrites the MAC");
            }
            if (server.Port != service.Port)
            {
                yield return new TopologyProblem(server, service, "forwarding",
                    $"real server {server} of {service} listens on port {server.Port}, not {service.Port}: {name} cannot map ports (targetPort must equal port)");
            }
        }
    }
}
