using Dashboard.Web.Rooms;
using Dashboard.Web.Tests.Components;
using Microsoft.AspNetCore.Http;

namespace Dashboard.Web.Tests.Rooms;

/// <summary>A tab's rooms when its connection drops: nobody watches a page that is gone, so its room stops at once.</summary>
public sealed class CircuitRoomsTests
{
    [Fact]
    public async Task ConnectionDown_PausesEveryRoomOfTheCircuit_ButNotOnesItGaveBack()
    {
        var http = new HttpContextAccessor { HttpContext = new DefaultHttpContext() };
        http.HttpContext.Connection.RemoteIpAddress = System.Net.IPAddress.Parse("10.1.2.3");
        var circuit = new CircuitRooms(http);
        var open = new FakeSimulationRoom();
        var closed = new FakeSimulationRoom();
        circuit.Add(open);
        circuit.Add(closed);
        circuit.Remove(closed);

        await circuit.OnConnectionDownAsync(null!, TestContext.Current.CancellationToken);

        Assert.Equal(["pause"], open.Commands);
        Assert.Empty(closed.Commands);
        // The client is the circuit's own connection's address, kept once read.
        http.HttpContext = null;
        Assert.Equal("10.1.2.3", circuit.Client);
    }
}
