using System.Diagnostics;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>What a finished kernel tool printed and how it exited.</summary>
internal sealed record LabCommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs one kernel tool (ip, iptables-restore, conntrack, nft) to completion, optionally inside a network namespace.
/// The one way the kernel tests run a tool: a timeout, stdin for restore input, and the exit code and output back.
/// </summary>
internal static class LabCommand
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static Task<LabCommandResult> RunInNamespaceAsync(
        string networkNamespace,
        string tool,
        IReadOnlyList<string> arguments,
        string? standardInput = null,
        CancellationToken cancellationToken = default) =>
        RunAsync("ip", InNamespace(networkNamespace, tool, arguments), standardInput, cancellationToken);

    /// <summary>`ip netns exec NS /path/to/tool args...`: the arguments of `ip` that run a tool inside a namespace.</summary>
    public static string[] InNamespace(string networkNamespace, string tool, IReadOnlyList<string> arguments) =>
        ["netns", "exec", networkNamespace, KernelRequirements.PathOf(tool), .. arguments];

    /// <summary>A tool with its output (and, for restore input, its stdin) redirected, not yet started.</summary>
    public static ProcessStartInfo StartInfo(string tool, IReadOnlyList<string> arguments, bool redirectStandardInput)
    {
        var startInfo = new ProcessStartInfo(KernelRequirements.PathOf(tool))
        {
            RedirectStandardInput = redirectStandardInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        return startInfo;
    }

    public static async Task<string> RunInNamespaceCheckedAsync(
        string networkNamespace,
        string tool,
        IReadOnlyList<string> arguments,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunInNamespaceAsync(networkNamespace, tool, arguments, standardInput, cancellationToken);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException(
                $"`{tool} {string.Join(' ', arguments)}` in netns {networkNamespace} exited {result.ExitCode}: {result.StandardError.Trim()}");
    }

    public static async Task<string> RunCheckedAsync(
        string tool,
        IReadOnlyList<string> arguments,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(tool, arguments, standardInput, cancellationToken);
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException(
                $"`{tool} {string.Join(' ', arguments)}` exited {result.ExitCode}: {result.StandardError.Trim()}");
    }

    public static async Task<LabCommandResult> RunAsync(
        string tool,
        IReadOnlyList<string> arguments,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        using var process = Process.Start(StartInfo(tool, arguments, redirectStandardInput: true))
            ?? throw new InvalidOperationException($"could not start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken);
        }

        // Closing stdin is what lets iptables-restore see the end of its input.
        process.StandardInput.Close();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{tool} {string.Join(' ', arguments)}` did not finish within {DefaultTimeout}");
        }

        return new LabCommandResult(process.ExitCode, await stdout, await stderr);
    }
}
