using System.Diagnostics;
using Dashboard.Web.Hosting;
using Dashboard.Web.Rooms;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace Dashboard.Web.Services;

/// <summary>
/// The real server (Kestrel), started only once the app has served its landing page to itself in memory and run a
/// room of the built-in scenario for a few packets. .NET compiles a method the first time it runs: measured on this
/// project's two-core machine, a fresh server spent about 1.5 s of its first visitor's page load compiling the
/// request pipeline, the page's components and the engine. Paying that here, before "Now listening", gives the
/// first visitor the page every later visitor gets; a warm-up that fails costs only that time, never the start.
/// </summary>
public sealed partial class WarmStartServer(IServer server, SimulationRooms rooms, Readiness readiness, ILogger<WarmStartServer> logger) : IServer
{
    /// <summary>Packets stepped in the warm-up room: enough to take every path of the built-in scenario's traffic.</summary>
    private const int WarmUpPackets = 64;

    /// <summary>The landing page (prerendered components) and a static file (the fingerprinted, compressed file endpoints).</summary>
    private static readonly string[] WarmUpPaths = ["/", "/css/app.css"];

    public IFeatureCollection Features => server.Features;

    /// <summary>Puts the warm-up in front of the server the host registered (Kestrel; a test host's own server is registered after and replaces it).</summary>
    public static void Wrap(IServiceCollection services)
    {
        var registered = services.LastOrDefault(service => service.ServiceType == typeof(IServer))
            ?? throw new InvalidOperationException("no server registered to warm up");
        var type = registered.ImplementationType
            ?? throw new InvalidOperationException($"the registered server ({registered}) is not a type to construct");
        services.Add(ServiceDescriptor.Singleton<IServer>(provider => new WarmStartServer(
            (IServer)ActivatorUtilities.CreateInstance(provider, type),
            provider.GetRequiredService<SimulationRooms>(),
            provider.GetRequiredService<Readiness>(),
            provider.GetRequiredService<ILogger<WarmStartServer>>())));
    }

    public async Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        var clock = Stopwatch.StartNew();
        readiness.WarmingUp = true;
        try
        {
            // The page and the engine share no code worth waiting for: on two cores they compile side by side.
            var page = Task.Run(() => WarmUpPagesAsync(application), cancellationToken);
            await Task.Run(RunRoomAsync, cancellationToken);
            await page;
            LogWarmedUp(logger, clock.ElapsedMilliseconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, clock.ElapsedMilliseconds);
        }
        readiness.WarmingUp = false;
        await server.StartAsync(application, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

    public void Dispose() => server.Dispose();

    /// <summary>The landing page and one of the files it loads, as a browser asks for them.</summary>
    private async Task WarmUpPagesAsync<TContext>(IHttpApplication<TContext> application) where TContext : notnull
    {
        foreach (var path in WarmUpPaths)
        {
            var status = await GetAsync(application, path);
            if (status != StatusCodes.Status200OK)
            {
                LogPageStatus(logger, path, status);
            }
        }
    }

    /// <summary>GET through the whole pipeline (routing, localization, antiforgery, the prerendered page or a static file), as Kestrel would pass it.</summary>
    private static async Task<int> GetAsync<TContext>(IHttpApplication<TContext> application, string path) where TContext : notnull
    {
        var request = new HttpRequestFeature { Method = HttpMethods.Get, Scheme = "http", Path = path, Protocol = "HTTP/1.1" };
        request.Headers.Host = "localhost";
        request.Headers.AcceptEncoding = "gzip, deflate, br, zstd";
        var response = new HttpResponseFeature();
        var features = new FeatureCollection();
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature());
        var context = application.CreateContext(features);
        Exception? error = null;
        try
        {
            await application.ProcessRequestAsync(context);
        }
        catch (Exception e)
        {
            error = e;
            throw;
        }
        finally
        {
            application.DisposeContext(context, error);
        }
        return response.StatusCode;
    }

    /// <summary>Builds the built-in scenario in every mode, steps its traffic and reads the tables the page shows.</summary>
    private async Task RunRoomAsync()
    {
        var room = rooms.Open("warm-up");
        try
        {
            await room.ApplyAsync(RoomSettings.Default);
            if (room.Snapshot.Status == RoomStatus.Failed)
            {
                throw new InvalidOperationException($"the built-in scenario did not build: {room.Snapshot.Error}");
            }
            for (var i = 0; i < WarmUpPackets && room.StepPacket() is not null; i++)
            {
            }
            for (var lane = 0; lane < room.Snapshot.Lanes.Count; lane++)
            {
                room.Tools(lane);
                room.Tables(lane);
            }
        }
        finally
        {
            await rooms.CloseAsync(room.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Warmed up in {Milliseconds} ms")]
    private static partial void LogWarmedUp(ILogger logger, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up: GET {Path} answered {StatusCode}")]
    private static partial void LogPageStatus(ILogger logger, string path, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warm-up failed after {Milliseconds} ms; the first visit compiles what it needs")]
    private static partial void LogFailed(ILogger logger, Exception exception, long milliseconds);
}
