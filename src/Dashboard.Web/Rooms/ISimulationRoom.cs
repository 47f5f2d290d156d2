namespace Dashboard.Web.Rooms;

/// <summary>
/// One running comparison: the engines, the virtual clock, the seed. Components talk to a room, never to the engine:
/// they read snapshots, subscribe to changes (at most 4-5 a second), ask for tables and packets, and drive the run.
/// </summary>
public interface ISimulationRoom
{
    /// <summary>The room's id: the hub group browsers join to receive its batches.</summary>
    string Id { get; }

    /// <summary>The latest snapshot (never null; <see cref="RoomSnapshot.Empty"/> before the first).</summary>
    RoomSnapshot Snapshot { get; }

    /// <summary>
    /// Calls <paramref name="changed"/> after each new snapshot (4-5 Hz at most, never per packet), from a background
    /// thread: components marshal it with InvokeAsync. Dispose to stop.
    /// </summary>
    IDisposable Subscribe(Func<RoomSnapshot, Task> changed);

    /// <summary>Starts over with new settings (rebuilding the nodes off the caller's thread), or only changes the speed.</summary>
    Task ApplyAsync(RoomSettings settings);

    void Play();
    void Pause();

    /// <summary>Pauses, then simulates exactly the next packet of the traffic (however far ahead on the virtual clock).</summary>
    PacketRecord? StepPacket();

    /// <summary>
    /// Pauses, then simulates up to the packet with this id (a link's selected packet: the seed makes the ids the same
    /// on every opening), or finds it among the recent ones. Null when it is further on than the room steps to.
    /// </summary>
    PacketRecord? StepToPacket(long id);

    /// <summary>A recently simulated packet (the last few thousand are kept), or null.</summary>
    PacketRecord? FindPacket(long id);

    /// <summary>A lane's generated rules and tables as its tools print them: iptables-save; in IPVS mode also ipvsadm -Ln and ipset list.</summary>
    IReadOnlyList<ToolText> Tools(int lane);

    /// <summary>A lane's live tables (conntrack -L, ipvsadm -Lnc, bucket heat) now, with the focused packet's own entries.</summary>
    LiveTables? Tables(int lane, TableFocus? focus = null);
}
