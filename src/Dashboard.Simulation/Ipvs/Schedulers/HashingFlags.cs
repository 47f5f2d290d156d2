namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// The scheduler flags sh and mh read (ipvsadm -b sh-fallback,sh-port / mh-fallback,mh-port; the kernel's
/// IP_VS_SVC_F_SCHED1 and IP_VS_SVC_F_SCHED2). kube-proxy sets mh-port on mh services (its FlagSourceHash) and
/// nothing on sh.
/// </summary>
[Flags]
public enum HashingFlags
{
    None = 0,

    /// <summary>When the hashed server is quiescent or overloaded, walk the table for another one instead of dropping.</summary>
    Fallback = 1,

    /// <summary>Hash the source port as well as the source address, so one client's connections spread.</summary>
    Port = 2,
}
