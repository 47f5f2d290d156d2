using Dashboard.Web.Rooms;

namespace Dashboard.Web.Hubs;

/// <summary>What the hub calls on a viewer (the browser's animation module, or any SignalR client).</summary>
public interface ISimulationClient
{
    /// <summary>The packets simulated since the previous batch (10-20 a second while the room plays).</summary>
    Task Batch(PacketBatch batch);

    /// <summary>The room started over with new settings: new layouts, a new generation; packet ids start again.</summary>
    Task Restarted(RoomWelcome welcome);
}

/// <summary>What a viewer needs to draw a room's batches: the layouts (hops refer to their stations) and the generation.</summary>
public sealed record RoomWelcome(string RoomId, int Generation, IReadOnlyList<PathLayout> Layouts);
