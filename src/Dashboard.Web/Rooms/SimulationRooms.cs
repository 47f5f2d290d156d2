using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Rooms;

/// <summary>
/// The rooms running on this server: each compare page opens one and closes it when it goes away. The number is
/// capped because every playing room costs CPU on the same two cores.
/// </summary>
public sealed class SimulationRooms(IHubContext<SimulationHub, ISimulationClient> hub, ILoggerFactory loggers) : ISimulationRooms, IAsyncDisposable
{
    /// <summary>Documented limit: rooms open at once on one server.</summary>
    public const int MaxRooms = 50;

    private readonly ConcurrentDictionary<string, SimulationRoom> _rooms = new();

    public int Count => _rooms.Count;

    /// <summary>Opens a room; throws <see cref="InvalidOperationException"/> with a readable message when the server is full.</summary>
    public SimulationRoom Open()
    {
        if (_rooms.Count >= MaxRooms)
        {
            throw new InvalidOperationException($"this server already runs {MaxRooms} simulations, its limit; close a tab or try again later");
        }
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var room = new SimulationRoom(id, hub, loggers.CreateLogger<SimulationRoom>());
        _rooms[id] = room;
        return room;
    }

    ISimulationRoom ISimulationRooms.Open() => Open();

    public SimulationRoom? Find(string id) => _rooms.GetValueOrDefault(id);

    public async Task CloseAsync(string id)
    {
        if (_rooms.TryRemove(id, out var room))
        {
            await room.DisposeAsync();
        }
    }

    /// <summary>A hub connection went away: it leaves every room it watched.</summary>
    public void RemoveViewer(string connectionId)
    {
        foreach (var room in _rooms.Values)
        {
            room.RemoveViewer(connectionId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _rooms.Keys)
        {
            await CloseAsync(id);
        }
    }
}
