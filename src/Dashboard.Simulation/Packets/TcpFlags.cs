namespace Dashboard.Simulation.Packets;

/// <summary>The TCP header flags that drive conntrack's TCP state machine.</summary>
[Flags]
public enum TcpFlags : byte
{
    None = 0,
    Fin = 0x01,
    Syn = 0x02,
    Rst = 0x04,
    Psh = 0x08,
    Ack = 0x10,
}

public static class TcpFlagNames
{
    /// <summary>Parses the short forms the trace API takes: S, SA, A, FA, R, PA, RA.</summary>
    public static bool TryParse(string? text, out TcpFlags flags)
    {
        flags = TcpFlags.None;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var c in text.ToUpperInvariant())
        {
            var flag = c switch
            {
                'S' => TcpFlags.Syn,
                'A' => TcpFlags.Ack,
                'F' => TcpFlags.Fin,
                'R' => TcpFlags.Rst,
                'P' => TcpFlags.Psh,
                _ => (TcpFlags?)null,
            };
            if (flag is null || flags.HasFlag(flag.Value))
            {
                return false;
            }
            flags |= flag.Value;
        }
        return true;
    }

    public static string ToShortString(this TcpFlags flags)
    {
        var text = string.Empty;
        if (flags.HasFlag(TcpFlags.Syn)) { text += "S"; }
        if (flags.HasFlag(TcpFlags.Fin)) { text += "F"; }
        if (flags.HasFlag(TcpFlags.Rst)) { text += "R"; }
        if (flags.HasFlag(TcpFlags.Psh)) { text += "P"; }
        if (flags.HasFlag(TcpFlags.Ack)) { text += "A"; }
        return text;
    }
}
