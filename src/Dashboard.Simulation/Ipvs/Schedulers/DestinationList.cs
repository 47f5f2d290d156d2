namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// What a stateful scheduler last built its state from: the real servers in list order and, when the scheduler
/// reacts to weight changes, their weights. The kernel calls add_dest/del_dest/upd_dest on every change; a caller of
/// the simulator may forget <see cref="IIpvsScheduler.UpdateServers"/>, so Schedule compares against this first.
/// </summary>
internal sealed class DestinationList(bool trackWeights)
{
    private RealServer[] _servers = [];
    private int[] _weights = [];

    public IReadOnlyList<RealServer> Servers => _servers;

    public bool Matches(IReadOnlyList<RealServer> servers)
    {
        if (servers.Count != _servers.Length)
        {
            return false;
        }
        for (var i = 0; i < _servers.Length; i++)
        {
            if (!ReferenceEquals(servers[i], _servers[i]) || (trackWeights && servers[i].Weight != _weights[i]))
            {
                return false;
            }
        }
        return true;
    }

    public void Record(IReadOnlyList<RealServer> servers)
    {
        _servers = [.. servers];
        _weights = [.. servers.Select(server => server.Weight)];
    }
}
