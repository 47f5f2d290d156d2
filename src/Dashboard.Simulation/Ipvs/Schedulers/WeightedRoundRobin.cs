using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Ipvs.Schedulers;

/// <summary>
/// wrr (ip_vs_wrr.c): round robin in passes. Each pass takes the servers whose weight reaches the current weight cw,
/// which starts at the maximum weight and steps down by the weights' greatest common divisor, so a server of weight w
/// is picked w/gcd times per cycle and the heaviest servers come first.
/// </summary>
public sealed class WeightedRoundRobin : IIpvsScheduler
{
    // Weight changes reach the kernel's upd_dest hook, which resets the position: track weights too.
    private readonly DestinationList _list = new(trackWeights: true);

    // The kernel's ip_vs_wrr_mark: cl (position, null = list head), cw (current weight), mw (the first cw of a
    // cycle), di (the step: gcd of the positive weights).
    private RealServer? _current;
    private int _currentWeight;
    private int _maxWeight;
    private int _step = 1;
    private int _largestWeight;

    public string Name => "wrr";

    /// <summary>ip_vs_wrr_dest_changed keeps cw across changes: three servers added one by one leave cw at 1, not at the maximum.</summary>
    public bool SeesEveryChange => true;

    /// <summary>The weight a server must reach to be picked in the current pass (the kernel's cw).</summary>
    public int CurrentWeight => _currentWeight;

    public SchedulerDecision? Schedule(IReadOnlyList<RealServer> servers, ConnectionTuple connection)
    {
        if (!_list.Matches(servers))
        {
            UpdateServers(servers);
        }

        var count = servers.Count;
        var position = _current is null ? -1 : IndexOf(servers, _current);
        if (_maxWeight == 0)
        {
            // Every weight is 0: nothing is available and the position stays.
            return null;
        }

        var last = position;
        var stop = -2;
        bool lastPass = false, restarted = false;
        while (true)
        {
            for (position++; position < count; position++)
            {
                var server = servers[position];
                if (!server.Overloaded && server.Weight >= _currentWeight)
                {
                    _current = server;
                    return new SchedulerDecision(server, new Explanation(ExplanationCode.Wrr, server, _currentWeight, _largestWeight, _step));
                }
                if (position == stop)
                {
                    _current = server;
                    return null;
                }
            }

            // Past the end of the list: back at the head, one step lower.
            position = -1;
            _currentWeight -= _step;
            if (_currentWeight <= 0)
            {
                _currentWeight = _maxWeight;
                // A full pass with cw = 1 already looked at everything: all servers are overloaded.
                if (lastPass || last == -1)
                {
                    _current = null;
                    return null;
                }
                restarted = true;
            }
            lastPass = _currentWeight <= _step;
            if (lastPass && restarted && last != -1)
            {
                // The cw = 1 pass before the restart only covered the servers after 'last'; this one covers the
                // rest up to 'last' and then gives up.
                stop = last;
            }
        }
    }

    public void UpdateServers(IReadOnlyList<RealServer> servers)
    {
        // ip_vs_wrr_dest_changed: back to the head, new step and maximum, and cw kept where it still makes sense.
        _current = null;
        _step = GreatestCommonDivisorOfPositiveWeights(servers);
        _largestWeight = servers.Count == 0 ? 0 : Math.Max(0, servers.Max(server => server.Weight));
        // The kernel lowers the first cw by (di - 1) so the last pass runs at cw = 1 and still catches a server
        // whose weight was cut below di while the scheduler ran.
        _maxWeight = _largestWeight - (_step - 1);
        if (_currentWeight > _maxWeight || _currentWeight == 0)
        {
            _currentWeight = _maxWeight;
        }
        else if (_step > 1)
        {
            _currentWeight = (_currentWeight / _step * _step) + 1;
        }
        _list.Record(servers);
    }

    private static int GreatestCommonDivisorOfPositiveWeights(IReadOnlyList<RealServer> servers)
    {
        var g = 0;
        foreach (var server in servers)
        {
            if (server.Weight > 0)
            {
                g = g > 0 ? Gcd(server.Weight, g) : server.Weight;
            }
        }
        return g > 0 ? g : 1;
    }

    private static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }
        return a;
    }

    private static int IndexOf(IReadOnlyList<RealServer> servers, RealServer server)
    {
        for (var i = 0; i < servers.Count; i++)
        {
            if (ReferenceEquals(servers[i], server))
            {
                return i;
            }
        }
        return -1;
    }
}
