using Dashboard.Simulation.Listings;

namespace Dashboard.Web.Model;

/// <summary>Which cluster to show: a built-in scenario by name, or a generated one of the given size.</summary>
public sealed record ScenarioChoice(string? Scenario, int GeneratedServices = 0, int EndpointsPerService = 0)
{
    public static ScenarioChoice BuiltIn(string name) => new(name);

    public static ScenarioChoice Generated(int services, int endpointsPerService) => new(null, services, endpointsPerService);
}

/// <summary>One row of the services table, as `kubectl get svc` would summarise it, plus its ready endpoints.</summary>
public sealed record ServiceRow(string Namespace, string Name, string Type, string ClusterIp, string Ports, int ReadyEndpoints)
{
    public string QualifiedName => $"{Namespace}/{Name}";
}

/// <summary>A scenario's services and the iptables-save listing of the rules kube-proxy would install for it.</summary>
public sealed record RulesPreview(
    IReadOnlyList<ServiceRow> Services,
    ToolListing Rules,
    IReadOnlyList<string> Warnings,
    int ReadyEndpoints);
