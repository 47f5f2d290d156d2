using Dashboard.Web.Hosting;
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
        var room = _rooms.Open("client");
        var other = _rooms.Open("client");
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
        var ids = Enumerable.Range(0, 10).Select(_ => _rooms.Open("client").Id).ToList();

        Assert.Equal(10, ids.Distinct().Count());
        Assert.All(ids, id => Assert.NotNull(_rooms.Find(id)));
    }

    [Fact]
    public async Task Open_AtTheLimit_ReadableErrorUntilARoomCloses()
    {
        var opened = Enumerable.Range(0, SimulationRooms.MaxRooms).Select(i => _rooms.Open($"client-{i}")).ToList();

        var e = Assert.Throws<InvalidOperationException>(() => _rooms.Open("someone new"));
        Assert.Contains($"{SimulationRooms.MaxRooms} simulations", e.Message, StringComparison.Ordinal);
        Assert.Equal(SimulationRooms.MaxRooms, _rooms.Count);

        await _rooms.CloseAsync(opened[0].Id);
        Assert.NotNull(_rooms.Open("someone new"));
    }

    /// <summary>One headless browser once took all 50 rooms: a client's share is capped, and others still get theirs.</summary>
    [Fact]
    public async Task Open_OneClientAtItsShare_RefusedWhileOthersStillOpen()
    {
        var perClient = new ClientLimits().RoomsPerClient;
        var opened = Enumerable.Range(0, perClient).Select(_ => _rooms.Open("10.0.0.9")).ToList();

        var e = Assert.Throws<InvalidOperationException>(() => _rooms.Open("10.0.0.9"));
        Assert.Contains($"(10.0.0.9) already has {perClient} simulations open", e.Message, StringComparison.Ordinal);
        Assert.NotNull(_rooms.Open("10.0.0.10"));

        await _rooms.CloseAsync(opened[0].Id);
        Assert.NotNull(_rooms.Open("10.0.0.9"));
    }

    [Fact]
    public async Task Open_MemoryOverBudget_RefusedWithTheFigures()
    {
        var used = 100L;
        await using var rooms = new SimulationRooms(_hub, NullLoggerFactory.Instance, memory: new RoomMemory(1_000_000_000, () => used));
        Assert.NotNull(rooms.Open("a"));

        used = 1_200_000_000;
        var e = Assert.Throws<InvalidOperationException>(() => rooms.Open("b"));
        Assert.Contains("already use 1.2 GB of the 1.0 GB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveViewer_Disconnected_LeavesEveryRoom()
    {
        var first = _rooms.Open("client");
        var second = _rooms.Open("client");
        first.AddViewer("connection");
        second.AddViewer("connection");
        second.AddViewer("someone else");

        _rooms.RemoveViewer("connection");

        Assert.Equal(0, first.ViewerCount);
        Assert.Equal(1, second.ViewerCount);
    }
}
