using Dashboard.Web.Hosting;
using Dashboard.Web.Rooms;
using Dashboard.Web.Services;
using Dashboard.Web.Tests.Rooms;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests.Services;

/// <summary>The warm-up in front of Kestrel: the first visitor of a fresh server must find the page and the engine compiled, and a warm-up that fails must never keep the server from listening.</summary>
public sealed class WarmStartServerTests : IAsyncLifetime
{
    private readonly SimulationRooms _rooms = new(new RecordingHubContext(), NullLoggerFactory.Instance);
    private readonly ListeningServer _kestrel = new();
    private readonly Readiness _readiness = new(new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance));

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _rooms.DisposeAsync();

    [Fact]
    public async Task StartAsync_ServesTheLandingPageAndRunsARoom_BeforeTheServerListens()
    {
        var warmingUpDuringRequests = new List<bool>();
        var application = new RecordingApplication(_ =>
        {
            warmingUpDuringRequests.Add(_readiness.WarmingUp);
            return StatusCodes.Status200OK;
        });
        var server = new WarmStartServer(_kestrel, _rooms, _readiness, NullLogger<WarmStartServer>.Instance);
        _kestrel.Started = () => (application.Requests.ToList(), _rooms.Count);

        await server.StartAsync(application, TestContext.Current.CancellationToken);

        // /readyz says "warming up" while the warm-up runs, and no longer once the server listens.
        Assert.NotEmpty(warmingUpDuringRequests);
        Assert.All(warmingUpDuringRequests, Assert.True);
        Assert.False(_readiness.WarmingUp);

        var (requests, roomsOpen) = _kestrel.AtStart!.Value;
        Assert.Contains(requests, r => r.Path == "/" && r.Method == HttpMethods.Get && r.Host == "localhost");
        Assert.Same(application, _kestrel.Application);
        Assert.Equal(0, roomsOpen); // the warm-up's room is closed again: it must not count against the limit
        Assert.Equal(requests.Count, application.Disposed);
    }

    [Fact]
    public async Task StartAsync_PageThrows_ServerStillListens()
    {
        var application = new RecordingApplication(_ => throw new InvalidOperationException("render failed"));
        var server = new WarmStartServer(_kestrel, _rooms, _readiness, NullLogger<WarmStartServer>.Instance);

        await server.StartAsync(application, TestContext.Current.CancellationToken);

        Assert.Same(application, _kestrel.Application);
        Assert.Equal(0, _rooms.Count);
        Assert.False(_readiness.WarmingUp);
    }

    [Fact]
    public void Wrap_HostsKestrel_ResolvesTheWarmUpAroundIt()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IServer, ListeningServer>();
        services.AddSingleton(_rooms);
        services.AddSingleton(_readiness);
        services.AddLogging();

        WarmStartServer.Wrap(services);

        using var provider = services.BuildServiceProvider();
        Assert.IsType<WarmStartServer>(provider.GetRequiredService<IServer>());
    }

    private sealed record Request(string Method, string Path, string Host);

    /// <summary>Stands in for ASP.NET Core's pipeline: records each request and answers with <paramref name="status"/>.</summary>
    private sealed class RecordingApplication(Func<string, int> status) : IHttpApplication<IFeatureCollection>
    {
        private readonly List<Request> _requests = [];

        public IReadOnlyList<Request> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public int Disposed { get; private set; }

        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context)
        {
            var request = context.Get<IHttpRequestFeature>()!;
            lock (_requests)
            {
                _requests.Add(new Request(request.Method, request.Path, request.Headers.Host.ToString()));
            }
            context.Get<IHttpResponseFeature>()!.StatusCode = status(request.Path);
            return Task.CompletedTask;
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception) => Disposed++;
    }

    /// <summary>Stands in for Kestrel: records what it was started with and what had happened by then.</summary>
    private sealed class ListeningServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public object? Application { get; private set; }

        public Func<(List<Request> Requests, int RoomsOpen)>? Started { get; set; }

        public (List<Request> Requests, int RoomsOpen)? AtStart { get; private set; }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull
        {
            Application = application;
            AtStart = Started?.Invoke();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
