using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dashboard.Web.Hosting;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Rooms;

/// <summary>
/// The rooms running on this server: each compare page opens one and closes it when it goes away. They are capped in
/// number (every playing room costs CPU on the same two cores), per client (one visitor cannot take them all), and by
/// memory (a room of 50,000 services holds about half a gigabyte a mode).
/// </summary>
public sealed class SimulationRooms(
    IHubContext<SimulationHub, ISimulationClient> hub,
    ILoggerFactory loggers,
    IOptions<ClientLimits>? limits = null,
    RoomMemory? memory = null,
    HeavyWork? heavy = null) : ISimulationRooms, IAsyncDisposable
{
    /// <summary>Documented limit: rooms open at once on one server.</summary>
    public const int MaxRooms = 50;

    private readonly ConcurrentDictionary<string, (SimulationRoom Room, string Client)> _rooms = new();
    private readonly Lock _opening = new();
    private readonly int _perClient = (limits?.Value ?? new ClientLimits()).RoomsPerClient;

    public int Count => _rooms.Count;

    /// <summary>
    /// Opens a room for <paramref name="client"/> (an address); throws <see cref="InvalidOperationException"/> with a
    /// readable message when the server, the client's share or the memory is full.
    /// </summary>
    public SimulationRoom Open(string client)
    {
        lock (_opening)
        {
            if (_rooms.Count >= MaxRooms)
            {
                throw new InvalidOperationException($"this server already runs {MaxRooms} simulations, its limit; close a tab or try again later");
            }
            if (_rooms.Values.Count(r => r.Client == client) >= _perClient)
            {
                throw new InvalidOperationException($"this address ({client}) already has {_perClient} simulations open, the limit for one visitor; close a tab first");
            }
            if (memory?.Refusal(0) is { } refusal)
            {
                throw new InvalidOperationException(refusal);
            }
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            var room = new SimulationRoom(id, hub, loggers.CreateLogger<SimulationRoom>(), heavy, memory);
            _rooms[id] = (room, client);
            return room;
        }
    }

    ISimulationRoom ISimulationRooms.Open(string client) => Open(client);

    public SimulationRoom? Find(string id) => _rooms.TryGetValue(id, out var entry) ? entry.Room : null;

    public async Task CloseAsync(string id)
    {
        if (_rooms.TryRemove(id, out var entry))
        {
            await entry.Room.DisposeAsync();
        }
    }

    /// <summary>A hub connection went away: it leaves every room it watched.</summary>
    public void RemoveViewer(string connectionId)
    {
        foreach (var (room, _) in _rooms.Values)
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
