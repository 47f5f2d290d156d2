using System.Globalization;
using System.Text;

namespace Dashboard.Simulation.IpSets;

/// <summary>
/// Prints sets exactly as `ipset save` (v7.17, kernel 6.18) does: per set a create line with the options the kernel
/// reports back (the current hashsize, bucketsize and initval included), then one add line per member in bucket order.
/// </summary>
public static class IpSetSaveWriter
{
    public static string Write(IpSetCollection sets)
    {
        var output = new StringBuilder();
        foreach (var set in sets.Sets)
        {
            Write(set, output);
        }
        return output.ToString();
    }

    public static void Write(IpSet set, StringBuilder output)
    {
        output.Append("create ").Append(set.Name).Append(' ').Append(set.Type.ToName()).Append(' ');
        AppendHeader(set, output);
        output.Append('\n');
        foreach (var member in set.Members)
        {
            output.Append("add ").Append(set.Name).Append(' ');
            AppendMember(set.Type, member, output);
            output.Append('\n');
        }
    }

    /// <summary>
    /// The options after the type, shared with `ipset list`'s Header line: "family inet hashsize H maxelem M [comment]
    /// bucketsize B initval 0x%08x" or "range A-B [comment]".
    /// </summary>
    internal static void AppendHeader(IpSet set, StringBuilder output)
    {
        if (!set.Type.IsHash())
        {
            output.Append("range ").Append(set.FirstPort.ToString(CultureInfo.InvariantCulture)).Append('-')
                .Append(set.LastPort.ToString(CultureInfo.InvariantCulture));
            if (set.HasComments)
            {
                output.Append(" comment");
            }
            return;
        }
        output.Append("family inet hashsize ").Append(set.HashSize.ToString(CultureInfo.InvariantCulture))
            .Append(" maxelem ").Append(set.MaxElements.ToString(CultureInfo.InvariantCulture));
        if (set.HasComments)
        {
            output.Append(" comment");
        }
        output.Append(" bucketsize ").Append(set.BucketSize.ToString(CultureInfo.InvariantCulture))
            .Append(" initval 0x").Append(set.InitVal.ToString("x8", CultureInfo.InvariantCulture));
    }

    /// <summary>An element, then ` comment "..."` when it has one (the tool prints the text as stored, unescaped).</summary>
    internal static void AppendMember(IpSetType type, IpSetMember member, StringBuilder output)
    {
        member.Entry.Format(type, output);
        if (member.Comment is not null)
        {
            output.Append(" comment \"").Append(member.Comment).Append('"');
        }
    }
}
