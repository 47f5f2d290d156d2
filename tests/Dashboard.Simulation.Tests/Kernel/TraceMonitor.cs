using System.Diagnostics;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>`xtables-monitor --trace` running in the node namespace, keeping every line it printed.</summary>
internal sealed class TraceMonitor : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];
    private readonly Lock _gate = new();
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    private TraceMonitor(Process process)
    {
        _process = process;
        _stdoutPump = PumpAsync(process.StandardOutput, _lines);
        _stderrPump = PumpAsync(process.StandardError, _errors);
    }

    public static TraceMonitor Start(string networkNamespace)
    {
        var startInfo = LabCommand.StartInfo("ip", LabCommand.InNamespace(networkNamespace, "xtables-monitor", ["--trace", "-4"]), redirectStandardInput: false);
        return new TraceMonitor(Process.Start(startInfo) ?? throw new InvalidOperationException("could not start xtables-monitor"));
    }

    /// <summary>How many lines have been printed so far: a mark to read from later.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    public IReadOnlyList<string> LinesFrom(int mark)
    {
        lock (_gate)
        {
            return [.. _lines.Skip(mark)];
        }
    }

    /// <summary>
    /// Re-evaluates <paramref name="probe"/> over the lines printed since <paramref name="mark"/> each time a line
    /// arrives, until it answers or the timeout passes: waiting on the output itself, never on a guessed delay.
    /// </summary>
    public async Task<T> WaitForAsync<T>(int mark, Func<IReadOnlyList<string>, T?> probe, TimeSpan timeout, string what, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            IReadOnlyList<string> lines;
            bool ended;
            lock (_gate)
            {
                changed = _changed.Task;
                lines = [.. _lines.Skip(mark)];
                ended = _ended;
            }

            if (probe(lines) is { } answer)
            {
                return answer;
            }

            var remaining = timeout - deadline.Elapsed;
            if (ended || remaining <= TimeSpan.Zero)
            {
                string errors;
                lock (_gate)
                {
                    errors = string.Join('\n', _errors);
                }

                throw new TimeoutException(
                    $"xtables-monitor did not show {what} within {timeout}{(ended ? " (it exited: " + errors + ")" : string.Empty)}; it printed:\n"
                    + string.Join('\n', lines));
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The loop re-checks once more and reports with the output seen.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await Task.WhenAll(_stdoutPump, _stderrPump);
        _process.Dispose();
    }

    private async Task PumpAsync(StreamReader reader, List<string> sink)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_gate)
            {
                sink.Add(line);
            }

            Signal();
        }

        lock (_gate)
        {
            _ended = _ended || ReferenceEquals(sink, _lines);
        }

        Signal();
    }

    // Each waiter holds the current task; swapping before completing means a waiter never spins on a completed one.
    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
