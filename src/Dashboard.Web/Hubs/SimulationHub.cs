using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>
/// The streaming path (/hubs/simulation): a viewer joins a room and from then on receives its batches. The browser's
/// animation module uses it, and so can any SignalR client (a script, a second screen); README documents the messages.
/// </summary>
public sealed class SimulationHub(SimulationRooms rooms) : Hub<ISimulationClient>
{
    /// <summary>Starts this connection's batches from the room and returns its layouts; an unknown room is an error naming it.</summary>
    public RoomWelcome Join(string roomId)
    {
        var room = rooms.Find(roomId) ?? throw new HubException($"there is no room \"{roomId}\" (rooms close when their page does)");
        room.AddViewer(Context.ConnectionId);
        return room.Welcome;
    }

    public void Leave(string roomId) => rooms.Find(roomId)?.RemoveViewer(Context.ConnectionId);

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        rooms.RemoveViewer(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
