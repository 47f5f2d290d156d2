using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>A `PACKET:` line of `xtables-monitor --trace`: the packet's headers as one base chain saw them.</summary>
public sealed record TracedHeader(
    string TraceId,
    string? InInterface,
    string? OutInterface,
    string Source,
    string Destination,
    int? SourcePort,
    int? DestinationPort,
    IReadOnlySet<string> TcpFlags,
    string? Mark)
{
    /// <summary>xtables-monitor prints no protocol; only TCP headers carry flag words (SYN, ACK, ...).</summary>
    public bool IsTcp => TcpFlags.Count > 0;

    public bool HasExactFlags(params string[] flags) => TcpFlags.SetEquals(flags);
}

/// <summary>A `TRACE:` line: which table and chain, whether a rule (by nft handle), a policy or a return, and the verdict as printed.</summary>
public sealed record TracedLine(string TraceId, string Table, string Chain, string Kind, long? Handle, string Verdict, string RuleText);

/// <summary>Everything xtables-monitor printed for one packet's pass through the node, in order.</summary>
public sealed record TracedPacket(string TraceId, IReadOnlyList<TracedHeader> Headers, IReadOnlyList<TracedLine> Lines, IReadOnlyList<string> Text)
{
    /// <summary>The packet as it entered: the header printed with the harness's raw-table TRACE rule, before any NAT.</summary>
    public TracedHeader? Arrival => Headers.Count > 0 ? Headers[0] : null;
}

/// <summary>Turns `xtables-monitor --trace` output into packets and packets into the engine's kernel trace entries.</summary>
public static partial class XtablesTrace
{
    /// <summary>NFT_RETURN (-5): xtables-monitor 1.8.9 has no name for it and prints the raw verdict code.</summary>
    public const string ReturnVerdictCode = "0xfffffffb";

    private static readonly HashSet<string> TcpFlagWords = ["SYN", "ACK", "FIN", "RST", "PSH", "URG"];

    [GeneratedRegex(@"^\s*TRACE: \d+ (?<id>[0-9a-f]+) (?<table>[^:\s]+):(?<chain>[^:\s]+):(?<kind>rule|policy|return):(?<rest>.*)$")]
    private static partial Regex TraceLinePattern();

    [GeneratedRegex(@"^\s*PACKET: \d+ (?<id>[0-9a-f]+) (?<rest>.*)$")]
    private static partial Regex PacketLinePattern();

    public static TracedLine? ParseTraceLine(string line)
    {
        var match = TraceLinePattern().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var id = match.Groups["id"].Value;
        var table = match.Groups["table"].Value;
        var chain = match.Groups["chain"].Value;
        var kind = match.Groups["kind"].Value;
        var rest = match.Groups["rest"].Value;
        if (kind != "rule")
        {
            return new TracedLine(id, table, chain, kind, null, rest.Trim(), string.Empty);
        }

        // rest = "0x12:JUMP:KUBE-SVC-AAAA  -4 -t nat -A ..." : the handle, then the verdict, then the rule as iptables prints it.
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var handle = Convert.ToInt64(rest[..colon], 16);
        var afterHandle = rest[(colon + 1)..];
        var space = afterHandle.IndexOf(' ', StringComparison.Ordinal);
        var verdict = space < 0 ? afterHandle : afterHandle[..space];
        var ruleText = space < 0 ? string.Empty : afterHandle[space..].Trim();
        return new TracedLine(id, table, chain, kind, handle, verdict, ruleText);
    }

    public static TracedHeader? ParsePacketLine(string line)
    {
        var match = PacketLinePattern().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in match.Groups["rest"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                fields[word[..equals]] = word[(equals + 1)..];
            }
            else if (TcpFlagWords.Contains(word))
            {
                flags.Add(word);
            }
        }

        return new TracedHeader(
            match.Groups["id"].Value,
            fields.GetValueOrDefault("IN"),
            fields.GetValueOrDefault("OUT"),
            fields.GetValueOrDefault("SRC", string.Empty),
            fields.GetValueOrDefault("DST", string.Empty),
            fields.TryGetValue("SPORT", out var sport) ? int.Parse(sport, CultureInfo.InvariantCulture) : null,
            fields.TryGetValue("DPORT", out var dport) ? int.Parse(dport, CultureInfo.InvariantCulture) : null,
            flags,
            fields.GetValueOrDefault("MARK"));
    }

    /// <summary>
    /// Splits monitor output into packets. Trace ids are per skb and can repeat, and lines of different packets
    /// interleave (a REJECT's ICMP error is traced before the rejected packet's own DROP line), so lines are grouped
    /// by id and a new packet starts at every hit of one of the harness's raw TRACE rules: tracing starts there, so
    /// it is each packet's first TRACE line.
    /// </summary>
    public static IReadOnlyList<TracedPacket> SplitPackets(IEnumerable<string> lines, IReadOnlySet<long> startHandles)
    {
        var packets = new List<PacketBuilder>();
        var current = new Dictionary<string, PacketBuilder>(StringComparer.Ordinal);
        var pendingHeaders = new Dictionary<string, TracedHeader>(StringComparer.Ordinal);
        var pendingText = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (ParsePacketLine(line) is { } header)
            {
                pendingHeaders[header.TraceId] = header;
                pendingText[header.TraceId] = line;
                continue;
            }

            if (ParseTraceLine(line) is not { } trace)
            {
                continue;
            }

            var isStart = trace is { Table: "raw", Kind: "rule", Handle: { } handle } && startHandles.Contains(handle);
            if (isStart || !current.TryGetValue(trace.TraceId, out var packet))
            {
                packet = new PacketBuilder(trace.TraceId);
                packets.Add(packet);
                current[trace.TraceId] = packet;
            }

            if (pendingHeaders.Remove(trace.TraceId, out var pending))
            {
                packet.Headers.Add(pending);
                packet.Text.Add(pendingText[trace.TraceId]);
            }

            packet.Lines.Add(trace);
            packet.Text.Add(line);
        }

        return [.. packets.Select(p => new TracedPacket(p.TraceId, p.Headers, p.Lines, p.Text))];
    }

    /// <summary>
    /// The packet's trace as the engine's API states it: rules by 1-based position (the kernel prints nft handles),
    /// policies as POLICY:X, the raw table (the harness's own TRACE rules) and implicit `return` lines left out,
    /// and the RETURN verdict code named.
    /// </summary>
    public static IReadOnlyList<KernelTraceEntry> ToKernelTrace(TracedPacket packet, RulePositions positions) =>
    [
        .. packet.Lines
            .Where(line => line.Table != "raw" && line.Kind != "return")
            .Select(line => line.Kind == "policy"
                ? new KernelTraceEntry(line.Table, line.Chain, null, $"POLICY:{line.Verdict}")
                : new KernelTraceEntry(
                    line.Table,
                    line.Chain,
                    positions.PositionOf(line.Table, line.Chain, line.Handle!.Value),
                    line.Verdict == ReturnVerdictCode ? "RETURN" : line.Verdict)),
    ];

    private sealed class PacketBuilder(string traceId)
    {
        public string TraceId { get; } = traceId;

        public List<TracedHeader> Headers { get; } = [];

        public List<TracedLine> Lines { get; } = [];

        public List<string> Text { get; } = [];
    }
}
