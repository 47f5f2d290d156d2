using Dashboard.Simulation.Netfilter;
using static Dashboard.Simulation.Tests.Netfilter.NetfilterTestKit;

namespace Dashboard.Simulation.Tests.Netfilter;

public class TargetTests
{
    [Theory]
    [InlineData("--set-mark 0x1", 0x1u, 0xFFFF_FFFFu)]
    [InlineData("--set-mark 0x100/0xff", 0x100u, 0x1FFu)]
    [InlineData("--set-xmark 0x4000/0x4000", 0x4000u, 0x4000u)]
    [InlineData("--set-xmark 0x4000", 0x4000u, 0xFFFF_FFFFu)]
    [InlineData("--or-mark 0x4000", 0x4000u, 0x4000u)]
    [InlineData("--xor-mark 0x4000", 0x4000u, 0x0u)]
    [InlineData("--and-mark 0xffff", 0x0u, 0xFFFF_0000u)]
    [InlineData("--or-mark 010", 0x8u, 0x8u)]
    [InlineData("--or-mark 0x00004000", 0x4000u, 0x4000u)]
    public void Mark_EveryForm_BecomesValueAndMask(string options, uint value, uint mask)
    {
        var target = Assert.IsType<MarkTarget>(ParseRule($"-j MARK {options}").Target);
        Assert.Equal((value, mask), (target.Value, target.Mask));
    }

    [Theory]
    [InlineData("--or-mark 0x4000", 0x1u, 0x4001u)]
    [InlineData("--xor-mark 0x4000", 0x4001u, 0x1u)]
    [InlineData("--xor-mark 0x4000", 0x1u, 0x4001u)]
    [InlineData("--and-mark 0xff", 0x4001u, 0x1u)]
    [InlineData("--set-mark 0x10", 0x4001u, 0x10u)]
    [InlineData("--set-mark 0x10/0xf0", 0x4001u, 0x4011u)]
    public void Mark_Apply_UsesTheKernelsClearThenXor(string options, uint before, uint after)
    {
        var target = Assert.IsType<MarkTarget>(ParseRule($"-j MARK {options}").Target);
        Assert.Equal(after, target.Apply(before));
    }

    [Theory]
    [InlineData("", "icmp-port-unreachable")]
    [InlineData("--reject-with port-unreach", "icmp-port-unreachable")]
    [InlineData("--reject-with icmp-host-prohibited", "icmp-host-prohibited")]
    [InlineData("--reject-with admin-prohib", "icmp-admin-prohibited")]
    [InlineData("--reject-with tcp-rst", "tcp-reset")]
    public void Reject_TypeAndAliases_NormaliseToTheLongName(string options, string expected) =>
        Assert.Equal(expected, Assert.IsType<RejectTarget>(ParseRule($"-p tcp -j REJECT {options}").Target).RejectWith);

    [Fact]
    public void Dnat_AddressAndPort_Parsed()
    {
        var target = Assert.IsType<NatTarget>(ParseRule("-p tcp -j DNAT --to-destination 10.180.0.1:8080", "nat").Target);
        Assert.True(target.IsDestination);
        Assert.Equal("10.180.0.1", target.Address.ToString());
        Assert.Equal((ushort)8080, target.Port);
    }

    [Fact]
    public void Masquerade_BothRandomFlags_Kept()
    {
        var target = Assert.IsType<MasqueradeTarget>(ParseRule("-j MASQUERADE --random-fully --random", "nat").Target);
        Assert.True(target.Random && target.RandomFully);
    }

    [Fact]
    public void Jump_AndGoto_ResolveToTheChain()
    {
        var ruleset = IptablesRestoreParser.Parse("*nat\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A A -g B\nCOMMIT\n");
        var chainA = ruleset.Find("nat")!.Find("A")!;
        var b = ruleset.Find("nat")!.Find("B")!;
        Assert.All(chainA.Rules, r => Assert.Same(b, ((JumpTarget)r.Target!).Chain));
        Assert.True(((JumpTarget)chainA.Rules[1].Target!).IsGoto);
    }
}
