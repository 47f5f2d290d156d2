using System.Globalization;
using Dashboard.Simulation.Conntrack;
using Dashboard.Simulation.CostModel;
using Dashboard.Simulation.Ipvs;
using Dashboard.Simulation.KubeProxy;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Simulation.Netfilter;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Engine;

/// <summary>
/// A Linux node's IPv4 path through netfilter, walked the way the kernel does it: the hooks in order, each running
/// its tables by priority (raw, conntrack, mangle, nat, filter), conntrack before everything else, the nat table only
/// for a connection's first packet (later packets reuse the stored binding), the routing decision between PREROUTING
/// and INPUT/FORWARD, and confirmation of new connections as the packet leaves. In IPVS mode an
/// <see cref="IpvsDirector"/> sits at LOCAL_IN (after filter INPUT) and FORWARD, where the kernel registers IPVS.
/// </summary>
public sealed partial class NodeDataplane
{
    private const int MaxJumpDepth = 64;

    private Ruleset _ruleset;
    private readonly NodeNetwork _network;
    private readonly IpvsDirector? _ipvs;
    private readonly DataplaneCostModel _cost;
    private readonly Random _portRandom;
    private readonly MatchContext _context;

    /// <summary>Where to come back to after a -j; packets are walked one at a time, so one stack serves them all.</summary>
    private readonly Stack<(Chain Chain, int Next)> _jumpStack = new();

    /// <summary>Each rule's iptables-save text, formatted once: events quote it for every packet that matches it.</summary>
    private readonly Dictionary<Rule, string> _ruleText = new(ReferenceEqualityComparer.Instance);

    public NodeDataplane(Ruleset ruleset, NodeNetwork network, ConntrackTable conntrack, IStatisticSource statistic, DataplaneCostModel cost, int seed,
        IpvsDirector? ipvs = null, IIpSetLookup? ipSets = null)
    {
        _ruleset = ruleset;
        _network = network;
        _ipvs = ipvs;
        Conntrack = conntrack;
        _cost = cost;
        DefaultStatistic = statistic;
        _portRandom = new Random(seed);
        _context = new MatchContext
        {
            Packet = null!,
            AddressTypes = network,
            Statistic = statistic,
            Recent = new RecentTable(),
            IpSets = ipSets,
        };
    }

    /// <summary>
    /// A node running kube-proxy in iptables mode for these objects: its ruleset, kube-proxy's conntrack settings, and
    /// the seed that decides every random draw (statistic matches, --random-fully ports, conntrack's hash).
    /// </summary>
    public static NodeDataplane ForIptablesNode(ClusterObjects objects, NodeSettings node, long seed) =>
        ForKubeProxyNode(NodeIptables.Build(objects, node), new NodeNetwork(node), seed);

    /// <summary>
    /// A node running kube-proxy in IPVS mode: the proxier's ruleset and ipsets, its virtual services in the kernel's
    /// service table, the service addresses on kube-ipvs0, and a connection table of 2^connTabBits buckets with the
    /// sysctls kube-proxy sets (expire_nodest_conn, expire_quiescent_template, conntrack=1).
    /// </summary>
    public static NodeDataplane ForIpvsNode(NodeIpvs ipvs, NodeSettings node, long seed, int connTabBits = ConnectionTable.DefaultTableBits) =>
        ForKubeProxyNode(ipvs.Ruleset, new NodeNetwork(node, ipvs.BoundAddresses), seed,
            new IpvsDirector(ipvs.Services, ConnectionTable.KubeProxyNode(tableBits: connTabBits), node.Ip), ipvs.IpSets);

    /// <summary>What every kube-proxy node shares: kube-proxy's conntrack settings, and one seed for every random draw.</summary>
    private static NodeDataplane ForKubeProxyNode(Ruleset ruleset, NodeNetwork network, long seed, IpvsDirector? ipvs = null, IIpSetLookup? ipSets = null)
    {
        var seed32 = unchecked((int)seed);
        var conntrack = new ConntrackTable(ConntrackSettings.KubeProxyNode(), unchecked((ulong)seed));
        if (ipvs is not null)
        {
            // vs/conntrack=1: an IPVS connection that expires takes its conntrack entry with it (ip_vs_conn_drop_conntrack).
            ipvs.Connections.ConntrackDropped = connection => conntrack.Kill(new ConnectionTuple(connection.Protocol,
                connection.ClientAddress, connection.ClientPort, connection.VirtualAddress, connection.VirtualPort));
        }
        return new NodeDataplane(ruleset, network, conntrack, new SeededStatistic(seed32), DataplaneCostModel.Default, seed32, ipvs, ipSets);
    }

    /// <summary>
    /// A later kube-proxy sync: the new rules (and, in IPVS mode, ipsets and kube-ipvs0 addresses) replace the old;
    /// conntrack, the IPVS connections and the recent lists carry on, as they do on a node.
    /// </summary>
    public void Resync(Ruleset ruleset, IIpSetLookup? ipSets = null, IEnumerable<Ipv4Address>? dummyAddresses = null)
    {
        _ruleset = ruleset;
        _ruleText.Clear();
        _context.IpSets = ipSets;
        if (dummyAddresses is not null)
        {
            _network.BindDummyAddresses(dummyAddresses);
        }
    }

    public ConntrackTable Conntrack { get; }

    /// <summary>IPVS mode's director; null in iptables mode.</summary>
    public IpvsDirector? Ipvs => _ipvs;
    public NodeNetwork Network => _network;

    /// <summary>The ipsets `-m set` matches look in (IPVS mode); null in iptables mode.</summary>
    public IIpSetLookup? IpSets => _context.IpSets;
    public IStatisticSource DefaultStatistic { get; }
    public RecentTable Recent => _context.Recent;
    public Ruleset Ruleset => _ruleset;

    /// <summary>Walks one packet arriving from <paramref name="origin"/> through the node at virtual time <paramref name="now"/>.</summary>
    public PacketResult Process(Packet packet, PacketOrigin origin, TimeSpan now, IStatisticSource? statistic = null)
    {
        packet.InInterface = NodeNetwork.InInterface(origin, packet.Source);
        packet.OutInterface = null;
        var result = new PacketResult { HeadersBefore = packet.Headers };
        _context.Packet = packet;
        _context.Now = now;
        _context.Statistic = statistic ?? DefaultStatistic;
        _context.IpvsVirtual = null;

        var walk = new Walk(this, packet, result, now);
        if (_ipvs?.DirectReplyTo(packet, now) is { } connection)
        {
            walk.DirectReply(connection);
        }
        else
        {
            walk.Run();
        }

        result.HeadersAfter = packet.Headers;
        result.TcpState = result.Connection is { Protocol: IpProtocol.Tcp } c ? c.TcpState : null;
        return result;
    }

    /// <summary>One packet's traversal: holds its connection and the rules it has cost so far.</summary>
    private sealed partial class Walk(NodeDataplane dataplane, Packet packet, PacketResult result, TimeSpan now)
    {
        private readonly DataplaneCostModel _cost = dataplane._cost;

        private ConntrackEntry? _entry;
        private bool _isReply;
        private bool _isNew;

        public void Run()
        {
            // PREROUTING: raw, conntrack, mangle, nat (dstnat).
            Enter(NetfilterHook.Prerouting);
            if (!RunTable("raw", NetfilterHook.Prerouting) || !TrackConnection() ||
                !RunTable("mangle", NetfilterHook.Prerouting) || !RunNat(NetfilterHook.Prerouting, destination: true))
            {
                return;
            }

            // The routing decision, on the (possibly DNATed) destination.
            if (dataplane._network.IsLocal(packet.Destination))
            {
                Add(new Routed("local", "lo", _cost.RouteNs));
                Enter(NetfilterHook.Input);
                if (!RunTable("mangle", NetfilterHook.Input) || !RunTable("filter", NetfilterHook.Input))
                {
                    return;
                }
                if (dataplane._ipvs is not null && IpvsLocalIn())
                {
                    return; // IPVS took the packet: forwarded to a real server, or dropped
                }
                if (!RunNat(NetfilterHook.Input, destination: false) || !Confirm())
                {
                    return;
                }
                Deliver(new Explanation(ExplanationCode.ViaLocalSocket));
                return;
            }
            packet.OutInterface = dataplane._network.OutInterface(packet.Destination);
            Add(new Routed("forward", packet.OutInterface, _cost.RouteNs));
            Enter(NetfilterHook.Forward);
            if (!RunTable("mangle", NetfilterHook.Forward) || !RunTable("filter", NetfilterHook.Forward))
            {
                return;
            }
            if (dataplane._ipvs is not null)
            {
                IpvsForwardReply();
            }
            Enter(NetfilterHook.Postrouting);
            if (!RunTable("mangle", NetfilterHook.Postrouting) || !RunNat(NetfilterHook.Postrouting, destination: false) || !Confirm())
            {
                return;
            }
            Deliver(new Explanation(ExplanationCode.ViaInterface, packet.OutInterface));
        }

        private void Enter(NetfilterHook hook) => Add(new HookEntered(hook.ChainName(), _cost.HookNs));

        private void Add(TraversalEvent e) => result.Events.Add(e);

        /// <summary>conntrack at PREROUTING: find the flow (either direction) or start a new, unconfirmed one.</summary>
        private bool TrackConnection()
        {
            var tuple = ConnectionTuple.Of(packet);
            var lookup = dataplane.Conntrack.Lookup(tuple, now);
            var conntrack = dataplane.Conntrack;
            if (lookup.Entry is { } closed && ConntrackTable.Reopens(closed, packet.TcpFlags, lookup.IsReply))
            {
                Add(new ConntrackLookup(tuple, lookup.Bucket, lookup.ChainLength, "reopened", _cost.ConntrackLookupNs));
                conntrack.Remove(closed);
                lookup = conntrack.Lookup(tuple, now);
            }
            if (lookup.Entry is { } entry)
            {
                Add(new ConntrackLookup(tuple, lookup.Bucket, lookup.ChainLength,
                    lookup.IsReply ? "hit reply" : "hit original", _cost.ConntrackLookupNs));
                _entry = entry;
                _isReply = lookup.IsReply;
                result.Connection = entry;
                if (!conntrack.Track(entry, packet.TcpFlags, lookup.IsReply, now))
                {
                    SetCtState(CtState.Invalid);
                    _entry = null;
                    return true;
                }
                SetCtState(lookup.IsReply || entry.SeenReply ? CtState.Established : CtState.New);
                return true;
            }
            Add(new ConntrackLookup(tuple, lookup.Bucket, lookup.ChainLength, "miss", _cost.ConntrackLookupNs));
            if (packet.Protocol == IpProtocol.Tcp &&
                TcpStateMachine.Next(TcpConntrackState.None, packet.TcpFlags, isReply: false) is var first &&
                (first == TcpStateMachine.Invalid || first == TcpStateMachine.Ignore))
            {
                // tcp_new() refuses to start tracking on anything but a SYN or a plain ACK: the packet is INVALID.
                SetCtState(CtState.Invalid);
                return true;
            }
            if (!conntrack.TryMakeRoom(tuple, out _))
            {
                SetCtState(CtState.Invalid);
                return Drop(new Explanation(ExplanationCode.ConntrackTableFull));
            }
            _entry = conntrack.CreateUnconfirmed(tuple, now);
            _isNew = true;
            result.Connection = _entry;
            conntrack.Track(_entry, packet.TcpFlags, isReply: false, now);
            SetCtState(CtState.New);
            return true;
        }

        private void SetCtState(CtState state)
        {
            var virtualStates = _entry is null ? CtState.None
                : (_entry.IsDestinationNatted ? CtState.Dnat : CtState.None) | (_entry.IsSourceNatted ? CtState.Snat : CtState.None);
            result.CtState = state;
            dataplane._context.CtState = state | virtualStates;
        }

        /// <summary>
        /// The nat table: walked only while this connection's binding for this manipulation is not yet set up (its
        /// first packet); afterwards conntrack applies the stored binding, in both directions, without any rule.
        /// </summary>
        private bool RunNat(NetfilterHook hook, bool destination)
        {
            if (_entry is null)
            {
                return true; // untracked or invalid packets never see the nat table
            }
            var done = destination ? _entry.DestinationNatDone : _entry.SourceNatDone;
            if (!done)
            {
                var passed = RunTable("nat", hook);
                if (destination)
                {
                    _entry.DestinationNatDone = true;
                }
                else
                {
                    _entry.SourceNatDone = true;
                }
                return passed;
            }
            ApplyStoredBinding(destination);
            return true;
        }

        /// <summary>conntrack's NAT for packets after the first: DNAT/SNAT again for the original direction, the inverse for replies.</summary>
        private void ApplyStoredBinding(bool destination)
        {
            var entry = _entry!;
            // nf_nat_packet: a manipulation applies only when the entry's NAT status says so (IPS_DST_NAT for the
            // original direction's destination, IPS_SRC_NAT for its reply's), not whenever the tuples differ.
            if (!(destination != _isReply ? entry.IsDestinationNatted : entry.IsSourceNatted))
            {
                return;
            }
            var before = packet.Headers;
            string kind;
            if (destination)
            {
                // Destination manipulation: original packets get the DNAT target; replies get the pre-SNAT client address back.
                var target = _isReply ? entry.Original.Source : entry.Reply.Source;
                var port = _isReply ? entry.Original.SourcePort : entry.Reply.SourcePort;
                if (packet.Destination == target && packet.DestinationPort == port)
                {
                    return;
                }
                packet.Destination = target;
                packet.DestinationPort = port;
                kind = _isReply ? "un-SNAT" : "DNAT";
            }
            else
            {
                var source = _isReply ? entry.Original.Destination : entry.Reply.Destination;
                var port = _isReply ? entry.Original.DestinationPort : entry.Reply.DestinationPort;
                if (packet.Source == source && packet.SourcePort == port)
                {
                    return;
                }
                packet.Source = source;
                packet.SourcePort = port;
                kind = _isReply ? "un-DNAT" : "SNAT";
            }
            Add(new NatApplied(kind, "conntrack", before, packet.Headers, _cost.NatNs));
        }

        /// <summary>Confirms a new connection as its first packet leaves the last hook.</summary>
        private bool Confirm()
        {
            if (_entry is { Confirmed: false } entry && _isNew)
            {
                dataplane.Conntrack.Confirm(entry);
                Add(new ConntrackCreated(Describe(entry.Original), Describe(entry.Reply),
                    entry.Protocol == IpProtocol.Tcp ? entry.TcpState.Name() : null,
                    dataplane.Conntrack.BucketOf(entry.Original), _cost.ConntrackCreateNs));
            }
            return true;
        }

        private void Deliver(Explanation via, string? to = null)
        {
            result.Outcome = OutcomeKind.Delivered;
            result.To = to ?? Endpoint(packet.Destination, packet.DestinationPort);
            Add(new Delivered(result.To, via, _cost.DeliverNs));
        }

        private bool Drop(Explanation reason)
        {
            result.Outcome = OutcomeKind.Dropped;
            result.Reason = reason;
            Add(new Dropped(reason, 0));
            return false;
        }

        /// <summary>Runs a table's base chain for the hook, if the table has it. False when the packet was dropped or rejected.</summary>
        private bool RunTable(string tableName, NetfilterHook hook)
        {
            var chain = dataplane._ruleset.Find(tableName)?.Find(hook.ChainName());
            if (chain is null || !chain.IsBuiltin)
            {
                return true;
            }
            return RunBaseChain(tableName, chain);
        }

        private bool RunBaseChain(string tableName, Chain baseChain)
        {
            var context = dataplane._context;
            var stack = dataplane._jumpStack;
            stack.Clear();
            var chain = baseChain;
            var rules = chain.RuleList;
            var headers = chain.Headers;
            var index = 0;
            var scanStart = -1;
            while (true)
            {
                if (index >= rules.Count)
                {
                    FlushScan(tableName, chain, ref scanStart, index);
                    if (stack.Count == 0)
                    {
                        return Policy(tableName, chain);
                    }
                    (chain, index) = stack.Pop(); // a user chain fell off its end: back to the caller, no TRACE line
                    rules = chain.RuleList;
                    headers = chain.Headers;
                    continue;
                }
                result.RulesEvaluated++;
                if (!headers[index].MayMatch(packet.Destination.Value))
                {
                    // The common miss in KUBE-SERVICES (another service's ClusterIP), decided without the rule object.
                    if (scanStart < 0)
                    {
                        scanStart = index;
                    }
                    index++;
                    continue;
                }
                var rule = rules[index];
                context.CurrentRule = rule;
                if (!rule.Evaluate(context))
                {
                    if (scanStart < 0)
                    {
                        scanStart = index;
                    }
                    index++;
                    continue;
                }
                FlushScan(tableName, chain, ref scanStart, index);
                rule.Count(packet.Length);
                switch (rule.Target)
                {
                    case null:
                        Matched(tableName, rule, "CONTINUE");
                        index++;
                        break;
                    case MarkTarget mark:
                        packet.Mark = mark.Apply(packet.Mark);
                        Matched(tableName, rule, "CONTINUE");
                        index++;
                        break;
                    case JumpTarget jump:
                        Matched(tableName, rule, (jump.IsGoto ? "GOTO:" : "JUMP:") + jump.ChainName);
                        if (!jump.IsGoto)
                        {
                            if (stack.Count >= MaxJumpDepth)
                            {
                                return Drop(new Explanation(ExplanationCode.JumpTooDeep, MaxJumpDepth, chain.Name));
                            }
                            stack.Push((chain, index + 1));
                        }
                        chain = jump.Chain;
                        rules = chain.RuleList;
                        headers = chain.Headers;
                        index = 0;
                        break;
                    case VerdictTarget { Verdict: Verdict.Return }:
                        Matched(tableName, rule, "RETURN");
                        if (stack.Count == 0)
                        {
                            return Policy(tableName, chain);
                        }
                        (chain, index) = stack.Pop();
                        rules = chain.RuleList;
                        headers = chain.Headers;
                        break;
                    case VerdictTarget { Verdict: Verdict.Accept }:
                        Matched(tableName, rule, "ACCEPT");
                        return true;
                    case VerdictTarget:
                        Matched(tableName, rule, "DROP");
                        return Drop(new Explanation(ExplanationCode.RuleDrop, tableName, rule.Chain.Name, rule.Position));
                    case RejectTarget reject:
                        Matched(tableName, rule, "DROP");
                        result.Outcome = OutcomeKind.Rejected;
                        var reason = new Explanation(ExplanationCode.RuleReject, tableName, rule.Chain.Name, rule.Position, reject.RejectWith);
                        result.Reason = reason;
                        Add(new Rejected(reason, 0));
                        return false;
                    case NatTarget nat:
                        Matched(tableName, rule, "ACCEPT");
                        ApplyNatTarget(nat.IsDestination, nat.Address, nat.Port, nat.RandomFully, nat.Name);
                        return true;
                    case MasqueradeTarget masquerade:
                        Matched(tableName, rule, "ACCEPT");
                        ApplyNatTarget(false, dataplane._network.MasqueradeAddress(packet.OutInterface ?? NodeNetwork.Uplink), null,
                            masquerade.RandomFully, "MASQUERADE");
                        return true;
                    default:
                        throw new InvalidOperationException($"target {rule.Target.Name} has no dataplane semantics");
                }
            }
        }

        /// <summary>Sets up the connection's NAT binding from a DNAT, SNAT or MASQUERADE rule and rewrites this packet.</summary>
        private void ApplyNatTarget(bool destination, Ipv4Address address, ushort? port, bool randomFully, string by)
        {
            var entry = _entry!;
            var before = packet.Headers;
            if (destination)
            {
                packet.Destination = address;
                packet.DestinationPort = port ?? packet.DestinationPort;
                result.DnatTo = Endpoint(packet.Destination, packet.DestinationPort);
            }
            else
            {
                packet.Source = address;
                // --random-fully picks the source port at random; otherwise the kernel keeps it when it is free.
                packet.SourcePort = port ?? (randomFully && packet.Protocol.HasPorts()
                    ? (ushort)dataplane._portRandom.Next(1024, 65536)
                    : packet.SourcePort);
            }
            ConntrackTable.SetNatBinding(entry, new ConnectionTuple(packet.Protocol, entry.Reply.Source, entry.Reply.SourcePort,
                entry.Reply.Destination, entry.Reply.DestinationPort) switch
            {
                var reply when destination => reply with { Source = packet.Destination, SourcePort = packet.DestinationPort },
                var reply => reply with { Destination = packet.Source, DestinationPort = packet.SourcePort },
            }, destination);
            SetCtState(result.CtState);
            Add(new NatApplied(by, "rule", before, packet.Headers, _cost.NatNs));
        }

        private bool Policy(string tableName, Chain chain)
        {
            var policy = chain.Policy ?? Verdict.Accept;
            var name = policy == Verdict.Drop ? "DROP" : "ACCEPT";
            result.Trace.Add(new KernelTraceEntry(tableName, chain.Name, null, "POLICY:" + name));
            Add(new ChainPolicy(tableName, chain.Name, name, 0));
            return policy != Verdict.Drop || Drop(new Explanation(ExplanationCode.PolicyDrop, tableName, chain.Name));
        }

        private void Matched(string tableName, Rule rule, string verdict)
        {
            result.Trace.Add(new KernelTraceEntry(tableName, rule.Chain.Name, rule.Position, verdict));
            if (dataplane._context.IpSets is { } sets)
            {
                foreach (var match in rule.Matches)
                {
                    if (match is SetMatch { Inverted: false } set
                        && sets.MemberMatching(set.SetName, set.SourceFlags, dataplane._context.Packet) is { } member)
                    {
                        Add(new SetLookup(set.SetName, set.Flags, member, 0));
                    }
                }
            }
            Add(new RuleMatched(tableName, rule.Chain.Name, rule.Position, dataplane.TextOf(rule), verdict, _cost.RuleMatchNs));
            result.MatchedRules.Add(rule);
        }

        private void FlushScan(string tableName, Chain chain, ref int scanStart, int end)
        {
            if (scanStart < 0)
            {
                return;
            }
            var count = end - scanStart;
            Add(new RulesScanned(tableName, chain.Name, scanStart + 1, end, count, count * _cost.PerRuleNs));
            scanStart = -1;
        }

        private static string Describe(ConnectionTuple tuple) => $"{tuple.Protocol.ToName()} {tuple}";
    }

    private string TextOf(Rule rule)
    {
        if (!_ruleText.TryGetValue(rule, out var text))
        {
            text = IptablesSaveWriter.FormatRule(rule);
            _ruleText.Add(rule, text);
        }
        return text;
    }

    internal static string Endpoint(Ipv4Address address, ushort port) =>
        string.Create(CultureInfo.InvariantCulture, $"{address}:{port}");
}
