using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Simulation.Netfilter;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>A big cluster's full sync is hundreds of thousands of lines; parsing them must stay well under the sync interval.</summary>
public class ParserThroughputTests
{
    [Fact]
    public void Parse_600kKubeProxyLines_GrowsLinearlyWithTheRuleset()
    {
        var (small, smallLines) = KubeProxyInput(services: 5_500);
        var (big, bigLines) = KubeProxyInput(services: 55_000);
        Assert.True(bigLines >= 600_000, $"only {bigLines} lines");
        IptablesRestoreParser.Parse(KubeProxyInput(services: 100).Input);

        // Best of three for the small input: a pause of the GC or of a busy machine should not make the ratio look good.
        var smallTime = Enumerable.Range(0, 3).Select(_ => Time(small)).Min();
        var clock = Stopwatch.StartNew();
        var ruleset = IptablesRestoreParser.Parse(big);
        var bigTime = clock.Elapsed;

        var ratio = bigTime / smallTime;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"parsed {bigLines:N0} lines ({ruleset.RuleCount:N0} rules) in {bigTime.TotalMilliseconds:N0} ms; {smallLines:N0} lines in {smallTime.TotalMilliseconds:N0} ms; ratio {ratio:N1}");
        Assert.Equal(440_002, ruleset.RuleCount);
        // Ten times the lines: a linear parser takes about ten times as long (measured 9-13 here); a quadratic path
        // anywhere would take about a hundred. A ratio, not a time, so a busy machine does not fail it.
        Assert.True(ratio < 40, $"10x the lines took {ratio:N1}x the time");
    }

    private static TimeSpan Time(string input)
    {
        var clock = Stopwatch.StartNew();
        IptablesRestoreParser.Parse(input);
        return clock.Elapsed;
    }

    /// <summary>kube-proxy's own form: per service a KUBE-SERVICES rule, a KUBE-SVC chain with masquerade and a two-endpoint cascade, two KUBE-SEP chains.</summary>
    private static (string Input, int Lines) KubeProxyInput(int services)
    {
        var chains = new StringBuilder();
        var rules = new StringBuilder();
        var lines = 0;
        chains.Append("*nat\n:KUBE-SERVICES - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n:KUBE-NODEPORTS - [0:0]\n");
        rules.Append("-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n");
        for (var s = 0; s < services; s++)
        {
            var svc = $"KUBE-SVC-{s:X16}";
            var ip = $"172.{16 + (s >> 16)}.{(s >> 8) & 255}.{s & 255}";
            var name = string.Create(CultureInfo.InvariantCulture, $"ns{s % 97}/svc{s}:p80");
            chains.Append(':').Append(svc).Append(" - [0:0]\n");
            rules.Append(CultureInfo.InvariantCulture, $"-A KUBE-SERVICES -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {ip} --dport 80 -j {svc}\n");
            rules.Append(CultureInfo.InvariantCulture, $"-A {svc} -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {ip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n");
            lines += 3;
            for (var e = 0; e < 2; e++)
            {
                var sep = $"KUBE-SEP-{s:X15}{e}";
                var endpoint = $"10.{(s >> 16) + 1}.{(s >> 8) & 255}.{s & 255}";
                chains.Append(':').Append(sep).Append(" - [0:0]\n");
                rules.Append(e == 0
                    ? $"-A {svc} -m comment --comment \"{name} -> {endpoint}:8080\" -m statistic --mode random --probability 0.5000000000 -j {sep}\n"
                    : $"-A {svc} -m comment --comment \"{name} -> {endpoint}:8080\" -j {sep}\n");
                rules.Append(CultureInfo.InvariantCulture, $"-A {sep} -m comment --comment {name} -s {endpoint} -j KUBE-MARK-MASQ\n");
                rules.Append(CultureInfo.InvariantCulture, $"-A {sep} -m comment --comment {name} -m tcp -p tcp -j DNAT --to-destination {endpoint}:8080\n");
                lines += 4;
            }
        }
        rules.Append("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n");
        return (chains.Append(rules).ToString(), lines + 7);
    }
}
