using System.Globalization;
using System.Text;

namespace Dashboard.Simulation.IpSets;

/// <summary>
/// Prints sets as `ipset list` (v7.17) does: Name, Type, Revision, Header, Size in memory, References, Number of entries,
/// Members, one member a line, and an empty line between sets (none after the last). "Size in memory" is the kernel's
/// accounting for x86_64 kernel 6.18 (see <see cref="IpSet.MemorySize"/>); "References" is whatever the caller set.
/// </summary>
public static class IpSetListWriter
{
    public static string Write(IpSetCollection sets, bool terse = false)
    {
        var output = new StringBuilder();
        var first = true;
        foreach (var set in sets.Sets)
        {
            if (!first)
            {
                output.Append('\n');
            }
            first = false;
            Write(set, output, terse);
        }
        return output.ToString();
    }

    /// <summary>One set; <paramref name="terse"/> leaves out the members, as `ipset list -t`.</summary>
    public static void Write(IpSet set, StringBuilder output, bool terse = false)
    {
        output.Append("Name: ").Append(set.Name).Append('\n');
        output.Append("Type: ").Append(set.Type.ToName()).Append('\n');
        output.Append("Revision: ").Append(set.Type.Revision().ToString(CultureInfo.InvariantCulture)).Append('\n');
        output.Append("Header: ");
        IpSetSaveWriter.AppendHeader(set, output);
        output.Append('\n');
        output.Append("Size in memory: ").Append(set.MemorySize.ToString(CultureInfo.InvariantCulture)).Append('\n');
        output.Append("References: ").Append(set.References.ToString(CultureInfo.InvariantCulture)).Append('\n');
        output.Append("Number of entries: ").Append(set.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (terse)
        {
            return;
        }
        output.Append("Members:\n");
        foreach (var member in set.Members)
        {
            IpSetSaveWriter.AppendMember(set.Type, member, output);
            output.Append('\n');
        }
    }
}
