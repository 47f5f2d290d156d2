using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dashboard.Simulation.Netfilter;

namespace Dashboard.Simulation.Tests.Netfilter;

/// <summary>A big cluster's full sync is hundreds of thousands of lines; parsing them must stay well under the sync interval.</summary>
public class ParserThroughputTests
{
    [Fact]
    public void Parse_600kKubeProxyLines_FinishesQuickly()
    {
        var (input, lines) = KubeProxyInput(services: 55_000);
        Assert.True(lines >= 600_000, $"only {lines} lines");
        IptablesRestoreParser.Parse(KubeProxyInput(services: 100).Input);

        var clock = Stopwatch.StartNew();
        var ruleset = IptablesRestoreParser.Parse(input);
        clock.Stop();

        TestContext.Current.TestOutputHelper?.WriteLine($"parsed {lines:N0} lines ({ruleset.RuleCount:N0} rules) in {clock.ElapsedMilliseconds} ms");
        // Measured cold in Release at 1.35-1.6 s on the 2-core dev machine while others were building (0.8-0.9 s with
        // server GC, which ASP.NET Core uses; the garbage collector is about half of it). Debug builds run unoptimised
        // and take about twice as long, so this bound only catches an accidental quadratic path.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"{clock.ElapsedMilliseconds} ms");
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
            rules.Append($"-A KUBE-SERVICES -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {ip} --dport 80 -j {svc}\n");
            rules.Append($"-A {svc} -m comment --comment \"{name} cluster IP\" -m tcp -p tcp -d {ip} --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ\n");
            lines += 3;
            for (var e = 0; e < 2; e++)
            {
                var sep = $"KUBE-SEP-{s:X15}{e}";
                var endpoint = $"10.{(s >> 16) + 1}.{(s >> 8) & 255}.{s & 255}";
                chains.Append(':').Append(sep).Append(" - [0:0]\n");
                rules.Append(e == 0
                    ? $"-A {svc} -m comment --comment \"{name} -> {endpoint}:8080\" -m statistic --mode random --probability 0.5000000000 -j {sep}\n"
                    : $"-A {svc} -m comment --comment \"{name} -> {endpoint}:8080\" -j {sep}\n");
                rules.Append($"-A {sep} -m comment --comment {name} -s {endpoint} -j KUBE-MARK-MASQ\n");
                rules.Append($"-A {sep} -m comment --comment {name} -m tcp -p tcp -j DNAT --to-destination {endpoint}:8080\n");
                lines += 4;
            }
        }
        rules.Append("-A KUBE-SERVICES -m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n");
        return (chains.Append(rules).ToString(), lines + 7);
    }
}
