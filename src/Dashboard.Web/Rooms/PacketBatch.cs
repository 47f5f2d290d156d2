namespace Dashboard.Web.Rooms;

/// <summary>
/// What the hub sends a viewer 10-20 times a second: the packets simulated since the previous batch, with each lane's
/// hops already placed on that lane's stations. Property names are short because a busy room sends thousands of hops
/// a second; README documents every field.
/// </summary>
/// <param name="Seq">Batch number in this room, from 1; a gap means batches this viewer did not receive.</param>
/// <param name="Generation">Changes whenever the room restarts with new settings (layouts may have changed).</param>
/// <param name="VirtualTimeS">The room's virtual clock at the end of the batch, seconds.</param>
/// <param name="Speed">Virtual seconds per real second the room is running at.</param>
/// <param name="Skipped">Events (hops) this viewer has not been sent because it fell behind, in total since it joined.</param>
/// <param name="Packets">The packets, in simulation order: all of them, or an even sample when the room simulated more than a batch carries.</param>
/// <param name="Simulated">Packets the room simulated in this batch's interval (Packets.Count when nothing was sampled out).</param>
public sealed record PacketBatch(long Seq, int Generation, double VirtualTimeS, double Speed, long Skipped, IReadOnlyList<WirePacket> Packets, int Simulated)
{
    /// <summary>What the batch weighs for a slow viewer: its hops (events), the unit of the skipped count.</summary>
    public int EventCount => Packets.Sum(p => p.Lanes.Sum(l => l?.Hops.Count ?? 0));
}

/// <summary>
/// One packet of the shared traffic. Id is the same in every lane (select it once, it is highlighted in every pane).
/// </summary>
/// <param name="Id">Packet id, unique in the room's generation.</param>
/// <param name="Conn">The conversation (connection) it belongs to.</param>
/// <param name="At">Virtual time, seconds.</param>
/// <param name="SimMs">Wall clock (Unix ms) when the server simulated it: the browser measures packet-to-screen latency from it.</param>
/// <param name="Reply">True for a packet the server (backend) sends; drawn hollow.</param>
/// <param name="Proto">tcp or udp.</param>
/// <param name="Flags">TCP flags (S, SA, A, PA, FA) or empty for UDP.</param>
/// <param name="Client">pod, node (a pod on another node) or external.</param>
/// <param name="Lanes">Per pane, in layout order: what that mode did, or null when that pane's connection had ended.</param>
public sealed record WirePacket(long Id, long Conn, double At, long SimMs, bool Reply, string Proto, string Flags, string Client, IReadOnlyList<WireLanePacket?> Lanes);

/// <summary>
/// One packet in one lane.
/// </summary>
/// <param name="Hops">The stations it visited, in order.</param>
/// <param name="Outcome">delivered, dropped or rejected.</param>
/// <param name="Src">Source ip:port as it arrived.</param>
/// <param name="Dst">Destination ip:port as it arrived.</param>
/// <param name="SrcAfter">Source ip:port as it left (after SNAT/masquerade).</param>
/// <param name="DstAfter">Destination ip:port as it left (after DNAT or IPVS NAT).</param>
/// <param name="Outer">The outer IPIP header "src > dst" for a TUN packet; null otherwise.</param>
/// <param name="Mac">The destination MAC DR wrote; null otherwise.</param>
/// <param name="Seen">False for a DR/TUN reply, which never crosses the node.</param>
/// <param name="CtHit">True when conntrack found the connection (the nat walk is skipped).</param>
/// <param name="Rules">iptables rules evaluated.</param>
/// <param name="CostNs">The cost model's latency for this packet (MODELLED).</param>
public sealed record WireLanePacket(
    IReadOnlyList<WireHop> Hops,
    string Outcome,
    string Src,
    string Dst,
    string SrcAfter,
    string DstAfter,
    string? Outer,
    string? Mac,
    bool Seen,
    bool CtHit,
    int Rules,
    double CostNs);

/// <summary>
/// One hop: at station S (index into the layout's stations), what happened (K), a rule number or bucket (N), a label
/// (T), for a scan the first rule walked (F), and the index of the engine event it shows (E, into the inspector's event list).
/// Kinds: hook, scan (rules F to N walked without a match, T = chain), match (rule N matched; T is its target), policy, ct (conntrack
/// lookup, N = bucket, T = miss/hit), ctnew (entry created), nat (T = DNAT/SNAT/MASQUERADE/un-DNAT...), route,
/// set (ipset match), svc (IPVS service lookup, N = bucket), sched (T = real server), conn (IPVS connection lookup,
/// N = bucket), xmit (T = nat/dr/tun), deliver, drop, reject, direct (DR/TUN reply straight to the client).
/// </summary>
public sealed record WireHop(int S, string K, int N, string T, int F, int E);
