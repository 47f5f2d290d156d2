using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.Netfilter;

public class IptablesRestoreParserTests
{
    [Theory]
    [InlineData("-m owner --uid-owner 0", "-m owner", "unsupported match \"-m owner\"")]
    [InlineData("-p tcp --syn", "--syn", "unsupported option \"--syn\"")]
    [InlineData("-p tcp --dport http", "http", "tcp: invalid port \"http\"")]
    [InlineData("-p tcp --dport 90:80", "90:80", "(min > max)")]
    [InlineData("-p tcp --dport 65536", "65536", "invalid port")]
    [InlineData("--dport 80 -p tcp", "--dport", "unsupported option \"--dport\"")]
    [InlineData("-m tcp --dport 80", "-m tcp", "tcp: requires \"-p tcp\"")]
    [InlineData("-p udp -m tcp --dport 80", "-m tcp", "tcp: requires \"-p tcp\"")]
    [InlineData("-p tcp -m tcp --dport 80 -m tcp --sport 1", "-m tcp", "a second -m tcp")]
    [InlineData("-p tcp --dport 80 --dport 81", "--destination-port", "can only be used once")]
    [InlineData("-p icmp --dport 5", "--dport", "unsupported match \"-m icmp\"")]
    [InlineData("-p icmp --icmp-type 8", "--icmp-type", "unsupported match \"-m icmp\"")]
    [InlineData("-m statistic --mode nth --every 2", "nth", "unsupported mode")]
    [InlineData("-m statistic --mode random --probability 1.5", "1.5", "(0-1)")]
    [InlineData("-m statistic --mode random", "-m statistic", "--probability must be specified")]
    [InlineData("-m recent --rcheck --set", "--set", "cannot be used together with \"--rcheck\"")]
    [InlineData("-m recent --set --reap", "--reap", "also requires \"--seconds\"")]
    [InlineData("-m recent --set --seconds 5", "--seconds", "only go with --rcheck or --update")]
    [InlineData("-m recent --rcheck ! --seconds 5", "--seconds", "cannot be inverted")]
    [InlineData("-m recent --rcheck --hitcount 3", "--hitcount", "unsupported option")]
    [InlineData("-m recent --rcheck --name a/b", "a/b", "invalid list name")]
    [InlineData("-m conntrack --ctstate FOO", "FOO", "bad ctstate")]
    [InlineData("-m conntrack --ctorigdst 1.2.3.4", "--ctorigdst", "unsupported option")]
    [InlineData("-m addrtype", "-m addrtype", "--src-type or --dst-type")]
    [InlineData("-m addrtype --dst-type LOKAL", "LOKAL", "unknown address type")]
    [InlineData("-m mark --mark 0x1g", "0x1g", "bad value")]
    [InlineData("-m comment ! --comment x", "--comment", "cannot be inverted")]
    [InlineData("-m set --match-set S up", "up", "bad direction")]
    [InlineData("-m multiport --dports 80", "-m multiport", "needs \"-p tcp\"")]
    [InlineData("-p tcp -m multiport --dports 80:80", "80:80", "invalid port range")]
    [InlineData("-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "too many ports")]
    [InlineData("-p tcp -m multiport --dports 80 --sports 90", "--sports", "only one of")]
    [InlineData("-s 10.0.0.1,10.0.0.2", "10.0.0.1,10.0.0.2", "address lists are not supported")]
    [InlineData("-s 10.0.0.1/33", "10.0.0.1/33", "invalid address")]
    [InlineData("-s example.com", "example.com", "invalid address")]
    [InlineData("! -s 0.0.0.0/0", "0.0.0.0/0", "can never match")]
    [InlineData("-s 10.0.0.1 -s 10.0.0.2", "-s", "multiple -s flags")]
    [InlineData("-p gre", "gre", "unsupported protocol")]
    [InlineData("! -m comment --comment x", "!", "unexpected ! flag before --match")]
    [InlineData("-j ACCEPT -j DROP", "-j", "multiple -j or -g flags")]
    [InlineData("-j ACCEPT !", "!", "nothing to negate")]
    [InlineData("-j REJECT --reject-with tcp-reset", "tcp-reset", "needs \"-p tcp\"")]
    [InlineData("-j REJECT --reject-with icmp-foo", "icmp-foo", "unknown reject type")]
    [InlineData("-j DNAT --to-destination 1.2.3.4", "DNAT", "only valid in the nat table")]
    [InlineData("-j MARK", "MARK", "is required")]
    [InlineData("-j MARK --set-mark 1 --or-mark 2", "--or-mark", "only one of")]
    [InlineData("-j MARK --or-mark 0x1/0x1", "0x1/0x1", "bad value")]
    [InlineData("-j MARK --set-mark 4294967296", "4294967296", "bad value")]
    [InlineData("-j ACCEPT --log-prefix x", "--log-prefix", "unsupported option")]
    [InlineData("-m comment --comment \"unterminated", "-A X -m comment --comment \"unterminated", "unterminated double quote")]
    [InlineData("-m comment --comment ab\"cd\"ef", "ef", "bad argument \"ef\"")]
    [InlineData("-i abcdefghijklmnop", "abcdefghijklmnop", "invalid interface name")]
    public void Parse_UnsupportedOrMalformed_RefusedWithLineAndToken(string options, string token, string reason)
    {
        var error = Assert.Throws<IptablesParseException>(() =>
            IptablesRestoreParser.Parse($"# a comment\n*filter\n:X - [0:0]\n\n-A X {options}\nCOMMIT\n"));
        Assert.Equal(5, error.Line);
        Assert.Equal(token, error.Token);
        Assert.Contains(reason, error.Message);
        Assert.StartsWith("line 5: ", error.Message);
    }

    [Fact]
    public void Parse_UnsupportedMatch_MessageNamesTheMatch()
    {
        var error = Assert.Throws<IptablesParseException>(() => IptablesRestoreParser.Parse("*filter\n:X - [0:0]\n-A X -m owner --uid-owner 0\nCOMMIT\n"));
        Assert.Equal("line 3: unsupported match \"-m owner\"", error.Message);
    }

    [Theory]
    [InlineData("*filter\n:X - [0:0]\n-A X -j Y\nCOMMIT\n", 3, "Y", "no such chain in table filter")]
    [InlineData("*filter\n:X - [0:0]\n-A X -j LOG --log-prefix x\nCOMMIT\n", 3, "--log-prefix", "unsupported option")]
    [InlineData("*filter\n:X - [0:0]\n-A X -g ACCEPT\nCOMMIT\n", 3, "ACCEPT", "no such chain")]
    [InlineData("*filter\n:X - [0:0]\n-A X -j INPUT\nCOMMIT\n", 3, "INPUT", "cannot jump to built-in chain")]
    [InlineData("*filter\n-A Y -j ACCEPT\nCOMMIT\n", 2, "Y", "no chain \"Y\" in table filter")]
    [InlineData("*filter\n:X - [0:0]\n-N X\nCOMMIT\n", 3, "X", "already exists")]
    [InlineData("*filter\n:X - [0:0]\n-I X 2 -j ACCEPT\nCOMMIT\n", 3, "2", "index of insertion too big")]
    [InlineData("*filter\n:X - [0:0]\n:Y - [0:0]\n-A X -j Y\n-X Y\nCOMMIT\n", 5, "Y", "jumped to")]
    [InlineData("*filter\n:Y - [0:0]\n-A Y -j ACCEPT\n-X Y\nCOMMIT\n", 4, "Y", "still has rules")]
    [InlineData("*filter\n-X INPUT\nCOMMIT\n", 2, "INPUT", "built-in")]
    [InlineData("*filter\n:INPUT RETURN [0:0]\nCOMMIT\n", 2, "RETURN", "bad policy name")]
    [InlineData("*filter\n:X - [0:0\nCOMMIT\n", 2, "[0:0", "bad counters")]
    [InlineData("*filter\n:ACCEPT - [0:0]\nCOMMIT\n", 2, "ACCEPT", "clashes with a target name")]
    [InlineData("*filter\n:ABCDEFGHIJKLMNOPQRSTUVWXYZ123 - [0:0]\nCOMMIT\n", 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZ123", "invalid chain name")]
    [InlineData("*filter\n-A OUTPUT -i eth0\nCOMMIT\n", 2, "-i", "can't use -i with OUTPUT")]
    [InlineData("*filter\n-A INPUT -o eth0\nCOMMIT\n", 2, "-o", "can't use -o with INPUT")]
    [InlineData("*filter\n-Z INPUT\nCOMMIT\n", 2, "-Z", "unsupported command")]
    [InlineData("*foo\nCOMMIT\n", 1, "*foo", "unknown table")]
    [InlineData("-A X -j ACCEPT\n", 1, "-A", "no table given")]
    [InlineData("*filter\n*nat\n", 2, "*nat", "before COMMIT")]
    [InlineData("*filter\n:X - [0:0]\n-A X -j ACCEPT\n", 4, "", "COMMIT expected")]
    public void Parse_TableAndChainErrors_RefusedWithLineAndToken(string input, int line, string token, string reason)
    {
        var error = Assert.Throws<IptablesParseException>(() => IptablesRestoreParser.Parse(input));
        Assert.Equal((line, token), (error.Line, error.Token));
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Parse_TextReader_CountsLinesLikeTheStringOverload()
    {
        var error = Assert.Throws<IptablesParseException>(() => IptablesRestoreParser.Parse(new StringReader("*filter\n:X - [0:0]\n-A X -m owner\nCOMMIT\n")));
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Parse_Rules_RecordSourceLineAndPosition()
    {
        var ruleset = IptablesRestoreParser.Parse("*nat\n:X - [0:0]\n# comment\n-A X -j ACCEPT\n\n-A X -j DROP\n-I X 2 -j RETURN\nCOMMIT\n");
        var rules = ruleset.Find("nat")!.Find("X")!.Rules;
        Assert.Equal([4, 7, 6], rules.Select(r => r.SourceLine));
        Assert.Equal([1, 2, 3], rules.Select(r => r.Position));
        Assert.Equal(["ACCEPT", "RETURN", "DROP"], rules.Select(r => r.Target!.Name));
    }

    [Fact]
    public void Parse_OptionAfterOtherMatches_GoesToTheMatchThatOwnsIt()
    {
        // kube-proxy writes "-m tcp -p tcp -d ... --dport": --dport reaches the tcp match across -p and -d.
        var rule = ParseRule("-m tcp -m comment --comment x -p tcp -d 10.0.0.1 --dport 80");
        var tcp = Assert.IsType<TcpMatch>(rule.Matches[0]);
        Assert.Equal(new PortRange(80, 80), tcp.DestinationPorts);
        Assert.IsType<CommentMatch>(rule.Matches[1]);
    }

    [Fact]
    public void Parse_ImplicitProtocolMatch_LoadedWhereItsFirstOptionStands()
    {
        var rule = ParseRule("-p tcp -m comment --comment x --dport 80 -m mark --mark 1");
        Assert.Equal(["comment", "tcp", "mark"], rule.Matches.Select(m => m.Module));
    }

    [Fact]
    public void Parse_Quoting_FollowsIptablesRestore()
    {
        var rule = ParseRule("-m comment --comment \"a \\\"quoted\\\" \\\\ 'word'\" -m comment --comment \"\" -m comment --comment x'y");
        Assert.Equal(["a \"quoted\" \\ 'word'", "", "x'y"], rule.Matches.Cast<CommentMatch>().Select(c => c.Text));
    }

    [Fact]
    public void Parse_KubeProxyAndSaveForms_GiveTheSameSavedRuleset()
    {
        const string kubeProxy = """
            *nat
            :KUBE-SVC-X - [0:0]
            :KUBE-SEP-Y - [0:0]
            :KUBE-MARK-MASQ - [0:0]
            -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
            -A KUBE-SVC-X -m comment --comment "ns/svc:http cluster IP" -m tcp -p tcp -d 10.96.0.10 --dport 80 ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ
            -A KUBE-SVC-X -m comment --comment "ns/svc:http -> 10.244.1.2:8080" -m recent --name KUBE-SEP-Y --rcheck --seconds 10800 --reap -j KUBE-SEP-Y
            -A KUBE-SVC-X -m comment --comment "ns/svc:http -> 10.244.1.2:8080" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-Y
            -A KUBE-SEP-Y -m comment --comment ns/svc:http -m recent --name KUBE-SEP-Y --set -m tcp -p tcp -j DNAT --to-destination 10.244.1.2:8080
            COMMIT
            """;
        var normalised = IptablesSaveWriter.Write(IptablesRestoreParser.Parse(kubeProxy));
        Assert.Equal(normalised, IptablesSaveWriter.Write(IptablesRestoreParser.Parse(normalised)));
        Assert.Contains("-A KUBE-SVC-X ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p tcp -m comment --comment \"ns/svc:http cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n", normalised);
    }

    [Fact]
    public void ParseInto_Noflush_FlushesDeclaredUserChainsKeepsTheRest()
    {
        var ruleset = IptablesRestoreParser.Parse("""
            *nat
            :PREROUTING ACCEPT [0:0]
            :KUBE-A - [0:0]
            :KUBE-B - [0:0]
            -A PREROUTING -j KUBE-A
            -A KUBE-A -j KUBE-B
            -A KUBE-B -j ACCEPT
            COMMIT
            *filter
            :KUBE-F - [0:0]
            -A KUBE-F -j DROP
            COMMIT
            """);
        var kept = ruleset.Find("nat")!.Find("KUBE-A")!.Rules[0];

        IptablesRestoreParser.ParseInto("""
            *nat
            :PREROUTING DROP [0:0]
            :KUBE-B - [0:0]
            :KUBE-C - [0:0]
            -A PREROUTING -j KUBE-C
            -A KUBE-B -j RETURN
            -I KUBE-A -j KUBE-C
            -I KUBE-A 3 -j ACCEPT
            COMMIT
            """, ruleset);

        // Matches what iptables-restore --noflush did to the same two inputs on a real kernel.
        Assert.Equal("""
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :KUBE-F - [0:0]
            -A KUBE-F -j DROP
            COMMIT
            *nat
            :PREROUTING DROP [0:0]
            :INPUT ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            :POSTROUTING ACCEPT [0:0]
            :KUBE-A - [0:0]
            :KUBE-B - [0:0]
            :KUBE-C - [0:0]
            -A PREROUTING -j KUBE-A
            -A PREROUTING -j KUBE-C
            -A KUBE-A -j KUBE-C
            -A KUBE-A -j KUBE-B
            -A KUBE-A -j ACCEPT
            -A KUBE-B -j RETURN
            COMMIT

            """, IptablesSaveWriter.Write(ruleset));
        Assert.Same(kept, ruleset.Find("nat")!.Find("KUBE-A")!.Rules[1]);
        Assert.Equal(2, kept.Position);
    }

    [Fact]
    public void ParseInto_DeleteChain_RemovesAFlushedUnreferencedChain()
    {
        var ruleset = IptablesRestoreParser.Parse("*nat\n:KUBE-SVC-OLD - [0:0]\n-A KUBE-SVC-OLD -j ACCEPT\nCOMMIT\n");
        IptablesRestoreParser.ParseInto("*nat\n:KUBE-SVC-OLD - [0:0]\n-X KUBE-SVC-OLD\nCOMMIT\n", ruleset);
        Assert.Null(ruleset.Find("nat")!.Find("KUBE-SVC-OLD"));
    }

    [Fact]
    public void ParseInto_ErrorInATable_LeavesThatTableUntouched()
    {
        var ruleset = IptablesRestoreParser.Parse("*filter\n:X - [0:0]\n-A X -j ACCEPT\nCOMMIT\n");
        var before = IptablesSaveWriter.Write(ruleset);
        Assert.Throws<IptablesParseException>(() =>
            IptablesRestoreParser.ParseInto("*filter\n:X - [0:0]\n-A X -j DROP\n-A X -j NOWHERE\nCOMMIT\n", ruleset));
        Assert.Equal(before, IptablesSaveWriter.Write(ruleset));
    }

    [Fact]
    public void Parse_WithoutNoflush_ASecondBlockReplacesTheTable()
    {
        var ruleset = IptablesRestoreParser.Parse("*filter\n:X - [0:0]\n-A X -j ACCEPT\nCOMMIT\n*filter\n:Y - [0:0]\nCOMMIT\n");
        Assert.Equal(["Y"], ruleset.Find("filter")!.Chains.Select(c => c.Name));
    }

    [Fact]
    public void Parse_BuiltinChains_ExistOnlyWhenDeclaredOrGivenARule()
    {
        // Checked with nft list ruleset: iptables-nft creates base chains on demand, though iptables-save prints them all.
        var ruleset = IptablesRestoreParser.Parse("*nat\n:POSTROUTING DROP [0:0]\n:KUBE-X - [0:0]\n-A OUTPUT -j KUBE-X\nCOMMIT\n*mangle\nCOMMIT\n");
        var nat = ruleset.Find("nat")!;
        Assert.Equal(["POSTROUTING", "KUBE-X", "OUTPUT"], nat.Chains.Select(c => c.Name));
        Assert.Equal(Verdict.Drop, nat.Find("POSTROUTING")!.Policy);
        Assert.Equal(Verdict.Accept, nat.Find("OUTPUT")!.Policy);
        Assert.Null(ruleset.Find("mangle"));
    }

    [Fact]
    public void Parse_PolicyOnUserChain_IgnoredAsIptablesRestoreDoes()
    {
        var chain = IptablesRestoreParser.Parse("*filter\n:X DROP [0:0]\nCOMMIT\n").Find("filter")!.Find("X")!;
        Assert.False(chain.IsBuiltin);
    }

    [Fact]
    public void Parse_Comments_InternedAcrossRules()
    {
        var rules = IptablesRestoreParser.Parse("*filter\n:X - [0:0]\n-A X -m comment --comment \"a b\"\n-A X -m comment --comment \"a b\"\nCOMMIT\n")
            .Find("filter")!.Find("X")!.Rules;
        Assert.Same(((CommentMatch)rules[0].Matches[0]).Text, ((CommentMatch)rules[1].Matches[0]).Text);
    }
}
