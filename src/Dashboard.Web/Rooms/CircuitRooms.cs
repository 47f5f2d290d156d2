using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Web.Rooms;

/// <summary>
/// The rooms one Blazor circuit (one browser tab) opened, and who it is. When the tab's connection drops, its rooms
/// pause at once: nobody is watching, and a page that is gone must not keep a room playing and streaming. The circuit
/// is kept for <see cref="RetainDisconnected"/> in case the tab comes back; after that the page is disposed and closes
/// its room.
/// </summary>
public sealed class CircuitRooms(IHttpContextAccessor http) : CircuitHandler
{
    /// <summary>Documented limit: how long a disconnected tab keeps its room (Blazor's default is 3 minutes).</summary>
    public static readonly TimeSpan RetainDisconnected = TimeSpan.FromSeconds(30);

    private readonly List<ISimulationRoom> _rooms = [];
    private string? _client;

    /// <summary>The client's address, read from the circuit's own connection, never from anything the page sends.</summary>
    public string Client => _client ??= http.HttpContext is { } context ? ClientLimits.ClientOf(context) : "unknown";

    public void Add(ISimulationRoom room)
    {
        _ = Client; // read while the connection's context is at hand
        lock (_rooms)
        {
            _rooms.Add(room);
        }
    }

    public void Remove(ISimulationRoom room)
    {
        lock (_rooms)
        {
            _rooms.Remove(room);
        }
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        lock (_rooms)
        {
            foreach (var room in _rooms)
            {
                room.Pause();
            }
        }
        return Task.CompletedTask;
    }
}
