using System.Threading.Channels;
using Dashboard.Web.Rooms;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// A room without an engine, for component tests: push snapshots into its channel and it tells subscribers as the
/// real room does (from a background thread); tables, tools and packets are whatever the test puts in; every command
/// a component sends is recorded.
/// </summary>
public sealed class FakeSimulationRoom : ISimulationRoom
{
    private readonly Channel<RoomSnapshot> _snapshots = Channel.CreateUnbounded<RoomSnapshot>();
    private readonly List<Func<RoomSnapshot, Task>> _subscribers = [];
    private readonly Lock _lock = new();

    public FakeSimulationRoom()
    {
        _ = Task.Run(async () =>
        {
            await foreach (var snapshot in _snapshots.Reader.ReadAllAsync())
            {
                Snapshot = snapshot;
                Func<RoomSnapshot, Task>[] subscribers;
                lock (_lock)
                {
                    subscribers = [.. _subscribers];
                }
                foreach (var subscriber in subscribers)
                {
                    await subscriber(snapshot);
                }
            }
        });
    }

    public string Id { get; set; } = "fake-room";

    public RoomSnapshot Snapshot { get; set; } = RoomSnapshot.Empty;

    public Dictionary<long, PacketRecord> Packets { get; } = [];
    public Dictionary<int, IReadOnlyList<ToolText>> ToolTexts { get; } = [];
    public Dictionary<int, LiveTables> LiveTables { get; } = [];

    /// <summary>Every command received, in order: "play", "pause", "step", "apply".</summary>
    public List<string> Commands { get; } = [];
    public List<RoomSettings> Applied { get; } = [];
    public PacketRecord? NextStep { get; set; }

    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Publishes a snapshot as the room's tick would.</summary>
    public void Push(RoomSnapshot snapshot) => _snapshots.Writer.TryWrite(snapshot);

    /// <summary>Publishes a snapshot on the calling thread without waiting for the subscribers, as the room's loop does.</summary>
    public void Publish(RoomSnapshot snapshot)
    {
        Snapshot = snapshot;
        Func<RoomSnapshot, Task>[] subscribers;
        lock (_lock)
        {
            subscribers = [.. _subscribers];
        }
        foreach (var subscriber in subscribers)
        {
            _ = subscriber(snapshot);
        }
    }

    public IDisposable Subscribe(Func<RoomSnapshot, Task> changed)
    {
        lock (_lock)
        {
            _subscribers.Add(changed);
        }
        return new Subscription(this, changed);
    }

    public Task ApplyAsync(RoomSettings settings)
    {
        Commands.Add("apply");
        Applied.Add(settings);
        return Task.CompletedTask;
    }

    public void Play() => Commands.Add("play");

    public void Pause() => Commands.Add("pause");

    public PacketRecord? StepPacket()
    {
        Commands.Add("step");
        return NextStep;
    }

    public PacketRecord? StepToPacket(long id)
    {
        Commands.Add($"step to {id}");
        return Packets.GetValueOrDefault(id);
    }

    public PacketRecord? FindPacket(long id) => Packets.GetValueOrDefault(id);

    /// <summary>When set, writing the tool outputs fails with it (a bug in a writer, as the view must survive one).</summary>
    public Exception? ToolsFailure { get; set; }

    public IReadOnlyList<ToolText> Tools(int lane) => ToolsFailure is { } failure ? throw failure : ToolTexts.GetValueOrDefault(lane) ?? [];

    public LiveTables? Tables(int lane, TableFocus? focus = null) => LiveTables.GetValueOrDefault(lane);

    private sealed class Subscription(FakeSimulationRoom room, Func<RoomSnapshot, Task> changed) : IDisposable
    {
        public void Dispose()
        {
            lock (room._lock)
            {
                room._subscribers.Remove(changed);
            }
        }
    }
}
