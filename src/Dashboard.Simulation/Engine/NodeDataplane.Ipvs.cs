using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

public sealed partial class NodeDataplane
{
    /// <summary>IPVS's part of a packet's walk, at the hooks where the kernel registers it (ip_vs_core.c's ip_vs_ops).</summary>
    private sealed partial class Walk
    {
        private IpvsStep Step => result.Ipvs ??= new IpvsStep();

        /// <summary>
        /// ip_vs_remote_request4 at LOCAL_IN (priority NF_IP_PRI_NAT_SRC - 1, so filter INPUT has already run): the
        /// connection table first; only a miss consults the service table and the scheduler. True when IPVS took the
        /// packet (sent on to a real server, or dropped); false when it belongs to the local stack.
        /// </summary>
        private bool IpvsLocalIn()
        {
            var ipvs = dataplane._ipvs!;
            if (packet.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
            {
                return false;
            }
            var tuple = ConnectionTuple.Of(packet);
            // is_new_conn: a TCP packet with SYN set, or any UDP packet; ip_vs_conn_uses_old_conntrack: its conntrack
            // entry was confirmed by an earlier packet (a SYN that reopened a TIME_WAIT entry has a new, unconfirmed one).
            var newConnection = packet.Protocol == IpProtocol.Udp || (packet.TcpFlags & TcpFlags.Syn) != 0;
            var lookup = ipvs.Connections.LookupIn(tuple, now, newConnection, conntrackConfirmed: _entry is { Confirmed: true });
            IpvsConnection connection;
            switch (lookup.Outcome)
            {
                case ConnectionLookupOutcome.Hit:
                    connection = lookup.Connection!;
                    break;
                case ConnectionLookupOutcome.ExpiredAndDropped:
                    AddConnectionLookup("in", tuple, lookup, Expired(lookup));
                    return IpvsDrop(new Explanation(ExplanationCode.IpvsDropExpiredOldFlow, Expired(lookup)));
                case ConnectionLookupOutcome.Rescheduled:
                    AddConnectionLookup("in", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupRescheduled, Expired(lookup)));
                    if (Schedule(ipvs, tuple, out var retaken) is not { } rescheduled)
                    {
                        return retaken;
                    }
                    connection = rescheduled;
                    break;
                case ConnectionLookupOutcome.DestinationUnavailable:
                    AddConnectionLookup("in", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupHitServerGone, lookup.Connection!.Server));
                    return IpvsDrop(new Explanation(ExplanationCode.IpvsDropServerGone, lookup.Connection.Server));
                default:
                    // tcp_conn_schedule only schedules a SYN (sloppy_tcp=0) that is not a RST; anything else is not IPVS's business.
                    if (packet.Protocol == IpProtocol.Tcp && ((packet.TcpFlags & TcpFlags.Syn) == 0 || (packet.TcpFlags & TcpFlags.Rst) != 0))
                    {
                        AddConnectionLookup("in", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupMissNotSyn));
                        return false;
                    }
                    AddConnectionLookup("in", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupMiss));
                    if (Schedule(ipvs, tuple, out var taken) is not { } scheduled)
                    {
                        return taken;
                    }
                    connection = scheduled;
                    break;
            }

            ipvs.Connections.Process(connection, IpvsDirection.Input, packet.TcpFlags, packet.Length, now);
            if (lookup.Outcome == ConnectionLookupOutcome.Hit)
            {
                AddConnectionLookup("in", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupHit), connection);
            }
            Step.Connection = ConnectionView(connection, "in", lookup.Found);
            Step.TraceEntriesBefore = result.Trace.Count;
            Transmit(connection);
            return true;
        }

        /// <summary>Why ip_vs_in expired the entry the packet found.</summary>
        private static Explanation Expired(ConnectionLookup lookup) => lookup.Why switch
        {
            ConnectionReuse.ServerGone => new Explanation(ExplanationCode.IpvsExpiredServerGone, lookup.Connection!.Server),
            ConnectionReuse.ServerQuiescent => new Explanation(ExplanationCode.IpvsExpiredServerQuiescent, lookup.Connection!.Server),
            _ => new Explanation(ExplanationCode.IpvsExpiredPortReuse, lookup.Connection!.State.ToIpvsName()),
        };

        /// <summary>
        /// ip_vs_service_find, then ip_vs_schedule: the new connection, or null with <paramref name="taken"/> saying
        /// whether IPVS rejected the packet (a service without a usable server) or left it to the local stack.
        /// </summary>
        private IpvsConnection? Schedule(IpvsDirector ipvs, ConnectionTuple tuple, out bool taken)
        {
            var service = ipvs.Services.Lookup(packet.Protocol, packet.Destination, packet.DestinationPort);
            var name = IpvsadmFormatter.ServiceName(packet.Protocol, packet.Destination, packet.DestinationPort);
            Add(new IpvsServiceLookup(name, service.Found, service.Bucket, service.ChainLength, _cost.IpvsServiceLookupNs));
            Step.Service = new IpvsServiceView(service.Found, service.Found ? name : null, service.Bucket, service.ChainLength);
            if (service.Service is not { } virtualService)
            {
                taken = false; // a local address but no virtual service: the local stack gets it
                return null;
            }
            var scheduled = ipvs.Connections.Schedule(virtualService, tuple, now);
            if (scheduled.Connection is null)
            {
                // ip_vs_leave: no real server can take it; IPVS answers ICMP port unreachable (even for TCP) and drops.
                result.Outcome = OutcomeKind.Rejected;
                var reason = new Explanation(ExplanationCode.IpvsNoRealServer, name, virtualService.Servers.Count);
                result.Reason = reason;
                Add(new Rejected(reason, 0));
                taken = true;
                return null;
            }
            var decision = scheduled.Decision!;
            var scheduler = virtualService.Scheduler.Name;
            Add(new IpvsScheduled(scheduler, decision.Server.ToString(), decision.Why, _cost.IpvsScheduleNs));
            Step.Scheduler = new IpvsSchedulerView(scheduler, decision.Server.ToString(), decision.Why,
                scheduled.Persistence == PersistenceOutcome.NotPersistent ? null : PersistenceName(scheduled.Persistence));
            taken = true;
            return scheduled.Connection;
        }

        private static string PersistenceName(PersistenceOutcome outcome) => outcome switch
        {
            PersistenceOutcome.TemplateCreated => "template created",
            PersistenceOutcome.TemplateHit => "template hit",
            _ => "template invalidated, new one created",
        };

        /// <summary>ip_vs_nat_xmit, ip_vs_dr_xmit or ip_vs_tunnel_xmit, then the packet's way out of the node.</summary>
        private void Transmit(IpvsConnection connection)
        {
            var ipvs = dataplane._ipvs!;
            var before = packet.Headers;
            var realServer = Endpoint(connection.DestinationAddress, connection.DestinationPort);
            dataplane._context.IpvsVirtual = new IpvsVirtualService(connection.Protocol, connection.VirtualAddress, connection.VirtualPort);
            switch (connection.Method)
            {
                case ForwardingMethod.Masquerade:
                    packet.Destination = connection.DestinationAddress;
                    packet.DestinationPort = connection.DestinationPort;
                    AddForwarded(connection, before, realServer);
                    if (_entry is { Confirmed: false } entry)
                    {
                        // ip_vs_update_conntrack: replies will come from the real server; no NAT status is set.
                        ConntrackTable.AlterReply(entry, new ConnectionTuple(packet.Protocol, packet.Destination, packet.DestinationPort,
                            entry.Reply.Destination, entry.Reply.DestinationPort));
                        Add(new ConntrackAltered(Describe(entry.Reply), _cost.NatNs));
                    }
                    SendOut(connection.DestinationAddress, realServer, newPacket: false);
                    break;
                case ForwardingMethod.DirectRouting:
                    // Only the frame changes: from the director's NIC to the real server's MAC, which owns the VIP on lo.
                    packet.Ethernet = new EthernetHeader(EthernetHeader.NodeMac(ipvs.NodeAddress),
                        IpvsDirector.MacOf(connection.DestinationAddress, dataplane._network.Settings.ClusterCidr));
                    AddForwarded(connection, before, realServer);
                    SendOut(connection.DestinationAddress, realServer, newPacket: false);
                    break;
                default:
                    // ip_vs_tunnel_xmit_prepare confirms the inner packet's entry, then the outer packet is a new one.
                    Confirm();
                    var outer = new Packet
                    {
                        Protocol = IpProtocol.IpInIp,
                        Source = ipvs.NodeAddress,
                        Destination = connection.DestinationAddress,
                        Mark = packet.Mark,
                        Length = packet.Length + 20,
                    };
                    packet.Outer = new OuterIpHeader(outer.Source, outer.Destination);
                    AddForwarded(connection, before, realServer);
                    var inner = (result.Connection, result.CtState);
                    dataplane._context.Packet = outer;
                    new Walk(dataplane, outer, result, now).SendOut(outer.Destination, realServer, newPacket: true);
                    dataplane._context.Packet = packet;
                    (result.Connection, result.CtState) = inner;
                    break;
            }
            var after = HeadersView.Of(packet.Headers);
            Step.Forward = new IpvsForwardView(IpvsDirector.MethodName(connection.Method), HeadersView.Of(before), after, after.Outer);
        }

        private void AddForwarded(IpvsConnection connection, PacketHeaders before, string realServer) =>
            Add(new IpvsForwarded(IpvsDirector.MethodName(connection.Method), realServer, before, packet.Headers, _cost.IpvsTransmitNs));

        /// <summary>
        /// The packet's way out after IPVS: the route to <paramref name="nextHop"/>, OUTPUT, then POSTROUTING. A packet
        /// IPVS sends on (ip_vs_send_or_cont) keeps its conntrack entry, so conntrack does not look it up again and nat
        /// OUTPUT has nothing to do for it; a <paramref name="newPacket"/> the node builds itself (the IPIP outer packet,
        /// ip_local_out) goes through raw OUTPUT and gets its own entry.
        /// </summary>
        private void SendOut(Ipv4Address nextHop, string deliverTo, bool newPacket)
        {
            packet.OutInterface = dataplane._network.OutInterface(nextHop);
            Add(new Routed("output", packet.OutInterface, _cost.RouteNs));
            Enter(NetfilterHook.Output);
            if ((newPacket && (!RunTable("raw", NetfilterHook.Output) || !TrackConnection())) ||
                !RunTable("mangle", NetfilterHook.Output) || !RunNat(NetfilterHook.Output, destination: true) ||
                !RunTable("filter", NetfilterHook.Output))
            {
                return;
            }
            Enter(NetfilterHook.Postrouting);
            if (!RunTable("mangle", NetfilterHook.Postrouting) || !RunNat(NetfilterHook.Postrouting, destination: false) || !Confirm())
            {
                return;
            }
            Deliver(new Explanation(ExplanationCode.ViaInterface, packet.OutInterface), deliverTo);
        }

        /// <summary>
        /// ip_vs_reply4 at FORWARD (priority 100, after filter FORWARD): a NAT real server's reply gets the virtual
        /// service's address back as its source. Every forwarded TCP or UDP packet costs this lookup.
        /// </summary>
        private void IpvsForwardReply()
        {
            var ipvs = dataplane._ipvs!;
            if (packet.Protocol is not (IpProtocol.Tcp or IpProtocol.Udp))
            {
                return;
            }
            var tuple = ConnectionTuple.Of(packet);
            var lookup = ipvs.Connections.LookupOut(tuple, now);
            if (lookup.Connection is not { Method: ForwardingMethod.Masquerade } connection)
            {
                AddConnectionLookup("out", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupOutMiss));
                return;
            }
            var before = packet.Headers;
            packet.Source = connection.VirtualAddress;
            packet.SourcePort = connection.VirtualPort;
            ipvs.Connections.Process(connection, IpvsDirection.Output, packet.TcpFlags, packet.Length, now);
            AddConnectionLookup("out", tuple, lookup, new Explanation(ExplanationCode.IpvsLookupOutHit), connection);
            Add(new NatApplied("un-DNAT", "ipvs", before, packet.Headers, _cost.IpvsTransmitNs));
            Step.Connection = ConnectionView(connection, "out", hit: true);
        }

        /// <summary>A DR or TUN real server's reply: it goes from the real server to the client, around the node.</summary>
        public void DirectReply(IpvsConnection connection)
        {
            result.SeenByNode = false;
            var method = IpvsDirector.MethodName(connection.Method);
            var realServer = connection.Server.ToString();
            Add(new DirectReply(method, realServer,
                new Explanation(ExplanationCode.DirectReply, method, connection.DestinationAddress, connection.VirtualAddress, packet.Destination), 0));
            Step.Connection = ConnectionView(connection, "direct", hit: true);
            Deliver(new Explanation(ExplanationCode.ViaRealServerRoute), Endpoint(packet.Destination, packet.DestinationPort));
        }

        /// <summary>The entry as the packet left it: its bucket and that bucket's chain, state and seconds left.</summary>
        private IpvsConnectionView ConnectionView(IpvsConnection connection, string direction, bool hit) =>
            new(hit, direction, connection.Bucket, dataplane._ipvs!.Connections.ChainLength(connection.Bucket),
                connection.State.ToIpvsName(), connection.RemainingSeconds(now));

        private void AddConnectionLookup(string direction, ConnectionTuple tuple, ConnectionLookup lookup, Explanation outcome, IpvsConnection? connection = null) =>
            Add(new IpvsConnectionLookup(direction, tuple, outcome, lookup.Bucket, lookup.ChainLength,
                connection?.State.ToIpvsName(), _cost.IpvsConnectionLookupNs));

        private bool IpvsDrop(Explanation reason)
        {
            Drop(reason);
            return true;
        }
    }
}
