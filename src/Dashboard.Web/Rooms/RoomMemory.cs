using System.Globalization;

namespace Dashboard.Web.Rooms;

/// <summary>
/// The memory rooms may take: a room of 50,000 services holds its rules, ipsets and tables for every mode, about half a
/// gigabyte a mode, so the server is capped by memory as well as by the number of rooms. A room is refused, and a
/// build too big for what is left is refused, with the figures, rather than let the process run out.
/// </summary>
public sealed class RoomMemory(long budgetBytes, Func<long> inUse)
{
    /// <summary>The share of the memory .NET may use (the machine's, or the container's limit) that rooms may fill.</summary>
    public const double ServerShare = 0.6;

    /// <summary>
    /// Managed memory a room keeps per mode for each unit of <see cref="Simulation.Kubernetes.ClusterObjects.Work"/>
    /// (a service or an endpoint port); measured with the mixed generated cluster (see RoomMemoryTests).
    /// </summary>
    public const long BytesPerWorkPerMode = 4 * 1024;

    public RoomMemory()
        : this((long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * ServerShare), () => GC.GetTotalMemory(forceFullCollection: false))
    {
    }

    public long BudgetBytes => budgetBytes;

    /// <summary>Why <paramref name="moreBytes"/> more cannot be taken now, or null when they can.</summary>
    public string? Refusal(long moreBytes)
    {
        var used = inUse();
        if (used + moreBytes <= budgetBytes)
        {
            return null;
        }
        return moreBytes == 0
            ? $"this server's simulations already use {Gb(used)} of the {Gb(budgetBytes)} it gives them; try again later"
            : $"this simulation needs about {Gb(moreBytes)}, and this server's simulations already use {Gb(used)} of the {Gb(budgetBytes)} it gives them; choose fewer services or try again later";
    }

    private static string Gb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.0} GB");
}
