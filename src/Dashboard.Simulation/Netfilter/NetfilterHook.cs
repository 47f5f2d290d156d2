namespace Dashboard.Simulation.Netfilter;

/// <summary>The five netfilter hooks of the IPv4 stack; a table's built-in chains are named after them.</summary>
public enum NetfilterHook
{
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

public static class NetfilterHookNames
{
    /// <summary>The built-in chain name iptables uses for a hook.</summary>
    public static string ChainName(this NetfilterHook hook) => hook switch
    {
        NetfilterHook.Prerouting => "PREROUTING",
        NetfilterHook.Input => "INPUT",
        NetfilterHook.Forward => "FORWARD",
        NetfilterHook.Output => "OUTPUT",
        NetfilterHook.Postrouting => "POSTROUTING",
        _ => throw new ArgumentOutOfRangeException(nameof(hook)),
    };
}
