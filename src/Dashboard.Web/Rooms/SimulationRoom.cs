using System.Diagnostics;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.IpSets;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Ipvs.Schedulers;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Listings;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Packets;
using Dashboard.Simulation.Scenarios;
using Dashboard.Web.Hosting;
using Dashboard.Web.Hubs;
using Dashboard.Web.Model;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Rooms;

/// <summary>
/// One running comparison. A background loop advances the virtual clock 16 times a second by the real time elapsed
/// times the speed, has the engine simulate every packet due (<see cref="ComparisonRun"/>), sends each viewer a batch
/// through the hub (at most <see cref="MaxPacketsPerBatch"/> packets, evenly sampled, with the exact count), and 4
/// times a second takes a snapshot for the Blazor components. Viewers that fall behind lose their oldest batches and
/// are told how many events they missed; the engine never waits for them.
/// </summary>
public sealed partial class SimulationRoom : ISimulationRoom, IAsyncDisposable
{
    /// <summary>Batches per second while playing (62.5 ms apart): often enough for smooth motion, few enough to batch (docs/ARCHITECTURE.md, data flow).</summary>
    public static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(62.5);

    /// <summary>Snapshots (counters, chart points) every 4th batch: 4 a second.</summary>
    private const int BatchesPerSnapshot = 4;

    /// <summary>The most packets one tick simulates (32,000 a second): beyond it the virtual clock runs slower than asked, and the snapshot says so.</summary>
    public const int MaxPacketsPerTick = 2_000;

    /// <summary>
    /// The most packets one batch carries (512 a second): several times what the animation can admit (about 80 a
    /// second keep 200 on screen), so its sample stays even, while a busy room's stream stays near 1 MB/s of JSON
    /// rather than 5 (measured: 120 a batch doubled the packet-to-screen latency); the rest are counted, not sent.
    /// </summary>
    public const int MaxPacketsPerBatch = 32;

    /// <summary>Recent packets kept for the inspector.</summary>
    public const int RecentPackets = 4_096;

    /// <summary>Chart points kept per lane: two minutes at 4 a second.</summary>
    public const int HistoryLength = 480;

    /// <summary>
    /// How far <see cref="StepToPacket"/> goes: a link naming a later packet opens at the start and says so. Stepping
    /// also stops after <see cref="MaxSeekTime"/>, since a large cluster simulates far fewer packets a second.
    /// </summary>
    public const int MaxSeekPackets = 20_000;

    public static readonly TimeSpan MaxSeekTime = TimeSpan.FromSeconds(3);

    private readonly IHubContext<SimulationHub, ISimulationClient> _hub;
    private readonly ILogger _logger;
    private readonly HeavyWork? _heavy;
    private readonly RoomMemory? _memory;
    private readonly Lock _gate = new();
    private readonly Lock _toolsGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ViewerFeeds _viewers;
    private readonly List<Func<RoomSnapshot, Task>> _subscribers = [];
    private readonly Queue<SimulatedPacket> _recent = new();
    private readonly Dictionary<long, SimulatedPacket> _recentById = [];
    private readonly Task _loop;

    private RoomSettings _settings = RoomSettings.Default;
    private RoomStatus _status = RoomStatus.Loading;
    private string? _error;
    private int _generation;
    private ComparisonRun? _run;
    private LanePath[] _paths = [];
    private IReadOnlyList<ToolText>?[] _tools = [];
    private List<LaneSample>[] _history = [];
    private (long NewConnections, long Rules, double CostNs)[] _sampledTotals = [];
    private long _seq;
    private long _version;
    private double _effectiveSpeed;
    private RoomSnapshot _snapshot = RoomSnapshot.Empty;

    public SimulationRoom(string id, IHubContext<SimulationHub, ISimulationClient> hub, ILogger<SimulationRoom> logger,
        HeavyWork? heavy = null, RoomMemory? memory = null)
    {
        Id = id;
        _hub = hub;
        _logger = logger;
        _viewers = new ViewerFeeds(hub, logger);
        _heavy = heavy;
        _memory = memory;
        _loop = Task.Run(RunAsync);
    }

    public string Id { get; }

    public RoomSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>What a viewer joining now needs to draw the batches.</summary>
    public RoomWelcome Welcome
    {
        get
        {
            lock (_gate)
            {
                return new RoomWelcome(Id, _generation, [.. _paths.Select(p => p.Layout)]);
            }
        }
    }

    public IDisposable Subscribe(Func<RoomSnapshot, Task> changed)
    {
        lock (_subscribers)
        {
            _subscribers.Add(changed);
        }
        return new Subscription(this, changed);
    }

    public async Task ApplyAsync(RoomSettings settings)
    {
        int generation;
        lock (_gate)
        {
            // A speed out of range goes the long way, so the rebuild reports it rather than the loop running at it. A
            // build under way (generation > 0, still Loading) is for the same simulation too: starting it over for a
            // new speed would cost seconds at 50,000 services.
            if ((_run is not null || _generation > 0 && _status == RoomStatus.Loading) && _status != RoomStatus.Failed &&
                _settings.SameSimulation(settings) && IsValidSpeed(settings.Speed))
            {
                _settings = settings;
                PublishSnapshot();
                return;
            }
            generation = ++_generation;
            _settings = settings;
            _status = RoomStatus.Loading;
            _error = null;
            _run = null;
            PublishSnapshot();
        }
        ComparisonRun? run = null;
        string? error = null;
        try
        {
            // 50,000 services take seconds to build: never on a circuit's or the loop's thread.
            run = await Task.Run(() => BuildAsync(settings));
        }
        catch (Exception e)
        {
            // Not only bad input: the engine may be unable to load what kube-proxy writes (an SCTP port's -m sctp
            // rules). Anything that escaped here would leave the room Loading for good and the caller with an exception.
            error = e is InputException input ? string.Join("; ", input.Problems.Select(p => p.Message)) : e.Message;
        }
        RoomWelcome welcome;
        lock (_gate)
        {
            if (generation != _generation)
            {
                return; // newer settings arrived while this built
            }
            _run = run;
            _status = run is null ? RoomStatus.Failed : RoomStatus.Paused;
            _error = error;
            _paths = run is null ? [] : [.. run.Lanes.Select(LanePath.For)];
            _tools = new IReadOnlyList<ToolText>?[_paths.Length];
            _history = [.. _paths.Select(_ => new List<LaneSample>())];
            _sampledTotals = new (long, long, double)[_paths.Length];
            _recent.Clear();
            _recentById.Clear();
            _effectiveSpeed = 0;
            welcome = new RoomWelcome(Id, _generation, [.. _paths.Select(p => p.Layout)]);
            PublishSnapshot();
        }
        await _hub.Clients.Clients(_viewers.Ids()).Restarted(welcome);
    }

    /// <summary>
    /// Builds the engines for the settings; throws with a message naming what is wrong. A cluster too big for the
    /// memory left is refused before it is built, and a large one waits for a turn of the server's heavy work.
    /// </summary>
    private async Task<ComparisonRun> BuildAsync(RoomSettings settings)
    {
        var (objects, lanes) = Prepare(settings);
        if (_memory?.Refusal(objects.Work * lanes.Count * RoomMemory.BytesPerWorkPerMode) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }
        using var turn = objects.Work > HeavyWork.Work && _heavy is not null
            ? await _heavy.EnterAsync(_stop.Token) ?? throw new InvalidOperationException(
                "the server is busy building other large simulations; try again in a few seconds")
            : null;
        return new ComparisonRun(objects, settings.Node, lanes, settings.Traffic, settings.Seed);
    }

    /// <summary>The settings checked and the cluster read (or generated): what a build needs, and what it will cost.</summary>
    private static (ClusterObjects Objects, List<LaneOptions> Lanes) Prepare(RoomSettings settings)
    {
        var problems = new List<string>(settings.Traffic.Problems());
        if (settings.Modes.Count is < 1 or > 3 || settings.Modes.Distinct().Count() != settings.Modes.Count ||
            settings.Modes.Any(m => !LaneOptions.Modes.Contains(m)))
        {
            problems.Add($"modes must be one to three distinct of {string.Join(", ", LaneOptions.Modes)}");
        }
        if (!SchedulerCatalog.KnownNames.Contains(settings.Scheduler))
        {
            problems.Add($"scheduler \"{settings.Scheduler}\" is not one of {string.Join(", ", SchedulerCatalog.KnownNames)}");
        }
        if (!IpvsDirector.TryParseMethod(settings.Forwarding, out var method))
        {
            problems.Add($"forwarding \"{settings.Forwarding}\" is not one of {string.Join(", ", IpvsDirector.MethodNames)}");
        }
        if (settings.Weights is not null && RealServerWeights.Problem(settings.Weights) is { } weights)
        {
            problems.Add("weights: " + weights);
        }
        if (!IsValidSpeed(settings.Speed))
        {
            problems.Add($"speed {settings.Speed} is outside {RoomSettings.MinSpeed}-{RoomSettings.MaxSpeed}");
        }
        if (settings.PastedObjects is null && settings.GeneratedServices != 0 &&
            settings.GeneratedServices is < RoomSettings.MinGeneratedServices or > RoomSettings.MaxGeneratedServices)
        {
            problems.Add($"generated services {settings.GeneratedServices} is outside {RoomSettings.MinGeneratedServices}-{RoomSettings.MaxGeneratedServices}");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        var objects = settings.PastedObjects is { Length: > 0 } text
            ? ClusterObjectsReader.Read(text, ClusterObjectsReader.FormatOf(text))
            : settings.GeneratedServices > 0
                ? ScenarioCatalog.GenerateObjects(settings.GeneratedServices, GeneratedEndpointsPerService, mixed: true)
                : ScenarioCatalog.Load(settings.Scenario);
        var lanes = settings.Modes.Select(m => new LaneOptions(m, settings.Scheduler, method, Weights: settings.Weights)).ToList();
        return (objects, lanes);
    }

    private static bool IsValidSpeed(double speed) => speed is >= RoomSettings.MinSpeed and <= RoomSettings.MaxSpeed;

    /// <summary>Endpoints per generated service: enough for the probability cascade and a visible spread across backends.</summary>
    public const int GeneratedEndpointsPerService = 3;

    public void Play()
    {
        lock (_gate)
        {
            if (_status == RoomStatus.Paused)
            {
                _status = RoomStatus.Playing;
                PublishSnapshot();
            }
        }
    }

    public void Pause()
    {
        lock (_gate)
        {
            if (_status == RoomStatus.Playing)
            {
                _status = RoomStatus.Paused;
                PublishSnapshot();
            }
        }
    }

    public PacketRecord? StepPacket()
    {
        PacketBatch batch;
        PacketRecord record;
        lock (_gate)
        {
            if (_run is null)
            {
                return null;
            }
            _status = RoomStatus.Paused;
            if (_run.Step() is not { } packet)
            {
                PublishSnapshot();
                return null;
            }
            Remember(packet);
            (batch, record) = Stepped(packet);
        }
        Broadcast(batch);
        return record;
    }

    public PacketRecord? StepToPacket(long id)
    {
        PacketBatch batch;
        PacketRecord record;
        lock (_gate)
        {
            if (_run is null || id < 1 || id > MaxSeekPackets)
            {
                return null;
            }
            if (_recentById.TryGetValue(id, out var seen))
            {
                return ToRecord(seen, ToWire(seen));
            }
            _status = RoomStatus.Paused;
            var budget = Stopwatch.StartNew();
            SimulatedPacket? packet = null;
            while (budget.Elapsed < MaxSeekTime && _run.Step() is { } next)
            {
                Remember(next);
                packet = next;
                if (next.Id >= id)
                {
                    break;
                }
            }
            if (packet?.Id != id)
            {
                PublishSnapshot();
                return null;
            }
            // Only the packet stepped to is drawn: the ones before it happened while the page was opening.
            (batch, record) = Stepped(packet);
        }
        Broadcast(batch);
        return record;
    }

    /// <summary>A stepped packet, drawn on its own in every pane: its batch (to broadcast once the lock is released) and its record.</summary>
    private (PacketBatch Batch, PacketRecord Record) Stepped(SimulatedPacket packet)
    {
        var wire = ToWire(packet);
        var batch = new PacketBatch(++_seq, _generation, _run!.Now.TotalSeconds, _settings.Speed, 0, [wire], 1);
        PublishSnapshot();
        return (batch, ToRecord(packet, wire));
    }

    public PacketRecord? FindPacket(long id)
    {
        lock (_gate)
        {
            // While the room rebuilds, the packets kept are the old generation's: a page selecting one would keep it
            // across the restart.
            return _run is not null && _recentById.TryGetValue(id, out var packet) ? ToRecord(packet, ToWire(packet)) : null;
        }
    }

    public IReadOnlyList<ToolText> Tools(int lane)
    {
        ComparisonRun? run;
        int generation;
        lock (_gate)
        {
            if (_run is null || lane < 0 || lane >= _tools.Length)
            {
                return [];
            }
            if (_tools[lane] is { } cached)
            {
                return cached;
            }
            run = _run;
            generation = _generation;
        }
        // Writing 50,000 services' rules takes a while and reads only what kube-proxy's sync built (no counters):
        // outside the engine's lock, one writer at a time.
        lock (_toolsGate)
        {
            var dataplane = run.Lanes[lane].Dataplane;
            var tools = new List<ToolText> { new(RuleTarget.IptablesSave, IptablesSaveWriter.Listing(dataplane.Ruleset)) };
            if (dataplane.Ipvs is { } ipvs)
            {
                ToolListing list;
                lock (_gate)
                {
                    list = IpvsadmFormatter.ListListing(ipvs.Services, ipvs.Connections.Size);
                }
                tools.Add(new ToolText(RuleTarget.IpvsadmList, list));
                if (dataplane.IpSets is IpSetCollection sets)
                {
                    tools.Add(new ToolText(RuleTarget.IpsetList, IpSetListWriter.Listing(sets)));
                }
            }
            lock (_gate)
            {
                if (generation == _generation)
                {
                    _tools[lane] = tools;
                }
            }
            return tools;
        }
    }

    public LiveTables? Tables(int lane, TableFocus? focus = null)
    {
        lock (_gate)
        {
            return _run is null || lane < 0 || lane >= _run.Lanes.Count ? null : LiveTablesReader.Read(_run.Lanes[lane].Dataplane, _run.Now, focus);
        }
    }

    /// <summary>A hub connection starts receiving this room's batches.</summary>
    public void AddViewer(string connectionId) => _viewers.Add(connectionId);

    public void RemoveViewer(string connectionId) => _viewers.Remove(connectionId);

    public int ViewerCount => _viewers.Count;

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(BatchInterval);
        var last = Stopwatch.GetTimestamp();
        var ticks = 0;
        var speedWindow = (Real: 0.0, Virtual: 0.0);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Stopwatch.GetTimestamp();
                // A stalled tick (GC, a busy machine) must not become a burst of a whole second of traffic.
                var elapsed = Math.Min(Stopwatch.GetElapsedTime(last, now).TotalSeconds, 0.25);
                last = now;
                PacketBatch? batch = null;
                lock (_gate)
                {
                    if (_status == RoomStatus.Playing && _run is not null)
                    {
                        var before = _run.Now;
                        var packets = _run.AdvanceTo(before + TimeSpan.FromSeconds(elapsed * _settings.Speed), MaxPacketsPerTick);
                        foreach (var packet in packets)
                        {
                            Remember(packet);
                        }
                        batch = new PacketBatch(++_seq, _generation, _run.Now.TotalSeconds, _settings.Speed, 0,
                            [.. Sample(packets).Select(ToWire)], packets.Count);
                        speedWindow = (speedWindow.Real + elapsed, speedWindow.Virtual + (_run.Now - before).TotalSeconds);
                        if (speedWindow.Real >= 1)
                        {
                            _effectiveSpeed = speedWindow.Virtual / speedWindow.Real;
                            speedWindow = (0, 0);
                        }
                    }
                    if (++ticks % BatchesPerSnapshot == 0)
                    {
                        if (_status == RoomStatus.Playing)
                        {
                            Sample();
                        }
                        PublishSnapshot();
                    }
                }
                if (batch is not null)
                {
                    Broadcast(batch);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The room was closed.
        }
        catch (Exception e)
        {
            LogStopped(_logger, e, Id);
            lock (_gate)
            {
                _status = RoomStatus.Failed;
                _error = e.Message;
                PublishSnapshot();
            }
        }
    }

    /// <summary>Every packet when they fit in a batch, else an even spread across the interval.</summary>
    private static IEnumerable<SimulatedPacket> Sample(IReadOnlyList<SimulatedPacket> packets)
    {
        if (packets.Count <= MaxPacketsPerBatch)
        {
            return packets;
        }
        var stride = (double)packets.Count / MaxPacketsPerBatch;
        return Enumerable.Range(0, MaxPacketsPerBatch).Select(i => packets[(int)(i * stride)]);
    }

    private void Remember(SimulatedPacket packet)
    {
        _recent.Enqueue(packet);
        _recentById[packet.Id] = packet;
        while (_recent.Count > RecentPackets)
        {
            _recentById.Remove(_recent.Dequeue().Id);
        }
    }

    private WirePacket ToWire(SimulatedPacket packet)
    {
        var c = packet.Conversation;
        var lanes = new WireLanePacket?[packet.Lanes.Count];
        for (var i = 0; i < lanes.Length; i++)
        {
            lanes[i] = packet.Lanes[i] is { } result ? _paths[i].ToWire(result, packet.FromServer) : null;
        }
        return new WirePacket(packet.Id, c.Id, packet.At.TotalSeconds, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), packet.FromServer,
            c.Protocol.ToName(), c.Protocol == IpProtocol.Tcp ? packet.Flags.ToShortString() : "", ClientName(c.Placement), lanes);
    }

    private static PacketRecord ToRecord(SimulatedPacket packet, WirePacket wire) =>
        new(packet.Id, packet, wire, [.. packet.Lanes.Select(r => r is null ? null : TraceRunner.ToView(r))]);

    /// <summary>The client placement as the wire format names it.</summary>
    public static string ClientName(Simulation.Traffic.ClientPlacement placement) => placement switch
    {
        Simulation.Traffic.ClientPlacement.PodOnNode => "pod",
        Simulation.Traffic.ClientPlacement.PodOnOtherNode => "node",
        _ => "external",
    };

    /// <summary>A chart point per lane: table sizes now, and the new connections since the last point.</summary>
    private void Sample()
    {
        if (_run is null)
        {
            return;
        }
        for (var i = 0; i < _run.Lanes.Count; i++)
        {
            var lane = _run.Lanes[i];
            var m = lane.Metrics;
            var (connections, rules, cost) = _sampledTotals[i];
            var opened = m.NewConnections - connections;
            _history[i].Add(new LaneSample(
                _run.Now.TotalSeconds,
                lane.Dataplane.Conntrack.Count,
                lane.Dataplane.Ipvs?.Connections.Count,
                opened == 0 ? double.NaN : (double)(m.RulesOnNewConnections - rules) / opened,
                opened == 0 ? double.NaN : (m.FirstPacketCostNs - cost) / opened / 1000));
            if (_history[i].Count > HistoryLength)
            {
                _history[i].RemoveRange(0, _history[i].Count - HistoryLength);
            }
            _sampledTotals[i] = (m.NewConnections, m.RulesOnNewConnections, m.FirstPacketCostNs);
        }
    }

    /// <summary>Takes a snapshot (under the gate) and tells the subscribers, without waiting for them.</summary>
    private void PublishSnapshot()
    {
        var lanes = new List<LaneSnapshot>();
        if (_run is not null)
        {
            for (var i = 0; i < _run.Lanes.Count; i++)
            {
                var lane = _run.Lanes[i];
                var m = lane.Metrics;
                var layout = _paths[i].Layout;
                lanes.Add(new LaneSnapshot(layout.Mode, layout.Title, layout.Colour, m.Packets, m.NewConnections, m.Delivered, m.Dropped, m.Rejected,
                    m.RulesPerNewConnection, m.LookupsPerNewConnection, m.FirstPacketLatencyNs / 1000,
                    lane.Dataplane.Conntrack.Count, lane.Dataplane.Ipvs?.Connections.Count,
                    TopBackends(m.RequestsPerBackend), [.. _history[i]]));
            }
        }
        var snapshot = new RoomSnapshot(++_version, _generation, _status, _error, _settings, _run?.Now.TotalSeconds ?? 0,
            _status == RoomStatus.Playing ? _effectiveSpeed : 0, _run?.PacketsSimulated ?? 0, _run?.Warnings ?? [],
            [.. _paths.Select(p => p.Layout)], lanes);
        Volatile.Write(ref _snapshot, snapshot);
        Func<RoomSnapshot, Task>[] subscribers;
        lock (_subscribers)
        {
            subscribers = [.. _subscribers];
        }
        foreach (var subscriber in subscribers)
        {
            _ = NotifyAsync(subscriber, snapshot);
        }
    }

    /// <summary>The busiest backends; the rest summed under LaneSnapshot.OtherBackends so a 50,000-service room does not copy 150,000 counters 4 times a second.</summary>
    private static Dictionary<string, long> TopBackends(IReadOnlyDictionary<string, long> requests)
    {
        const int top = 24;
        if (requests.Count <= top)
        {
            return new Dictionary<string, long>(requests);
        }
        var busiest = requests.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).Take(top).ToDictionary();
        busiest[LaneSnapshot.OtherBackends] = requests.Values.Sum() - busiest.Values.Sum();
        return busiest;
    }

    private async Task NotifyAsync(Func<RoomSnapshot, Task> subscriber, RoomSnapshot snapshot)
    {
        try
        {
            await subscriber(snapshot);
        }
        catch (Exception e)
        {
            LogSubscriberFailed(_logger, e, Id);
        }
    }

    private void Broadcast(PacketBatch batch) => _viewers.Broadcast(batch);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _viewers.CompleteAll();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Room {Room} stopped")]
    private static partial void LogStopped(ILogger logger, Exception exception, string room);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscriber of room {Room} failed")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception, string room);

    private sealed class Subscription(SimulationRoom room, Func<RoomSnapshot, Task> changed) : IDisposable
    {
        public void Dispose()
        {
            lock (room._subscribers)
            {
                room._subscribers.Remove(changed);
            }
        }
    }

}
