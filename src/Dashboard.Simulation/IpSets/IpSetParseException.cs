namespace Dashboard.Simulation.IpSets;

/// <summary>`ipset restore` input the simulator refuses: the 1-based line and why, worded like the tool where it has words.</summary>
public sealed class IpSetParseException(int line, string reason) : Exception($"Error in line {line}: {reason}")
{
    public int Line { get; } = line;

    public string Reason { get; } = reason;
}
