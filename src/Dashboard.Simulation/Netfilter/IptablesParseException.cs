namespace Dashboard.Simulation.Netfilter;

/// <summary>iptables-restore input the simulator refuses: where (1-based line), what (the offending token) and why.</summary>
public sealed class IptablesParseException(int line, string token, string reason)
    : Exception($"line {line}: {reason}")
{
    public int Line { get; } = line;

    /// <summary>The token that was refused, e.g. "-m physdev" or "--dport".</summary>
    public string Token { get; } = token;

    /// <summary>The message without the "line N: " prefix.</summary>
    public string Reason { get; } = reason;
}
