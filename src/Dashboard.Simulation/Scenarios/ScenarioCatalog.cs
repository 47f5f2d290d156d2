namespace Dashboard.Simulation.Scenarios;

/// <summary>The built-in scenarios (YAML shipped with the engine) and the generator for large clusters.</summary>
public static class ScenarioCatalog
{
    /// <summary>Names of the built-in scenarios, e.g. "small".</summary>
    public static IReadOnlyList<string> Names => throw new NotImplementedException();

    /// <summary>The scenario's objects as `kubectl get svc,endpointslices -A -o yaml` prints them.</summary>
    public static string GetYaml(string name) => throw new NotImplementedException();

    /// <summary>A generated cluster of N services with M ready endpoints each, as YAML.</summary>
    public static string Generate(int services, int endpointsPerService) => throw new NotImplementedException();
}
