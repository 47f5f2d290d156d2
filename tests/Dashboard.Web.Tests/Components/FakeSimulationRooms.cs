using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>Hands the page one <see cref="FakeSimulationRoom"/> and records what was closed (or refuses, like a full server).</summary>
public sealed class FakeSimulationRooms : ISimulationRooms
{
    public FakeSimulationRoom Room { get; } = new();

    public List<string> Closed { get; } = [];

    /// <summary>Set to make Open fail as a full server does.</summary>
    public string? RefuseWith { get; set; }

    public ISimulationRoom Open(string client) => RefuseWith is { } message ? throw new InvalidOperationException(message) : Room;

    public Task CloseAsync(string id)
    {
        Closed.Add(id);
        return Task.CompletedTask;
    }
}
