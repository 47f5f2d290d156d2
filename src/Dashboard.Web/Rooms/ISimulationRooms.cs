namespace Dashboard.Web.Rooms;

/// <summary>Where a compare page gets its room and gives it back (the server's <see cref="SimulationRooms"/>; a fake in component tests).</summary>
public interface ISimulationRooms
{
    /// <summary>Opens a room; throws <see cref="InvalidOperationException"/> with a readable message when the server is full.</summary>
    ISimulationRoom Open();

    Task CloseAsync(string id);
}
