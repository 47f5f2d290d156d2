using System.Threading.Channels;
using Dashboard.Web.Hosting;
using Dashboard.Web.Hubs;
using Dashboard.Web.Rooms;
using Dashboard.Web.Tests.Api;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Hubs;

/// <summary>/hubs/simulation with the .NET SignalR client, as a script or a second screen would use it.</summary>
public sealed class SimulationHubTests(DashboardFactory factory) : IClassFixture<DashboardFactory>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SimulationRooms Rooms => factory.Services.GetRequiredService<SimulationRooms>();

    /// <summary>A viewer over the in-memory server, with what the hub sends it collected in channels.</summary>
    private sealed class Viewer : IAsyncDisposable
    {
        public Viewer(DashboardFactory factory)
        {
            var server = factory.Server;
            Connection = new HubConnectionBuilder()
                .WithUrl(new Uri(server.BaseAddress, "hubs/simulation"), options =>
                {
                    options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                    options.Transports = HttpTransportType.LongPolling;
                })
                .Build();
            Connection.On<PacketBatch>(nameof(ISimulationClient.Batch), b => Batches.Writer.TryWrite(b));
            Connection.On<RoomWelcome>(nameof(ISimulationClient.Restarted), w => Restarts.Writer.TryWrite(w));
        }

        public HubConnection Connection { get; }
        public Channel<PacketBatch> Batches { get; } = Channel.CreateUnbounded<PacketBatch>();
        public Channel<RoomWelcome> Restarts { get; } = Channel.CreateUnbounded<RoomWelcome>();

        public ValueTask DisposeAsync() => Connection.DisposeAsync();
    }

    private static async Task<T> Next<T>(Channel<T> channel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(Patience);
        return await channel.Reader.ReadAsync(timeout.Token);
    }

    private async Task<Viewer> ConnectAsync()
    {
        var viewer = new Viewer(factory);
        await viewer.Connection.StartAsync(Ct);
        return viewer;
    }

    /// <summary>A room as the compare page opens it: through the app's singleton, with settings applied.</summary>
    private async Task<SimulationRoom> OpenRoomAsync(RoomSettings settings)
    {
        var room = Rooms.Open("client");
        await room.ApplyAsync(settings);
        return room;
    }

    [Fact]
    public async Task Join_UnknownRoom_HubExceptionNamingTheRoom()
    {
        await using var viewer = await ConnectAsync();

        var e = await Assert.ThrowsAsync<HubException>(() => viewer.Connection.InvokeAsync<RoomWelcome>("Join", "no-such-room", Ct));

        Assert.Contains("\"no-such-room\"", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A script calling the hub in a loop is told why it was refused; the connection itself stays usable.</summary>
    [Fact]
    public async Task Calls_PastThePerSecondLimit_HubExceptionNamingTheLimit()
    {
        await using var viewer = await ConnectAsync();
        var perSecond = new ClientLimits().HubCallsPerSecond;

        var calls = Enumerable.Range(0, perSecond * 2).Select(_ => viewer.Connection.InvokeAsync("Leave", "no-such-room", Ct)).ToList();
        var outcomes = await Task.WhenAll(calls.Select(async call =>
        {
            try
            {
                await call;
                return null;
            }
            catch (HubException e)
            {
                return e.Message;
            }
        }));

        Assert.InRange(outcomes.Count(o => o is null), 1, perSecond);
        Assert.Contains(outcomes, o => o?.Contains($"may call {perSecond} hub methods a second", StringComparison.Ordinal) == true);
        Assert.Equal(HubConnectionState.Connected, viewer.Connection.State);
    }

    [Fact]
    public async Task Join_OpenedRoom_ReturnsLayoutsOfBothModes()
    {
        var room = await OpenRoomAsync(RoomSettings.Default);
        try
        {
            await using var viewer = await ConnectAsync();

            var welcome = await viewer.Connection.InvokeAsync<RoomWelcome>("Join", room.Id, Ct);

            Assert.Equal(room.Id, welcome.RoomId);
            Assert.Equal(room.Snapshot.Generation, welcome.Generation);
            Assert.Equal(["iptables", "ipvs"], welcome.Layouts.Select(l => l.Mode));
            Assert.All(welcome.Layouts, l => Assert.Contains(l.Stations, s => s.Id == "KUBE-SERVICES" && s.Kind == "rules"));
            Assert.Equal(1, room.ViewerCount);
        }
        finally
        {
            await Rooms.CloseAsync(room.Id);
        }
    }

    [Fact]
    public async Task Play_JoinedViewer_ReceivesBatchesWithHopsInSequenceOfOneGeneration()
    {
        var room = await OpenRoomAsync(RoomSettings.Default with { Speed = 20 });
        try
        {
            await using var viewer = await ConnectAsync();
            var welcome = await viewer.Connection.InvokeAsync<RoomWelcome>("Join", room.Id, Ct);

            room.Play();
            var batches = new List<PacketBatch>();
            while (batches.Sum(b => b.Packets.Count) < 20)
            {
                batches.Add(await Next(viewer.Batches));
            }

            Assert.All(batches, b => Assert.Equal(welcome.Generation, b.Generation));
            var seqs = batches.Select(b => b.Seq).ToList();
            Assert.All(seqs.Zip(seqs.Skip(1)), pair => Assert.True(pair.Second > pair.First));
            var hops = batches.SelectMany(b => b.Packets).SelectMany(p => p.Lanes).SelectMany(l => l?.Hops ?? []).ToList();
            Assert.NotEmpty(hops);
            // Hops arrive with their stations: each refers to a station of its pane's layout.
            foreach (var packet in batches.SelectMany(b => b.Packets))
            {
                for (var lane = 0; lane < packet.Lanes.Count; lane++)
                {
                    Assert.All(packet.Lanes[lane]?.Hops ?? [], h => Assert.InRange(h.S, 0, welcome.Layouts[lane].Stations.Count - 1));
                }
            }
        }
        finally
        {
            await Rooms.CloseAsync(room.Id);
        }
    }

    [Fact]
    public async Task ApplyAsync_NewSettings_ViewerToldRestartedWithNewGeneration()
    {
        var room = await OpenRoomAsync(RoomSettings.Default);
        try
        {
            await using var viewer = await ConnectAsync();
            var welcome = await viewer.Connection.InvokeAsync<RoomWelcome>("Join", room.Id, Ct);

            await room.ApplyAsync(RoomSettings.Default with { Modes = ["ipvs"], Scheduler = "wlc" });

            var restarted = await Next(viewer.Restarts);
            Assert.NotEqual(welcome.Generation, restarted.Generation);
            Assert.Equal(room.Id, restarted.RoomId);
            Assert.Equal("IPVS (wlc, NAT)", Assert.Single(restarted.Layouts).Title);
            // Batches after the restart carry the new generation.
            Assert.NotNull(room.StepPacket());
            Assert.Equal(restarted.Generation, (await Next(viewer.Batches)).Generation);
        }
        finally
        {
            await Rooms.CloseAsync(room.Id);
        }
    }

    [Fact]
    public async Task Leave_JoinedRoom_NoMoreViewer()
    {
        var room = await OpenRoomAsync(RoomSettings.Default);
        try
        {
            await using var viewer = await ConnectAsync();
            await viewer.Connection.InvokeAsync<RoomWelcome>("Join", room.Id, Ct);
            Assert.Equal(1, room.ViewerCount);

            await viewer.Connection.InvokeAsync("Leave", room.Id, Ct);

            Assert.Equal(0, room.ViewerCount);
        }
        finally
        {
            await Rooms.CloseAsync(room.Id);
        }
    }
}
