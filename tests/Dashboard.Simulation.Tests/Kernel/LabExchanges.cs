using System.Net.Sockets;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>What the kernel traced for one packet crossing the node: the API-form entries and the monitor's own lines.</summary>
public sealed record KernelPacketTrace(IReadOnlyList<KernelTraceEntry> Entries, IReadOnlyList<string> MonitorOutput)
{
    /// <summary>The entries one per line, aligned like the kernel's trace of the worked example (docs/DOMAIN.md section 7), for readable assertion failures.</summary>
    public override string ToString() =>
        string.Join('\n', Entries.Select(e => $"{e.Table,-7}{e.Chain,-18}{(e.Rule is { } rule ? $"rule {rule}" : "policy"),-8}{e.Verdict}"));
}

/// <summary>How a client's connect() ended.</summary>
public enum TcpConnectOutcome
{
    Connected,
    Refused,
    TimedOut,
    Unreachable,
}

/// <summary>A lone SYN's trace and how the client's connect() ended.</summary>
public sealed record TcpSynResult(KernelPacketTrace Syn, TcpConnectOutcome Outcome);

/// <summary>A UDP datagram's trace and, when a backend echoed it, the reply's trace.</summary>
public sealed record UdpExchange(KernelPacketTrace Request, KernelPacketTrace? Reply);

/// <summary>
/// An established TCP connection through the node with the traces of its handshake. It stays open (so conntrack
/// shows ESTABLISHED) until disposed.
/// </summary>
public sealed class TcpExchange : IAsyncDisposable
{
    private readonly Socket _socket;

    internal TcpExchange(Socket socket, KernelPacketTrace syn, KernelPacketTrace synAck, KernelPacketTrace ack)
    {
        _socket = socket;
        Syn = syn;
        SynAck = synAck;
        Ack = ack;
    }

    public KernelPacketTrace Syn { get; }

    public KernelPacketTrace SynAck { get; }

    public KernelPacketTrace Ack { get; }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
