using System.Globalization;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// Why the engine did something (why a packet was dropped, why a scheduler picked a server, what a lookup found): which
/// explanation it is and the values it names. The engine has no words; the web words it in the reader's language
/// (Dashboard.Web's Resources/Explanations.resx). Values are kernel and tool facts (a chain, a rule number, an
/// address, a count), another explanation, or a list of them.
/// </summary>
public sealed class Explanation(ExplanationCode code, params object[] values)
{
    public ExplanationCode Code { get; } = code;

    public IReadOnlyList<object> Values { get; } = values;

    /// <summary>For a debugger and the engine's tests, not for a reader: the code and its values, nested ones too.</summary>
    public override string ToString() => $"{Code}({string.Join(", ", Values.Select(Show))})";

    private static string Show(object value) => value switch
    {
        IEnumerable<Explanation> list => "[" + string.Join(", ", list) + "]",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>Every explanation the engine gives; each has an English and a Korean sentence in the web.</summary>
public enum ExplanationCode
{
    // Why netfilter dropped or rejected a packet.
    ConntrackTableFull,
    JumpTooDeep,
    RuleDrop,
    RuleReject,
    PolicyDrop,

    // What IPVS's connection-table lookup found, and why IPVS dropped or rejected.
    IpvsLookupHitServerGone,
    IpvsLookupMissNotSyn,
    IpvsLookupMiss,
    IpvsLookupHit,
    IpvsLookupOutMiss,
    IpvsLookupOutHit,
    IpvsDropServerGone,
    IpvsNoRealServer,
    DirectReply,
    IpvsExpiredServerGone,
    IpvsExpiredServerQuiescent,
    IpvsExpiredPortReuse,
    IpvsLookupRescheduled,
    IpvsDropExpiredOldFlow,

    // Why a scheduler (or a persistence template) picked a real server.
    Persistence,
    RrFirst,
    RrNext,
    RrSkipped,
    ServerOverloaded,
    ServerQuiescent,
    ServerIsOverloaded,
    ServerIsQuiescent,
    Wrr,
    Lc,
    LcOneInactive,
    Wlc,
    Sed,
    NqIdle,
    Nq,
    Fo,
    Ovf,
    ActiveConnection,
    ActiveConnections,
    Dh,
    Sh,
    Mh,
    HashedPick,
    HashedFallback,
    ShFallback,
    MhFallback,

    // What a kube-proxy sync changed.
    IptablesRulesRewritten,
    VirtualServiceDeleted,
    VirtualServiceAdded,
    RealServerAdded,
    RealServerDeletedUdp,
    RealServerDeletedIdle,
    RealServerWeightZero,
    RealServerDeletedAtTick,
    ConnectionFlushed,
    ConnectionsFlushed,

    // How a delivered packet left.
    ViaInterface,
    ViaLocalSocket,
    ViaRealServerRoute,
}
