using System.Threading.Channels;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Rooms;

/// <summary>
/// A room's viewers, one hub connection each, and the batches fanned out to them: each has its own bounded queue
/// that drops the oldest batch when the viewer falls behind (counting the events it held), so a slow viewer never
/// holds up the engine or another viewer.
/// </summary>
internal sealed partial class ViewerFeeds(IHubContext<SimulationHub, ISimulationClient> hub, ILogger logger)
{
    private readonly IHubContext<SimulationHub, ISimulationClient> _hub = hub;
    private readonly ILogger _logger = logger;

    /// <summary>Batches queued per viewer before the oldest is dropped (half a second).</summary>
    private const int ViewerQueue = 8;

    private readonly Dictionary<string, ViewerFeed> _viewers = [];

    public int Count
    {
        get
        {
            lock (_viewers)
            {
                return _viewers.Count;
            }
        }
    }

    /// <summary>A hub connection starts receiving the room's batches.</summary>
    public void Add(string connectionId)
    {
        lock (_viewers)
        {
            if (!_viewers.ContainsKey(connectionId))
            {
                _viewers[connectionId] = new ViewerFeed(connectionId, this);
            }
        }
    }

    public void Remove(string connectionId)
    {
        lock (_viewers)
        {
            if (_viewers.Remove(connectionId, out var feed))
            {
                feed.Complete();
            }
        }
    }

    public string[] Ids()
    {
        lock (_viewers)
        {
            return [.. _viewers.Keys];
        }
    }

    public void Broadcast(PacketBatch batch)
    {
        lock (_viewers)
        {
            foreach (var viewer in _viewers.Values)
            {
                viewer.Offer(batch);
            }
        }
    }

    public void CompleteAll()
    {
        lock (_viewers)
        {
            foreach (var viewer in _viewers.Values)
            {
                viewer.Complete();
            }
            _viewers.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending a batch to {Connection} failed")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string connection);

    /// <summary>
    /// One hub connection's queue: bounded, dropping the oldest batch when the viewer falls behind and counting the
    /// events it held, and a pump that sends one batch at a time (SignalR's send waits when the connection is slow).
    /// </summary>
    private sealed class ViewerFeed
    {
        private readonly Channel<PacketBatch> _queue;
        private long _skipped;

        public ViewerFeed(string connectionId, ViewerFeeds feeds)
        {
            _queue = Channel.CreateBounded<PacketBatch>(
                new BoundedChannelOptions(ViewerQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
                dropped => Interlocked.Add(ref _skipped, dropped.EventCount));
            _ = Task.Run(async () =>
            {
                await foreach (var batch in _queue.Reader.ReadAllAsync())
                {
                    try
                    {
                        await feeds._hub.Clients.Client(connectionId).Batch(batch with { Skipped = Interlocked.Read(ref _skipped) });
                    }
                    catch (Exception e)
                    {
                        // The viewer went away mid-send: its next batch (or its disconnect) settles it.
                        LogSendFailed(feeds._logger, e, connectionId);
                    }
                }
            });
        }

        public void Offer(PacketBatch batch) => _queue.Writer.TryWrite(batch);

        public void Complete() => _queue.Writer.TryComplete();
    }
}
