using System.Diagnostics;

namespace Dashboard.Web.Tests.Browser;

/// <summary>
/// The panes' browser modules' own tests (the timeline, the geometry, a lane's recovery from a failed frame), written
/// for node --test beside this file and run here so that dotnet test Dashboard.sln fails when they fail. One case per
/// test file; a failure shows node's report.
/// </summary>
public sealed class NodeModuleTests
{
    private static string Folder { get; } = Path.Combine(RepositoryFiles.Root, "tests", "Dashboard.Web.Tests", "Browser");

    public static TheoryData<string> TestFiles() =>
        new(Directory.EnumerateFiles(Folder, "*.test.js").Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(TestFiles))]
    public async Task NodeTest_File_Passes(string file)
    {
        var start = new ProcessStartInfo("node", ["--test", "--test-reporter=spec", file])
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        using var node = StartOrExplain(start);
        var output = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await node.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(node.ExitCode == 0, $"node --test {file} exited with {node.ExitCode}:\n{await output}\n{await error}");
    }

    private static Process StartOrExplain(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "node was not found: the browser modules' tests run with node --test (Node.js 20 or later; Debian: apt-get install nodejs).", e);
        }
    }
}
