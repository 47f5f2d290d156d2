using System.Diagnostics;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>The exit code and output of a finished process.</summary>
internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// For tests that run the real netfilter tools: checks they can run here (root, the tools, network namespaces) and
/// runs them. Missing pieces skip the test on a developer machine and fail it on CI (CI=true), so CI cannot go green
/// by silently skipping the kernel checks.
/// </summary>
internal static class KernelTools
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] SearchPath =
    [
        .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries),
        "/usr/sbin", "/sbin", "/usr/bin", "/bin",
    ];

    /// <summary>Skips (or on CI fails) the calling test unless it runs as root with every tool given; "ip" also needs netns rights.</summary>
    public static void Require(params string[] tools)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            missing.Add("Linux");
        }
        else if (EffectiveUid() != 0)
        {
            missing.Add("root (effective uid 0)");
        }
        foreach (var tool in tools)
        {
            if (FindTool(tool) is null)
            {
                missing.Add(tool);
            }
        }
        if (missing.Count == 0 && Array.IndexOf(tools, "ip") >= 0 && CannotCreateNamespace() is { } problem)
        {
            missing.Add($"permission to create network namespaces ({problem})");
        }
        if (missing.Count == 0)
        {
            return;
        }
        var reason = $"requires root and iptables-nft: {string.Join(", ", missing)}";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(reason);
        }
        Assert.Skip(reason);
    }

    public static Task<ToolResult> RunAsync(string file, params string[] args) => RunAsync(DefaultTimeout, file, args);

    /// <summary>Runs a tool (found in PATH or an sbin directory) and kills it if it outlives the timeout.</summary>
    public static async Task<ToolResult> RunAsync(TimeSpan timeout, string file, params string[] args)
    {
        var start = new ProcessStartInfo(FindTool(file) ?? file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string? FindTool(string tool)
    {
        foreach (var directory in SearchPath)
        {
            var path = Path.Combine(directory, tool);
            if (File.Exists(path))
            {
                return path;
            }
        }
        return null;
    }

    /// <summary>Reads the effective uid from /proc, which avoids a P/Invoke for one number.</summary>
    private static int EffectiveUid()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                return int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }

    // Root in a container without CAP_SYS_ADMIN passes the uid check but cannot create a namespace.
    private static string? CannotCreateNamespace()
    {
        var name = $"nf-probe-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
        var add = RunAsync("ip", "netns", "add", name).GetAwaiter().GetResult();
        if (add.ExitCode != 0)
        {
            return add.StandardError.Trim();
        }
        RunAsync("ip", "netns", "del", name).GetAwaiter().GetResult();
        return null;
    }
}
