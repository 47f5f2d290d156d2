using System.Runtime.InteropServices;
using Xunit;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// Decides whether the kernel conformance tests can run here: root, the netfilter tools, and the right to create
/// network namespaces. Missing pieces skip the tests on a developer machine and fail them on CI (CI=true).
/// </summary>
internal static class KernelRequirements
{
    /// <summary>
    /// Every tool the kernel tests run. The lab's own clients and backends are .NET sockets; socat makes the hundreds
    /// of short connections of the load-balancing spread test cheaply.
    /// </summary>
    public static readonly IReadOnlyList<string> Tools =
        ["ip", "iptables-restore", "iptables-save", "iptables", "xtables-monitor", "conntrack", "nft", "socat"];

    private static readonly string[] SearchPath =
    [
        .. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries),
        "/usr/sbin",
        "/sbin",
        "/usr/bin",
        "/bin",
    ];

    /// <summary>What is missing for each tool list asked about, checked once per test run.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> MissingByTools = new();

    /// <summary>Skips (or on CI fails) the calling test unless the kernel lab can run.</summary>
    public static void Require() => Require([.. Tools]);

    /// <summary>
    /// Skips (or on CI fails) the calling test unless it runs on Linux as root, may create network namespaces, and
    /// finds every tool given.
    /// </summary>
    public static void Require(params string[] tools)
    {
        if (MissingByTools.GetOrAdd(string.Join(' ', tools), _ => FindMissing(tools)) is not { } missing)
        {
            return;
        }

        var reason = $"requires root and kernel tools: {missing}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
    }

    /// <summary>The tool's full path; sbin directories are searched too because test runners often lack them in PATH.</summary>
    public static string PathOf(string tool) =>
        SearchPath.Select(directory => Path.Combine(directory, tool)).FirstOrDefault(File.Exists) ?? tool;

    private static string? FindMissing(IReadOnlyList<string> tools)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            return "Linux";
        }

        if (NativeMethods.geteuid() != 0)
        {
            missing.Add("root (effective uid 0)");
        }

        missing.AddRange(tools.Where(tool => !SearchPath.Any(directory => File.Exists(Path.Combine(directory, tool)))));
        if (missing.Count == 0 && CannotCreateNamespace() is { } problem)
        {
            missing.Add($"permission to create network namespaces ({problem})");
        }

        return missing.Count == 0 ? null : string.Join(", ", missing);
    }

    // Root inside a container without CAP_SYS_ADMIN passes the uid check but cannot build the lab.
    private static string? CannotCreateNamespace()
    {
        var name = $"kl-probe-{Guid.NewGuid().ToString("N")[..8]}";
        var add = LabCommand.RunAsync("ip", ["netns", "add", name]).GetAwaiter().GetResult();
        if (add.ExitCode != 0)
        {
            return add.StandardError.Trim();
        }

        LabCommand.RunAsync("ip", ["netns", "delete", name]).GetAwaiter().GetResult();
        return null;
    }

    private static class NativeMethods
    {
        [DllImport("libc")]
        public static extern uint geteuid();
    }
}
