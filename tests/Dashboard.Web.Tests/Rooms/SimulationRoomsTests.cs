using Dashboard.Web.Rooms;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests.Rooms;

/// <summary>The server's rooms: one per compare page, closed with it, and capped.</summary>
public sealed class SimulationRoomsTests : IAsyncLifetime
{
    private readonly RecordingHubContext _hub = new();
    private readonly SimulationRooms _rooms;

    public SimulationRoomsTests()
    {
        _rooms = new SimulationRooms(_hub, NullLoggerFactory.Instance);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _rooms.DisposeAsync();

    [Fact]
    public async Task CloseAsync_OpenRoom_NoLongerFoundAndItsViewersLetGo()
    {
        var room = _rooms.Open();
        var other = _rooms.Open();
        room.AddViewer("viewer");

        await _rooms.CloseAsync(room.Id);

        Assert.Null(_rooms.Find(room.Id));
        Assert.Same(other, _rooms.Find(other.Id));
        Assert.Equal(1, _rooms.Count);
        Assert.Equal(0, room.ViewerCount);
        // Closing twice (a page's dispose after the server's) is harmless.
        await _rooms.CloseAsync(room.Id);
    }

    [Fact]
    public void Open_ManyRooms_DistinctIds()
    {
        var ids = Enumerable.Range(0, 10).Select(_ => _rooms.Open().Id).ToList();

        Assert.Equal(10, ids.Distinct().Count());
        Assert.All(ids, id => Assert.NotNull(_rooms.Find(id)));
    }

    [Fact]
    public async Task Open_AtTheLimit_ReadableErrorUntilARoomCloses()
    {
        var opened = Enumerable.Range(0, SimulationRooms.MaxRooms).Select(_ => _rooms.Open()).ToList();

        var e = Assert.Throws<InvalidOperationException>(() => _rooms.Open());
        Assert.Contains($"{SimulationRooms.MaxRooms} simulations", e.Message, StringComparison.Ordinal);
        Assert.Equal(SimulationRooms.MaxRooms, _rooms.Count);

        await _rooms.CloseAsync(opened[0].Id);
        Assert.NotNull(_rooms.Open());
    }

    [Fact]
    public void RemoveViewer_Disconnected_LeavesEveryRoom()
    {
        var first = _rooms.Open();
        var second = _rooms.Open();
        first.AddViewer("connection");
        second.AddViewer("connection");
        second.AddViewer("someone else");

        _rooms.RemoveViewer("connection");

        Assert.Equal(0, first.ViewerCount);
        Assert.Equal(1, second.ViewerCount);
    }
}
