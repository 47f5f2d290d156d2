using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Traffic;

/// <summary>One packet of a conversation's script: who sends it (client or server), its TCP flags, and when.</summary>
public readonly record struct ConversationStep(bool FromServer, TcpFlags Flags, TimeSpan At);

/// <summary>
/// A client's connection to a target and the packets it exchanges: for TCP the three-way handshake, a request and its
/// response per keep-alive request, and the FIN exchange; for UDP a datagram and its answer per request, from one
/// source port (so conntrack sees one flow). The script is the same in every pane; the addresses of the server's
/// packets depend on the backend each mode picked.
/// </summary>
public sealed class Conversation
{
    public required long Id { get; init; }
    public required ClientPlacement Placement { get; init; }
    public required TrafficTarget Target { get; init; }
    public required Ipv4Address Client { get; init; }
    public required ushort ClientPort { get; init; }
    public required IReadOnlyList<ConversationStep> Steps { get; init; }

    public IpProtocol Protocol => Target.Protocol;

    /// <summary>One-way delay between the client and the node: a veth hop, a hop across the cluster, or the internet.</summary>
    public static TimeSpan OneWayDelay(ClientPlacement placement) => placement switch
    {
        ClientPlacement.PodOnNode => TimeSpan.FromMicroseconds(50),
        ClientPlacement.PodOnOtherNode => TimeSpan.FromMicroseconds(250),
        _ => TimeSpan.FromMilliseconds(2),
    };

    /// <summary>The script for a connection opened at <paramref name="start"/>.</summary>
    public static IReadOnlyList<ConversationStep> Script(IpProtocol protocol, ClientPlacement placement, TimeSpan start, TrafficProfile profile)
    {
        var delay = OneWayDelay(placement);
        var roundTrip = delay * 2;
        var steps = new List<ConversationStep>(6 + (2 * profile.RequestsPerConnection));
        var t = start;
        if (protocol == IpProtocol.Tcp)
        {
            steps.Add(new ConversationStep(false, TcpFlags.Syn, t));
            steps.Add(new ConversationStep(true, TcpFlags.Syn | TcpFlags.Ack, t += roundTrip));
            steps.Add(new ConversationStep(false, TcpFlags.Ack, t += roundTrip));
        }
        var data = protocol == IpProtocol.Tcp ? TcpFlags.Psh | TcpFlags.Ack : TcpFlags.None;
        for (var i = 0; i < profile.RequestsPerConnection; i++)
        {
            if (i > 0)
            {
                t += profile.RequestInterval;
            }
            steps.Add(new ConversationStep(false, data, t));
            steps.Add(new ConversationStep(true, data, t += profile.ServerTime + roundTrip));
        }
        if (protocol == IpProtocol.Tcp)
        {
            steps.Add(new ConversationStep(false, TcpFlags.Fin | TcpFlags.Ack, t += profile.RequestInterval / 4));
            steps.Add(new ConversationStep(true, TcpFlags.Fin | TcpFlags.Ack, t += roundTrip));
            steps.Add(new ConversationStep(false, TcpFlags.Ack, t + roundTrip));
        }
        return steps;
    }
}
