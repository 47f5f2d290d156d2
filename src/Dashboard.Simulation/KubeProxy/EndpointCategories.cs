namespace Dashboard.Simulation.KubeProxy;

/// <summary>
/// kube-proxy's CategorizeEndpoints: which endpoints serve cluster-wide traffic, which serve traffic-policy-Local
/// traffic, and the fallback to serving-but-terminating endpoints when none is ready. Topology hints are not modelled.
/// </summary>
public sealed record EndpointCategories(
    IReadOnlyList<Endpoint> Cluster,
    IReadOnlyList<Endpoint> Local,
    IReadOnlyList<Endpoint> AllReachable,
    bool HasAny)
{
    private static readonly EndpointCategories None = new([], [], [], false);

    public static EndpointCategories Categorize(IReadOnlyList<Endpoint> endpoints, ServicePort port)
    {
        if (endpoints.Count == 0)
        {
            return None;
        }
        IReadOnlyList<Endpoint> cluster = [];
        var hasAny = false;
        if (port.UsesClusterEndpoints)
        {
            cluster = endpoints.Where(e => e.Ready).ToList();
            if (cluster.Count == 0)
            {
                cluster = endpoints.Where(e => e.Serving && e.Terminating).ToList();
            }
            hasAny = cluster.Count > 0;
        }
        if (!port.UsesLocalEndpoints)
        {
            return new(cluster, [], cluster, hasAny);
        }
        hasAny |= endpoints.Any(e => e.Ready || (e.Serving && e.Terminating));
        IReadOnlyList<Endpoint> local;
        var servingTerminating = false;
        if (endpoints.Any(e => e.IsLocal && e.Ready))
        {
            local = endpoints.Where(e => e.IsLocal && e.Ready).ToList();
        }
        else
        {
            local = endpoints.Where(e => e.IsLocal && e.Serving && e.Terminating).ToList();
            servingTerminating = local.Count > 0;
        }
        IReadOnlyList<Endpoint> all = !port.UsesClusterEndpoints ? local
            : !servingTerminating ? cluster
            // kube-proxy merges through a Go map here (random order); the simulator keeps cluster order, then local.
            : cluster.Concat(local.Where(l => !cluster.Contains(l))).ToList();
        return new(cluster, local, all, hasAny);
    }
}
