namespace Dashboard.Web.Rooms;

/// <summary>Where a compare page gets its room and gives it back (the server's <see cref="SimulationRooms"/>; a fake in component tests).</summary>
public interface ISimulationRooms
{
    /// <summary>
    /// Opens a room for a client (its address); throws <see cref="InvalidOperationException"/> with a readable message
    /// when the server, the client's share of it or its memory is full.
    /// </summary>
    ISimulationRoom Open(string client);

    Task CloseAsync(string id);
}
