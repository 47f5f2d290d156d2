using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.KubeProxy;

/// <summary>One backend of a service port, with the EndpointSlice conditions kube-proxy acts on.</summary>
public sealed record Endpoint(Ipv4Address Ip, ushort Port, bool Ready, bool Serving, bool Terminating, bool IsLocal, string? NodeName)
{
    /// <summary>"ip:port", the string kube-proxy hashes into the KUBE-SEP- name and sorts endpoints by.</summary>
    public override string ToString() => $"{Ip}:{Port}";
}
