using System.Collections.Concurrent;
using System.Threading.Channels;
using Dashboard.Web.Hubs;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Tests.Rooms;

/// <summary>
/// A hub context without a server, for room tests: every batch and restart sent to a connection lands in that
/// connection's channel. <see cref="HoldBatches"/> makes a connection's batch sends wait until released, as SignalR's
/// send does for a viewer that does not read.
/// </summary>
public sealed class RecordingHubContext : IHubContext<SimulationHub, ISimulationClient>
{
    private readonly ConcurrentDictionary<string, RecordingClient> _clients = new();

    public RecordingHubContext()
    {
        Clients = new ByConnection(this);
    }

    public IHubClients<ISimulationClient> Clients { get; }

    public IGroupManager Groups => throw new NotSupportedException("rooms address viewers by connection id");

    /// <summary>What was sent to a connection (created on first use).</summary>
    public RecordingClient For(string connectionId) => _clients.GetOrAdd(connectionId, _ => new RecordingClient());

    /// <summary>From now on, this connection's batch sends do not complete until the returned source is set.</summary>
    public TaskCompletionSource HoldBatches(string connectionId)
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        For(connectionId).Hold = hold.Task;
        return hold;
    }

    /// <summary>One connection's received messages.</summary>
    public sealed class RecordingClient : ISimulationClient
    {
        public Channel<PacketBatch> Batches { get; } = Channel.CreateUnbounded<PacketBatch>();
        public Channel<RoomWelcome> Restarts { get; } = Channel.CreateUnbounded<RoomWelcome>();

        /// <summary>Sends in progress wait for this task.</summary>
        public Task Hold { get; set; } = Task.CompletedTask;

        /// <summary>Batch sends that have started (including those held).</summary>
        public int BatchSendsStarted => Volatile.Read(ref _started);

        private int _started;

        public async Task Batch(PacketBatch batch)
        {
            Interlocked.Increment(ref _started);
            await Hold;
            Batches.Writer.TryWrite(batch);
        }

        public Task Restarted(RoomWelcome welcome)
        {
            Restarts.Writer.TryWrite(welcome);
            return Task.CompletedTask;
        }
    }

    /// <summary>The addressing rooms use (by connection id); groups and users are not theirs.</summary>
    private sealed class ByConnection(RecordingHubContext context) : IHubClients<ISimulationClient>
    {
        public ISimulationClient Client(string connectionId) => context.For(connectionId);

        public ISimulationClient Clients(IReadOnlyList<string> connectionIds) => new Fanout([.. connectionIds.Select(context.For)]);

        public ISimulationClient All => throw Unexpected();
        public ISimulationClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw Unexpected();
        public ISimulationClient Group(string groupName) => throw Unexpected();
        public ISimulationClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw Unexpected();
        public ISimulationClient Groups(IReadOnlyList<string> groupNames) => throw Unexpected();
        public ISimulationClient OthersInGroup(string groupName) => throw Unexpected();
        public ISimulationClient User(string userId) => throw Unexpected();
        public ISimulationClient Users(IReadOnlyList<string> userIds) => throw Unexpected();

        private static NotSupportedException Unexpected() => new("rooms address viewers by connection id");
    }

    private sealed class Fanout(RecordingClient[] clients) : ISimulationClient
    {
        public Task Batch(PacketBatch batch) => Task.WhenAll(clients.Select(c => c.Batch(batch)));

        public Task Restarted(RoomWelcome welcome) => Task.WhenAll(clients.Select(c => c.Restarted(welcome)));
    }
}
