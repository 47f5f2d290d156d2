using Dashboard.Simulation.KubeProxy;

namespace Dashboard.Simulation.Tests.KubeProxy;

public class ProbabilityCascadeTests
{
    [Theory]
    [InlineData(2, "0.5000000000")]
    [InlineData(3, "0.3333333333")]
    [InlineData(4, "0.2500000000")]
    [InlineData(5, "0.2000000000")]
    [InlineData(100001, "0.0000099999")]
    public void Probability_RemainingEndpoints_KubeProxyFormat(int remaining, string expected) =>
        Assert.Equal(expected, IptablesProxier.Probability(remaining));

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(50)]
    public void Cascade_EveryEndpoint_EquallyLikely(int n)
    {
        // Rule i is reached with probability prod_{j<i}(1 - p_j) and taken with p_i = 1/(n-i); the last rule takes the rest.
        var reach = 1.0;
        for (var i = 0; i < n; i++)
        {
            var p = i < n - 1 ? double.Parse(IptablesProxier.Probability(n - i), System.Globalization.CultureInfo.InvariantCulture) : 1.0;
            Assert.Equal(1.0 / n, reach * p, 1e-9);
            reach *= 1 - p;
        }
    }
}
