using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Traffic;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// One pane's node: a dataplane in one mode, the conversations still open on it (with the addresses its answers come
/// from), and exact counters of what it did.
/// </summary>
public sealed class DataplaneLane
{
    /// <summary>Where a conversation's server answers come from and go to, as decided by this lane's first packet.</summary>
    private readonly record struct Flow(Ipv4Address Server, ushort ServerPort, Ipv4Address Client, ushort ClientPort, PacketOrigin ServerSide, string Backend);

    private readonly Dictionary<long, Flow> _flows = [];

    private DataplaneLane(LaneOptions options, NodeDataplane dataplane, NodeIpvs? ipvs)
    {
        Options = options;
        Dataplane = dataplane;
        Ipvs = ipvs;
    }

    public LaneOptions Options { get; }
    public NodeDataplane Dataplane { get; }

    /// <summary>IPVS mode: kube-proxy's sync (virtual servers, ipsets, rules) the node was built from.</summary>
    public NodeIpvs? Ipvs { get; }

    public LaneMetrics Metrics { get; } = new();

    /// <summary>Conversations this lane is still carrying.</summary>
    public int OpenConversations => _flows.Count;

    public static DataplaneLane Build(ClusterObjects objects, NodeSettings node, LaneOptions options, long seed)
    {
        switch (options.Mode)
        {
            case "iptables":
                return new DataplaneLane(options, NodeDataplane.ForIptablesNode(objects, node, seed), null);
            case "ipvs":
                var ipvs = NodeIpvs.Build(objects, node, options.Scheduler, options.Forwarding, options.Weights);
                return new DataplaneLane(options, NodeDataplane.ForIpvsNode(ipvs, node, seed, options.ConnTabBits), ipvs);
            default:
                throw new ArgumentException($"mode \"{options.Mode}\" is not one of {string.Join(", ", LaneOptions.Modes)}", nameof(options));
        }
    }

    /// <summary>Walks one step of a conversation through this lane's node; null when the conversation already ended here.</summary>
    internal PacketResult? Carry(Conversation conversation, int stepIndex, ConversationStep step)
    {
        Packet packet;
        PacketOrigin origin;
        Flow flow = default;
        if (stepIndex == 0)
        {
            packet = ClientPacket(conversation, step);
            origin = Origin(conversation.Placement);
        }
        else if (!_flows.TryGetValue(conversation.Id, out flow))
        {
            return null;
        }
        else if (step.FromServer)
        {
            packet = new Packet
            {
                Protocol = conversation.Protocol,
                Source = flow.Server,
                SourcePort = flow.ServerPort,
                Destination = flow.Client,
                DestinationPort = flow.ClientPort,
                TcpFlags = step.Flags,
            };
            origin = flow.ServerSide;
        }
        else
        {
            packet = ClientPacket(conversation, step);
            origin = Origin(conversation.Placement);
        }

        var result = Dataplane.Process(packet, origin, step.At);
        Metrics.Count(result, stepIndex == 0);
        if (stepIndex == 0)
        {
            if (result.Outcome == OutcomeKind.Delivered && result.To is { } to && Endpoint(to) is { } backend)
            {
                // The answer comes from where the packet went (after DNAT; for DR and TUN still the virtual address,
                // which the real server owns) back to where it came from (after any masquerade).
                var after = result.HeadersAfter;
                flow = new Flow(after.Destination, after.DestinationPort, after.Source, after.SourcePort,
                    Dataplane.Network.Settings.PodCidr.Contains(backend) ? PacketOrigin.Pod : PacketOrigin.RemoteNode, to);
                _flows[conversation.Id] = flow;
            }
        }
        if (!step.FromServer && IsRequest(conversation.Protocol, step.Flags) && result.Outcome == OutcomeKind.Delivered)
        {
            Metrics.CountRequest(stepIndex == 0 ? result.To! : flow.Backend);
        }
        if (stepIndex == conversation.Steps.Count - 1)
        {
            _flows.Remove(conversation.Id);
        }
        return result;
    }

    private static bool IsRequest(IpProtocol protocol, TcpFlags flags) => protocol == IpProtocol.Udp || flags.HasFlag(TcpFlags.Psh);

    private static Packet ClientPacket(Conversation conversation, ConversationStep step) => new()
    {
        Protocol = conversation.Protocol,
        Source = conversation.Client,
        SourcePort = conversation.ClientPort,
        Destination = conversation.Target.Address,
        DestinationPort = conversation.Target.Port,
        TcpFlags = step.Flags,
    };

    private static PacketOrigin Origin(ClientPlacement placement) => placement switch
    {
        ClientPlacement.PodOnNode => PacketOrigin.Pod,
        ClientPlacement.PodOnOtherNode => PacketOrigin.RemoteNode,
        _ => PacketOrigin.External,
    };

    /// <summary>The backend's address in "ip:port"; null for a packet that ended in a local socket (no modelled server answers it).</summary>
    private Ipv4Address? Endpoint(string to)
    {
        var colon = to.LastIndexOf(':');
        return colon > 0 && Ipv4Address.TryParse(to[..colon], out var address) && !Dataplane.Network.IsLocal(address) ? address : null;
    }
}
