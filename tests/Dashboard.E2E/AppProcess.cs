using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dashboard.E2E;

/// <summary>
/// The built app in its own process, started the way <c>dotnet run</c> starts it once built (the Development
/// environment from launchSettings.json, the project folder as content root), on a port the OS picks. A cold start
/// measured here pays what a user's first visit pays: its own JIT, on its own runtime, not the test host's.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, Uri baseAddress, TimeSpan startup)
    {
        _process = process;
        BaseAddress = baseAddress;
        Startup = startup;
    }

    public Uri BaseAddress { get; }

    /// <summary>From launching the process to Kestrel listening.</summary>
    public TimeSpan Startup { get; }

    public static async Task<AppProcess> StartAsync(CancellationToken cancellationToken)
    {
        // This assembly is built in bin/<Configuration>/<TargetFramework>/, and so is the app it references.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var project = Path.Combine(AppFixture.RepositoryRoot(), "src", "Dashboard.Web");
        var assembly = Path.Combine(project, "bin", output.Parent!.Name, output.Name, "Dashboard.Web.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { assembly, "--urls", "http://127.0.0.1:0" },
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ASPNETCORE_ENVIRONMENT"] = "Development" },
        };
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }
            log.Enqueue(line.Data);
            var match = ListeningLine().Match(line.Data);
            if (match.Success)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.ErrorDataReceived += (_, line) => log.Enqueue(line.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new AppProcess(process, address, clock.Elapsed);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{assembly} did not listen within 60 s:\n{string.Join('\n', log)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
