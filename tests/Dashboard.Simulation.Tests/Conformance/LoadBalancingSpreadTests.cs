using System.Globalization;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Scenarios;
using Dashboard.Simulation.Tests.Engine;
using Dashboard.Simulation.Tests.Kernel;

namespace Dashboard.Simulation.Tests.Conformance;

/// <summary>
/// The probability cascade spreads new connections evenly: over 200 connections to demo/web (3 endpoints), both the
/// real kernel's choices and the simulator's must pass a chi-squared goodness-of-fit test against uniform at alpha 0.001.
/// </summary>
public sealed class LoadBalancingSpreadTests
{
    private const int Connections = 200;

    /// <summary>Chi-squared critical value for 2 degrees of freedom at alpha = 0.001.</summary>
    private const double Critical = 13.816;

    private static readonly string[] WebEndpoints = ["10.244.0.6", "10.244.1.3", "10.244.2.4"];

    private static double ChiSquared(IReadOnlyDictionary<string, int> counts)
    {
        var expected = (double)Connections / WebEndpoints.Length;
        return WebEndpoints.Sum(e => Math.Pow(counts.GetValueOrDefault(e) - expected, 2) / expected);
    }

    [Fact]
    public void Simulator_200NewConnections_SpreadPassesChiSquared()
    {
        var packets = Enumerable.Range(0, Connections)
            .Select(i => new PacketSpec { Src = "10.244.1.7", Sport = 30000 + i, Dst = "10.96.0.20", Dport = 80, From = "remote-node" })
            .ToList();
        var result = TraceSpec.Run(new TraceSpec { Mode = "iptables", Objects = ScenarioCatalog.GetYaml("small"), Seed = 1, Packets = packets });

        var counts = result.Packets.GroupBy(p => p.Outcome.To!.Split(':')[0]).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(Connections, counts.Values.Sum());
        Assert.All(WebEndpoints, e => Assert.True(counts.ContainsKey(e), $"{e} never chosen"));
        Assert.True(ChiSquared(counts) < Critical, $"chi-squared {ChiSquared(counts):F2} >= {Critical}: {string.Join(", ", counts)}");
    }

    [Fact]
    public async Task Kernel_200NewConnections_SpreadPassesChiSquared()
    {
        var ct = TestContext.Current.CancellationToken;
        var objects = ScenarioCatalog.Load("small");
        await using var lab = await KernelLab.CreateAsync(new KernelLabOptions
        {
            Endpoints = [.. WebEndpoints.Select(e => new LabEndpoint(e, 8080, EndpointBehavior.Answering))],
        }, ct);
        await lab.LoadRulesetAsync(Dashboard.Simulation.KubeProxy.NodeIptables.BuiltinJumps, ct);
        await lab.LoadRulesetNoflushAsync(Dashboard.Simulation.KubeProxy.IptablesProxier.SyncRestoreInput(objects, Dashboard.Simulation.Kubernetes.NodeSettings.Default), ct);

        for (var i = 0; i < Connections; i++)
        {
            await LabCommand.RunInNamespaceCheckedAsync(lab.WorldNamespace, "socat",
                ["-u", "OPEN:/dev/null", $"TCP:10.96.0.20:80,bind=10.244.1.7:{(30000 + i).ToString(CultureInfo.InvariantCulture)},connect-timeout=2"],
                cancellationToken: ct);
        }
        var entries = (await lab.ListConntrackAsync(ct)).Where(e => e.Original.Destination == "10.96.0.20").ToList();
        var counts = entries.GroupBy(e => e.Reply.Source).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(Connections, entries.Count);
        Assert.True(ChiSquared(counts) < Critical, $"chi-squared {ChiSquared(counts):F2} >= {Critical}: {string.Join(", ", counts)}");
    }
}
