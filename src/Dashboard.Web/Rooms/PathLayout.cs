namespace Dashboard.Web.Rooms;

/// <summary>
/// How a pane draws its mode: the stations a packet can visit (hooks, chains, tables, lookups), each on a grid row
/// and column. Rows are shared across modes so PREROUTING and POSTROUTING sit at the same height in every pane. The
/// browser draws whatever layout it is given, so a new mode needs a new layout here, not a new page.
/// </summary>
/// <param name="Mode">The mode's key: iptables, ipvs.</param>
/// <param name="Title">The pane's title, e.g. "IPVS (rr, NAT)".</param>
/// <param name="Colour">The mode's colour (docs/UI.md): iptables #E8A33D, IPVS #2A9D8F, nftables #7B61FF.</param>
/// <param name="Stations">Every station, indexed by position: hops refer to stations by that index.</param>
/// <param name="Rows">How many grid rows the layout uses (the same for every mode).</param>
/// <param name="Columns">How many grid columns this layout uses.</param>
public sealed record PathLayout(string Mode, string Title, string Colour, IReadOnlyList<PathStation> Stations, int Rows, int Columns);

/// <summary>
/// One place on a pane's path. Kinds: client, endpoint, hook, chain, rules (a column of Size rule marks with a scan
/// bar: KUBE-SERVICES), conntrack (a hash table of Size buckets), hash (IPVS service or connection table of Size
/// buckets), set (ipset), scheduler, route, transmit.
/// </summary>
public sealed record PathStation(string Id, string Label, string Kind, int Row, int Column, int Size = 0);
