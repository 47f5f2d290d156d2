using Dashboard.Simulation.IpSets;

namespace Dashboard.Simulation.Tests.IpSets;

/// <summary>Writers and parser against text the real ipset v7.17 printed on kernel 6.18 (copied from its output).</summary>
public class IpSetTextTests
{
    /// <summary>`ipset save` after restoring these sets with these initvals; members come out in bucket order.</summary>
    private const string KernelSave = """
        create I-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x12345678
        add I-IPPORT 10.96.0.12,tcp:80
        add I-IPPORT 10.96.0.10,tcp:80
        add I-IPPORT 10.96.0.11,tcp:80
        add I-IPPORT 10.96.0.13,udp:53
        create N-NET hash:net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x00000001
        add N-NET 10.0.0.0/8
        add N-NET 1.2.3.4
        add N-NET 192.168.1.0/24

        """;

    [Fact]
    public void Write_MembersAddedInAnotherOrder_PrintsTheKernelsBucketOrder()
    {
        var sets = IpSetRestoreParser.Parse("""
            create I-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 initval 0x12345678
            add I-IPPORT 10.96.0.10,tcp:80
            add I-IPPORT 10.96.0.11,tcp:80
            add I-IPPORT 10.96.0.12,tcp:80
            add I-IPPORT 10.96.0.13,udp:53
            create N-NET hash:net family inet hashsize 1024 maxelem 65536 initval 0x1
            add N-NET 10.0.0.0/8
            add N-NET 192.168.1.7/24
            add N-NET 1.2.3.4
            """);
        Assert.Equal(KernelSave.ReplaceLineEndings("\n"), IpSetSaveWriter.Write(sets));
    }

    [Fact]
    public void Parse_KernelSaveOutput_WritesItBackUnchanged() =>
        Assert.Equal(KernelSave.ReplaceLineEndings("\n"), IpSetSaveWriter.Write(IpSetRestoreParser.Parse(KernelSave)));

    [Fact]
    public void Write_KubeProxyBitmapAndComments_MatchesKernelSave()
    {
        var sets = IpSetRestoreParser.Parse("""
            create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
            add KUBE-NODE-PORT-TCP 31999
            add KUBE-NODE-PORT-TCP 30001
            create C-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 comment initval 0x9f565b0f
            add C-IPPORT 10.96.0.10,tcp:80 comment "Kubernetes service cluster ip + port for masquerade purpose"
            add C-IPPORT 10.96.0.11,tcp:80
            create T bitmap:port range 100-50
            """);
        Assert.Equal("""
            create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
            add KUBE-NODE-PORT-TCP 30001
            add KUBE-NODE-PORT-TCP 31999
            create C-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0x9f565b0f
            add C-IPPORT 10.96.0.11,tcp:80
            add C-IPPORT 10.96.0.10,tcp:80 comment "Kubernetes service cluster ip + port for masquerade purpose"
            create T bitmap:port range 50-100

            """.ReplaceLineEndings("\n"), IpSetSaveWriter.Write(sets));
    }

    [Fact]
    public void WriteList_SetsWithAndWithoutMembers_MatchesKernelListIncludingMemorySize()
    {
        var sets = IpSetRestoreParser.Parse("""
            create E-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 initval 0x4cffbc52
            create C-BMP bitmap:port range 0-65535 comment
            add C-BMP 80 comment "x y"
            create I-IPPORT hash:ip,port family inet hashsize 1024 maxelem 65536 initval 0x12345678
            add I-IPPORT 10.96.0.10,tcp:80
            add I-IPPORT 10.96.0.11,tcp:80
            add I-IPPORT 10.96.0.12,tcp:80
            add I-IPPORT 10.96.0.13,udp:53
            """);
        Assert.Equal("""
            Name: E-IPPORT
            Type: hash:ip,port
            Revision: 7
            Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x4cffbc52
            Size in memory: 216
            References: 0
            Number of entries: 0
            Members:

            Name: C-BMP
            Type: bitmap:port
            Revision: 3
            Header: range 0-65535 comment
            Size in memory: 532572
            References: 0
            Number of entries: 1
            Members:
            80 comment "x y"

            Name: I-IPPORT
            Type: hash:ip,port
            Revision: 7
            Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x12345678
            Size in memory: 408
            References: 0
            Number of entries: 4
            Members:
            10.96.0.12,tcp:80
            10.96.0.10,tcp:80
            10.96.0.11,tcp:80
            10.96.0.13,udp:53

            """.ReplaceLineEndings("\n"), IpSetListWriter.Write(sets));
    }

    [Theory]
    [InlineData(IpSetType.HashIp, 216)]
    [InlineData(IpSetType.HashIpPort, 216)]
    [InlineData(IpSetType.HashIpPortIp, 208)]
    [InlineData(IpSetType.HashIpPortNet, 464)]
    [InlineData(IpSetType.HashNet, 456)]
    [InlineData(IpSetType.BitmapPort, 8264)]
    public void MemorySize_EmptyKubeProxySet_IsWhatKernelListPrints(IpSetType type, long expected) =>
        Assert.Equal(expected, new IpSetCollection().Create("S", type).MemorySize);

    [Fact]
    public void Parse_BucketSize_ClampedAndEvenedAsTheKernelDoes()
    {
        var sets = IpSetRestoreParser.Parse("create A hash:ip bucketsize 3\ncreate B hash:ip bucketsize 64\ncreate C hash:ip bucketsize 2\n");
        Assert.Equal([4, 12, 2], sets.Sets.Select(s => s.BucketSize));
    }

    [Fact]
    public void Parse_DefaultsAndPortWithoutProtocol_FollowTheTool()
    {
        var sets = IpSetRestoreParser.Parse("# kube-proxy style\ncreate P hash:ip,port,net family inet hashsize 1024 maxelem 65536 initval 0x2\nadd P 1.2.3.4,80,5.6.7.8/32\n");
        Assert.Equal("add P 1.2.3.4,tcp:80,5.6.7.8\n", IpSetSaveWriter.Write(sets).Split('\n', 2)[1]);
    }

    [Theory]
    [InlineData("create A hash:mac", 1, "unsupported set type")]
    [InlineData("create A bitmap:port", 1, "Missing mandatory option \"range\"")]
    [InlineData("create A hash:ip\nadd A 10.0.0.1\nadd A 10.0.0.1", 3, "it's already added")]
    [InlineData("create A hash:ip\nadd A 10.0.0.1 comment \"x\"", 2, "without the comment extension")]
    [InlineData("create A hash:ip,port\nadd A 10.0.0.1,icmp:8", 2, "not a protocol")]
    [InlineData("create A hash:net\nadd A 0.0.0.0/0", 2, "/0")]
    [InlineData("add NOPE 10.0.0.1", 1, "does not exist")]
    [InlineData("create A hash:ip family inet6", 1, "IPv4")]
    [InlineData("create A hash:ip\ncreate A hash:ip", 2, "already exists")]
    [InlineData("create A bitmap:port range 10-20\nadd A 21", 2, "outside the range")]
    public void Parse_BadLine_ThrowsWithLineAndReason(string text, int line, string reason)
    {
        var error = Assert.Throws<IpSetParseException>(() => IpSetRestoreParser.Parse(text));
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Exist_IgnoresDuplicatesAndIdenticalCreates()
    {
        var sets = IpSetRestoreParser.Parse("create A hash:ip\ncreate A hash:ip -exist\nadd A 10.0.0.1\nadd A 10.0.0.1 -exist\n");
        Assert.Equal(1, sets["A"].Count);
    }
}
