using System.Globalization;
using System.Text;
using Dashboard.Simulation.Listings;

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
        Write(ListingBuilder.ForText(output), sets, terse);
        return output.ToString();
    }

    /// <summary>The same text as lines, with the line of each set's members.</summary>
    public static ToolListing Listing(IpSetCollection sets)
    {
        var listing = ListingBuilder.ForListing();
        Write(listing, sets, terse: false);
        return listing.ToListing();
    }

    private static void Write(ListingBuilder listing, IpSetCollection sets, bool terse)
    {
        var first = true;
        foreach (var set in sets.Sets)
        {
            if (!first)
            {
                listing.EndLine(LineKind.Separator);
            }
            first = false;
            Write(listing, set, terse);
        }
    }

    /// <summary>One set; <paramref name="terse"/> leaves out the members, as `ipset list -t`.</summary>
    private static void Write(ListingBuilder listing, IpSet set, bool terse)
    {
        var output = listing.Line;
        output.Append("Name: ").Append(set.Name);
        listing.EndLine(LineKind.Heading);
        output.Append("Type: ").Append(set.Type.ToName());
        listing.EndLine(LineKind.Heading);
        output.Append("Revision: ").Append(set.Type.Revision().ToString(CultureInfo.InvariantCulture));
        listing.EndLine(LineKind.Heading);
        output.Append("Header: ");
        IpSetSaveWriter.AppendHeader(set, output);
        listing.EndLine(LineKind.Heading);
        output.Append("Size in memory: ").Append(set.MemorySize.ToString(CultureInfo.InvariantCulture));
        listing.EndLine(LineKind.Heading);
        output.Append("References: ").Append(set.References.ToString(CultureInfo.InvariantCulture));
        listing.EndLine(LineKind.Heading);
        output.Append("Number of entries: ").Append(set.Count.ToString(CultureInfo.InvariantCulture));
        listing.EndLine(LineKind.Heading);
        if (terse)
        {
            return;
        }
        output.Append("Members:");
        listing.EndLine(LineKind.Heading);
        foreach (var member in set.Members)
        {
            IpSetSaveWriter.AppendMember(set.Type, member, output);
            listing.EndLine(LineKind.Member, new SetMemberAnchor(set.Name, member.Entry));
        }
    }
}
