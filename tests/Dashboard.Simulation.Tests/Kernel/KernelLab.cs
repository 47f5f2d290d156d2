using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Tests.Kernel;

/// <summary>
/// A kube-proxy node built from real network namespaces, so the kernel itself can say how a ruleset treats a packet.
/// `node` runs the ruleset under test; `world` (the other end of the node's eth0, its default gateway) holds the
/// external client and a pod of another node, and routes on to `remote`, which holds the remote endpoints; `pod` is
/// a pod on this node and `lep` holds the other local endpoints. Clients and backends never share a namespace:
/// otherwise a reply that is not masqueraded would be delivered inside that namespace instead of crossing the node.
/// Every namespace is uniquely named and deleted on dispose; the host's own namespace is never touched.
/// </summary>
public sealed class KernelLab : IAsyncDisposable
{
    // The fence: a datagram the world sends to the node from this port, traced and then dropped by the harness's
    // raw rule before conntrack or any table under test sees it. xtables-monitor prints netlink messages in the
    // order the kernel sent them, so once a fence sent after an exchange is printed, the exchange's lines are too.
    private const int FenceSourcePort = 9;

    // Calico's trick: a link-local gateway the node answers for by proxy ARP, so the node needs no pod-side
    // address that would turn up in `addrtype --dst-type LOCAL` matches.
    private const string PodGateway = "169.254.1.1";

    // The world's policy routing. From the node it forwards only what is meant for a remote endpoint (table 100);
    // anything else that is not its own address is dropped without an ICMP error, so nothing loops back through
    // the node. Everything the remote endpoints send goes back through the node (table 101), even to the world's
    // own client addresses: in a real cluster a pod on another node never reaches a ClusterIP through this node,
    // and a reply that bypassed it would never be un-DNATed, so the lab routes it as if the node were the gateway.
    private const string WorldFromNodeTable = "100";
    private const string WorldFromRemoteTable = "101";

    private static readonly ConcurrentDictionary<KernelLab, bool> Live = new();

    private readonly string[] _namespaces;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _servers = [];
    private readonly Lock _gate = new();
    private TraceMonitor? _monitor;
    private Socket? _fence;
    private int _fenceCount;
    private RulePositions? _positions;
    private HashSet<long> _traceStartHandles = [];
    private bool _harnessRulesInstalled;
    private bool _rulesetHasRaw;

    static KernelLab() =>
        // A crashed or aborted test run must not leave namespaces behind on a developer's machine.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var lab in Live.Keys)
            {
                lab.DeleteNamespacesAsync().GetAwaiter().GetResult();
            }
        };

    private KernelLab(KernelLabOptions options)
    {
        Options = options;
        var prefix = $"kl-{Guid.NewGuid().ToString("N")[..8]}";
        NodeNamespace = $"{prefix}-node";
        WorldNamespace = $"{prefix}-world";
        PodNamespace = $"{prefix}-pod";
        LocalEndpointNamespace = $"{prefix}-lep";
        RemoteNamespace = $"{prefix}-remote";
        _namespaces = [NodeNamespace, WorldNamespace, PodNamespace, LocalEndpointNamespace, RemoteNamespace];
    }

    public KernelLabOptions Options { get; }

    public string NodeNamespace { get; }

    public string WorldNamespace { get; }

    public string PodNamespace { get; }

    /// <summary>Local endpoints other than the pod itself live here, behind their own veth, as separate pods would.</summary>
    public string LocalEndpointNamespace { get; }

    /// <summary>Endpoints outside this node's pod range: pods of other nodes, reached through the world.</summary>
    public string RemoteNamespace { get; }

    /// <summary>Builds the lab; skips the test (fails it on CI) when root or a kernel tool is missing.</summary>
    public static async Task<KernelLab> CreateAsync(KernelLabOptions? options = null, CancellationToken cancellationToken = default)
    {
        KernelRequirements.Require();
        var lab = new KernelLab(options ?? new KernelLabOptions());
        Live[lab] = true;
        try
        {
            await lab.BuildAsync(cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Loads the ruleset with `iptables-restore` into the node (flushing each table the text declares), then appends
    /// the harness's own raw-table rules (TRACE in PREROUTING and OUTPUT, and the fence's DROP), so every table under
    /// test is exactly what was loaded.
    /// </summary>
    public Task LoadRulesetAsync(string iptablesRestoreText, CancellationToken cancellationToken = default) =>
        LoadAsync(iptablesRestoreText, noflush: false, cancellationToken);

    /// <summary>
    /// As <see cref="LoadRulesetAsync"/>, with `iptables-restore --noflush`, as kube-proxy applies a sync on top of
    /// the jump rules it inserted: tables and chains the text does not declare keep their rules.
    /// </summary>
    public Task LoadRulesetNoflushAsync(string iptablesRestoreText, CancellationToken cancellationToken = default) =>
        LoadAsync(iptablesRestoreText, noflush: true, cancellationToken);

    private async Task LoadAsync(string iptablesRestoreText, bool noflush, CancellationToken cancellationToken)
    {
        // iptables-restore replaces only the tables in its input: remove the harness's rules first so a second
        // load does not stack them, and so a loaded raw table is not mixed with the previous harness rules.
        if (_harnessRulesInstalled)
        {
            foreach (var rule in HarnessRules())
            {
                await LabCommand.RunInNamespaceAsync(NodeNamespace, "iptables", ["-t", "raw", "-D", .. rule], cancellationToken: cancellationToken);
            }
        }

        // kube-proxy restores its syncs with --noflush, on top of the jump rules it inserted one by one.
        await LabCommand.RunInNamespaceCheckedAsync(NodeNamespace, "iptables-restore", noflush ? ["--noflush"] : [], iptablesRestoreText, cancellationToken);
        _rulesetHasRaw |= iptablesRestoreText.Split('\n').Any(line => line.Trim() == "*raw");
        foreach (var rule in HarnessRules())
        {
            await LabCommand.RunInNamespaceCheckedAsync(NodeNamespace, "iptables", ["-t", "raw", "-A", .. rule], cancellationToken: cancellationToken);
        }

        _harnessRulesInstalled = true;
        _positions = RulePositions.Parse(await LabCommand.RunInNamespaceCheckedAsync(NodeNamespace, "nft", ["-a", "list", "ruleset"], cancellationToken: cancellationToken));
        _traceStartHandles = [_positions.HandlesOf("raw", "PREROUTING")[^2], _positions.HandlesOf("raw", "OUTPUT")[^1]];
        await WaitUntilMonitorTracesAsync(cancellationToken);
    }

    /// <summary>The node's `iptables-save` without `#` lines and without the harness's own raw rules.</summary>
    public async Task<string> SaveAsync(CancellationToken cancellationToken = default)
    {
        var saved = await LabCommand.RunInNamespaceCheckedAsync(NodeNamespace, "iptables-save", [], cancellationToken: cancellationToken);
        var harness = HarnessRules().Select(rule => "-A " + string.Join(' ', rule)).ToHashSet(StringComparer.Ordinal);
        var kept = new List<string>();
        var table = string.Empty;
        foreach (var line in saved.Split('\n'))
        {
            if (line.StartsWith('*'))
            {
                table = line;
            }

            var isHarness = table == "*raw" && (!_rulesetHasRaw || harness.Contains(line));
            if (!line.StartsWith('#') && line.Length > 0 && !isHarness)
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept) + "\n";
    }

    /// <summary>The node's `conntrack -L`.</summary>
    public async Task<IReadOnlyList<ConntrackEntry>> ListConntrackAsync(CancellationToken cancellationToken = default) =>
        ConntrackEntry.ParseListing(await LabCommand.RunInNamespaceCheckedAsync(NodeNamespace, "conntrack", ["-L"], cancellationToken: cancellationToken));

    /// <summary>
    /// Puts each address on the node's lo as a /32: the node owns it (routing delivers packets for it locally and
    /// `addrtype --dst-type LOCAL` matches it) while no other interface announces it.
    /// </summary>
    public Task AddNodeLoopbackAddressesAsync(IEnumerable<string> addresses, CancellationToken cancellationToken = default) =>
        BatchAsync(NodeNamespace, addresses.Select(address => $"addr add {address}/32 dev lo"), cancellationToken);

    /// <summary>The source address the client's packets carry.</summary>
    public string AddressOf(LabClient client) => ClientOf(client).Address;

    /// <summary>
    /// One TCP SYN: the client connect()s from a bound source port with a short timeout. Returns the SYN's trace
    /// at the node and how the connect ended; an established connection is closed again.
    /// </summary>
    public async Task<TcpSynResult> SendTcpSynAsync(LabClient client, int sourcePort, string destination, int destinationPort, CancellationToken cancellationToken = default)
    {
        var mark = RequireMonitor().Count;
        var (clientNamespace, clientAddress) = ClientOf(client);
        using var socket = CreateSocket(clientNamespace, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(clientAddress), sourcePort));
        var outcome = await ConnectAsync(socket, destination, destinationPort, cancellationToken);
        var packets = await CollectAsync(
            mark,
            found => FindFirst(found, 0, IsFrom(clientAddress, sourcePort, destination, destinationPort, "SYN")) is not null,
            $"the SYN {clientAddress}:{sourcePort} -> {destination}:{destinationPort}",
            cancellationToken);
        var syn = FindFirst(packets, 0, IsFrom(clientAddress, sourcePort, destination, destinationPort, "SYN"))!;
        return new TcpSynResult(ToTrace(packets[syn.Value]), outcome);
    }

    /// <summary>
    /// A full handshake to an answering backend: the traces of the SYN, the backend's SYN-ACK and the client's ACK
    /// at the node. The connection stays open until the returned exchange is disposed.
    /// </summary>
    public async Task<TcpExchange> OpenTcpConnectionAsync(LabClient client, int sourcePort, string destination, int destinationPort, CancellationToken cancellationToken = default)
    {
        var mark = RequireMonitor().Count;
        var (clientNamespace, clientAddress) = ClientOf(client);
        var socket = CreateSocket(clientNamespace, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(clientAddress), sourcePort));
            var outcome = await ConnectAsync(socket, destination, destinationPort, cancellationToken);
            if (outcome != TcpConnectOutcome.Connected)
            {
                await FenceAsync(mark, cancellationToken);
                throw new InvalidOperationException(
                    $"{clientAddress}:{sourcePort} -> {destination}:{destinationPort} did not connect: {outcome}; xtables-monitor printed:\n"
                    + string.Join('\n', _monitor!.LinesFrom(mark)));
            }

            // The SYN-ACK is recognised by conntrack's reply tuple: it arrives addressed as the reply tuple says
            // (to the masquerade address and port, when the node masqueraded).
            var reply = (await FindConntrackAsync("tcp", clientAddress, sourcePort, destination, destinationPort, cancellationToken)).Reply;
            var isSyn = IsFrom(clientAddress, sourcePort, destination, destinationPort, "SYN");
            var isSynAck = IsFrom(reply.Source, reply.SourcePort!.Value, reply.Destination, reply.DestinationPort!.Value, "SYN", "ACK");
            var isAck = IsFrom(clientAddress, sourcePort, destination, destinationPort, "ACK");
            int? Find(IReadOnlyList<TracedPacket> found, int index) => index switch
            {
                0 => FindFirst(found, 0, isSyn),
                1 => Find(found, 0) is { } syn ? FindFirst(found, syn + 1, isSynAck) : null,
                _ => Find(found, 1) is { } synAck ? FindFirst(found, synAck + 1, isAck) : null,
            };

            var packets = await CollectAsync(mark, found => Find(found, 2) is not null, "the SYN, SYN-ACK and ACK", cancellationToken);
            var exchange = new TcpExchange(socket, ToTrace(packets[Find(packets, 0)!.Value]), ToTrace(packets[Find(packets, 1)!.Value]), ToTrace(packets[Find(packets, 2)!.Value]));
            return exchange;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// One UDP datagram from a bound source port; waits briefly for an echo. Returns the datagram's trace and, when
    /// a reply came back through the node, the reply's trace.
    /// </summary>
    public async Task<UdpExchange> SendUdpAsync(LabClient client, int sourcePort, string destination, int destinationPort, CancellationToken cancellationToken = default)
    {
        var mark = RequireMonitor().Count;
        var (clientNamespace, clientAddress) = ClientOf(client);
        using var socket = CreateSocket(clientNamespace, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(clientAddress), sourcePort));
        await socket.SendToAsync("kernel-lab"u8.ToArray(), new IPEndPoint(IPAddress.Parse(destination), destinationPort), cancellationToken);
        var answered = false;
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(Options.ReplyTimeout);
            try
            {
                await socket.ReceiveFromAsync(new byte[2048], new IPEndPoint(IPAddress.Any, 0), wait.Token);
                answered = true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // No echo: a silent backend, or the datagram was dropped on the way.
            }
            catch (SocketException)
            {
                // An ICMP error (e.g. port unreachable) also means no echo.
            }
        }

        var isRequest = IsFrom(clientAddress, sourcePort, destination, destinationPort);
        Func<TracedHeader, bool>? isReply = null;
        if (answered)
        {
            var reply = (await FindConntrackAsync("udp", clientAddress, sourcePort, destination, destinationPort, cancellationToken)).Reply;
            isReply = IsFrom(reply.Source, reply.SourcePort!.Value, reply.Destination, reply.DestinationPort!.Value);
        }

        var packets = await CollectAsync(
            mark,
            found => FindFirst(found, 0, isRequest) is { } request && (isReply is null || FindFirst(found, request + 1, isReply) is not null),
            $"the datagram {clientAddress}:{sourcePort} -> {destination}:{destinationPort}{(answered ? " and its reply" : string.Empty)}",
            cancellationToken);
        var requestIndex = FindFirst(packets, 0, isRequest)!.Value;
        var replyTrace = isReply is null ? null : ToTrace(packets[FindFirst(packets, requestIndex + 1, isReply)!.Value]);
        return new UdpExchange(ToTrace(packets[requestIndex]), replyTrace);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Live.TryRemove(this, out _))
        {
            return;
        }

        await _stopping.CancelAsync();
        lock (_gate)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }

        try
        {
            await Task.WhenAll(_servers);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The servers end by having their sockets closed under them.
        }

        if (_monitor is not null)
        {
            await _monitor.DisposeAsync();
        }

        await DeleteNamespacesAsync();
        _stopping.Dispose();
    }

    private static Func<TracedHeader, bool> IsFrom(string source, int sourcePort, string destination, int destinationPort, params string[] tcpFlags) =>
        header => header.Source == source && header.SourcePort == sourcePort
            && header.Destination == destination && header.DestinationPort == destinationPort
            && (tcpFlags.Length == 0 ? !header.IsTcp : header.HasExactFlags(tcpFlags));

    private static int? FindFirst(IReadOnlyList<TracedPacket> packets, int start, Func<TracedHeader, bool> arrivalMatches)
    {
        for (var i = start; i < packets.Count; i++)
        {
            if (packets[i].Arrival is { } arrival && arrivalMatches(arrival))
            {
                return i;
            }
        }

        return null;
    }

    private static async Task<TcpConnectOutcome> ConnectAsync(Socket socket, string destination, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(destination), port), wait.Token);
            return TcpConnectOutcome.Connected;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TcpConnectOutcome.TimedOut;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return TcpConnectOutcome.Refused;
        }
        catch (SocketException)
        {
            return TcpConnectOutcome.Unreachable;
        }
    }

    private Task<TcpConnectOutcome> ConnectAsync(Socket socket, string destination, int port, CancellationToken cancellationToken) =>
        ConnectAsync(socket, destination, port, Options.ConnectTimeout, cancellationToken);

    private IEnumerable<string[]> HarnessRules() =>
    [
        ["PREROUTING", "-j", "TRACE"],
        ["PREROUTING", "-s", $"{Options.WorldAddress}/32", "-d", $"{Options.NodeAddress}/32", "-p", "udp", "-m", "udp", "--sport", $"{FenceSourcePort}", "-j", "DROP"],
        ["OUTPUT", "-j", "TRACE"],
    ];

    private (string Namespace, string Address) ClientOf(LabClient client) => client switch
    {
        LabClient.External => (WorldNamespace, Options.ExternalClientAddress),
        LabClient.RemotePod => (WorldNamespace, Options.RemotePodClientAddress),
        LabClient.LocalPod => (PodNamespace, Options.LocalPodAddress),
        _ => throw new ArgumentOutOfRangeException(nameof(client)),
    };

    private string NamespaceOf(LabEndpoint endpoint) =>
        endpoint.Address == Options.LocalPodAddress ? PodNamespace
        : IsLocal(endpoint) ? LocalEndpointNamespace
        : RemoteNamespace;

    private bool IsLocal(LabEndpoint endpoint) =>
        IPNetwork.Parse(Options.LocalPodCidr).Contains(IPAddress.Parse(endpoint.Address));

    private TraceMonitor RequireMonitor() =>
        _positions is null
            ? throw new InvalidOperationException("load a ruleset first: the harness's TRACE rules are added by LoadRulesetAsync")
            : _monitor!;

    private KernelPacketTrace ToTrace(TracedPacket packet) =>
        new(XtablesTrace.ToKernelTrace(packet, _positions!), packet.Text);

    private async Task<ConntrackEntry> FindConntrackAsync(string protocol, string source, int sourcePort, string destination, int destinationPort, CancellationToken cancellationToken)
    {
        var entries = await ListConntrackAsync(cancellationToken);
        return entries.FirstOrDefault(entry => entry.Protocol == protocol
                && entry.Original == new ConntrackTuple(source, destination, sourcePort, destinationPort))
            ?? throw new InvalidOperationException(
                $"no conntrack entry for {protocol} {source}:{sourcePort} -> {destination}:{destinationPort}:\n{string.Join('\n', entries.Select(e => e.Line))}");
    }

    /// <summary>
    /// Sends fences until every packet the caller waits for has been printed, each fence going out only after the
    /// previous one was seen; returns the packets since the mark, fences left out.
    /// </summary>
    private async Task<IReadOnlyList<TracedPacket>> CollectAsync(int mark, Func<IReadOnlyList<TracedPacket>, bool> complete, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Options.TraceTimeout;
        while (true)
        {
            var packets = await FenceAsync(mark, cancellationToken);
            if (complete(packets))
            {
                return packets;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"the kernel never traced {what} within {Options.TraceTimeout}; xtables-monitor printed:\n{string.Join('\n', _monitor!.LinesFrom(mark))}");
            }
        }
    }

    private async Task<IReadOnlyList<TracedPacket>> FenceAsync(int mark, CancellationToken cancellationToken)
    {
        var port = 10000 + (Interlocked.Increment(ref _fenceCount) % 50000);
        await _fence!.SendToAsync(new byte[1], new IPEndPoint(IPAddress.Parse(Options.NodeAddress), port), cancellationToken);
        return await _monitor!.WaitForAsync(
            mark,
            lines =>
            {
                var packets = XtablesTrace.SplitPackets(lines, _traceStartHandles);
                return packets.Any(packet => IsFence(packet, port) && packet.Lines.Any(line => line is { Table: "raw", Verdict: "DROP" }))
                    ? packets.Where(packet => !IsFence(packet, null)).ToList()
                    : null;
            },
            Options.TraceTimeout,
            $"the fence datagram to port {port}",
            cancellationToken);
    }

    private bool IsFence(TracedPacket packet, int? port) =>
        packet.Arrival is { } arrival && arrival.Source == Options.WorldAddress && arrival.SourcePort == FenceSourcePort
        && arrival.Destination == Options.NodeAddress && (port is null || arrival.DestinationPort == port);

    // The monitor subscribes asynchronously after its process starts: fences go out until one is printed.
    private async Task WaitUntilMonitorTracesAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Options.TraceTimeout;
        while (true)
        {
            var mark = _monitor!.Count;
            var port = 10000 + (Interlocked.Increment(ref _fenceCount) % 50000);
            await _fence!.SendToAsync(new byte[1], new IPEndPoint(IPAddress.Parse(Options.NodeAddress), port), cancellationToken);
            try
            {
                await _monitor.WaitForAsync(
                    mark,
                    lines => XtablesTrace.SplitPackets(lines, _traceStartHandles).FirstOrDefault(packet => IsFence(packet, port)),
                    TimeSpan.FromMilliseconds(100),
                    "a fence",
                    cancellationToken);
                return;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Not subscribed yet; the next fence tries again.
            }
        }
    }

    private Socket CreateSocket(string networkNamespace, SocketType type, ProtocolType protocol)
    {
        var socket = NamespaceThread.Run(networkNamespace, () => new Socket(AddressFamily.InterNetwork, type, protocol));
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        lock (_gate)
        {
            _sockets.Add(socket);
        }

        return socket;
    }

    private async Task BuildAsync(CancellationToken cancellationToken)
    {
        var o = Options;
        var localEndpoints = o.Endpoints.Where(e => NamespaceOf(e) == LocalEndpointNamespace).Select(e => e.Address).Distinct().ToList();
        var remoteEndpoints = o.Endpoints.Where(e => NamespaceOf(e) == RemoteNamespace).Select(e => e.Address).Distinct().ToList();
        foreach (var name in _namespaces)
        {
            await LabCommand.RunCheckedAsync("ip", ["netns", "add", name], cancellationToken: cancellationToken);
        }

        await LabCommand.RunCheckedAsync("ip", ["link", "add", "eth0", "netns", NodeNamespace, "type", "veth", "peer", "name", "eth0", "netns", WorldNamespace], cancellationToken: cancellationToken);
        await LabCommand.RunCheckedAsync("ip", ["link", "add", "veth-pod0", "netns", NodeNamespace, "type", "veth", "peer", "name", "eth0", "netns", PodNamespace], cancellationToken: cancellationToken);
        await LabCommand.RunCheckedAsync("ip", ["link", "add", "veth-pod1", "netns", NodeNamespace, "type", "veth", "peer", "name", "eth0", "netns", LocalEndpointNamespace], cancellationToken: cancellationToken);
        await LabCommand.RunCheckedAsync("ip", ["link", "add", "veth-remote", "netns", WorldNamespace, "type", "veth", "peer", "name", "eth0", "netns", RemoteNamespace], cancellationToken: cancellationToken);

        await BatchAsync(
            NodeNamespace,
            [
                "link set lo up",
                "link set eth0 up",
                "link set veth-pod0 up",
                "link set veth-pod1 up",
                $"addr add {o.NodeAddress}/{o.NodePrefixLength} dev eth0",
                $"route add default via {o.WorldAddress} dev eth0",
                $"route add {o.LocalPodAddress}/32 dev veth-pod0",
                .. localEndpoints.Select(address => $"route add {address}/32 dev veth-pod1"),
            ],
            cancellationToken);
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/ip_forward", "1");

        // Replies from remote endpoints leave by the interface they came in on; the ICMP redirect the node would
        // send about that is a packet of its own in the trace stream, and nothing the tests are about.
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/conf/all/send_redirects", "0");
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/conf/eth0/send_redirects", "0");
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/conf/veth-pod0/proxy_arp", "1");
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/conf/veth-pod1/proxy_arp", "1");

        // Proxy ARP answers after a random delay of up to 0.8 s by default, longer than a connect timeout.
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/neigh/veth-pod0/proxy_delay", "0");
        NamespaceThread.WriteSysctl(NodeNamespace, "net/ipv4/neigh/veth-pod1/proxy_delay", "0");

        await BatchAsync(
            WorldNamespace,
            [
                "link set lo up",
                "link set eth0 up",
                "link set veth-remote up",
                $"addr add {o.WorldAddress}/{o.NodePrefixLength} dev eth0",
                $"addr add {o.ExternalClientAddress}/32 dev lo",
                $"addr add {o.RemotePodClientAddress}/32 dev lo",
                $"addr add {PodGateway}/32 dev veth-remote",
                $"route add {o.ServiceCidr} via {o.NodeAddress}",
                $"route add {o.LocalPodCidr} via {o.NodeAddress}",
                $"rule add pref 50 iif veth-remote lookup {WorldFromRemoteTable}",
                $"route add local {PodGateway} dev veth-remote table {WorldFromRemoteTable}",
                $"route add default via {o.NodeAddress} dev eth0 table {WorldFromRemoteTable}",
                $"rule add pref 100 iif eth0 lookup {WorldFromNodeTable}",
                "rule add pref 200 lookup local",
                "rule del pref 0 lookup local",
                "rule add pref 300 iif eth0 blackhole",
                .. remoteEndpoints.SelectMany<string, string>(address =>
                    [$"route add {address}/32 dev veth-remote", $"route add {address}/32 dev veth-remote table {WorldFromNodeTable}"]),
            ],
            cancellationToken);
        NamespaceThread.WriteSysctl(WorldNamespace, "net/ipv4/ip_forward", "1");

        string[] podSide = ["link set lo up", "link set eth0 up", $"route add {PodGateway} dev eth0 scope link", $"route add default via {PodGateway} dev eth0"];
        await BatchAsync(PodNamespace, [$"addr add {o.LocalPodAddress}/{o.LocalPodPrefixLength} dev eth0", .. podSide], cancellationToken);
        await BatchAsync(LocalEndpointNamespace, [.. localEndpoints.Select(address => $"addr add {address}/32 dev eth0"), .. podSide], cancellationToken);
        await BatchAsync(RemoteNamespace, [.. remoteEndpoints.Select(address => $"addr add {address}/32 dev eth0"), .. podSide], cancellationToken);

        foreach (var endpoint in o.Endpoints)
        {
            await StartEndpointAsync(endpoint, cancellationToken);
        }

        _fence = CreateSocket(WorldNamespace, SocketType.Dgram, ProtocolType.Udp);
        _fence.Bind(new IPEndPoint(IPAddress.Parse(o.WorldAddress), FenceSourcePort));
        _monitor = TraceMonitor.Start(NodeNamespace);
    }

    private async Task StartEndpointAsync(LabEndpoint endpoint, CancellationToken cancellationToken)
    {
        var networkNamespace = NamespaceOf(endpoint);
        if (endpoint.Behavior == EndpointBehavior.Silent)
        {
            // Dropped in raw, before that namespace's conntrack: the backend never answers, not even with a RST.
            await LabCommand.RunInNamespaceCheckedAsync(
                networkNamespace, "iptables", ["-t", "raw", "-A", "PREROUTING", "-d", $"{endpoint.Address}/32", "-j", "DROP"], cancellationToken: cancellationToken);
            return;
        }

        var address = new IPEndPoint(IPAddress.Parse(endpoint.Address), endpoint.Port);
        var listener = CreateSocket(networkNamespace, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(address);
        listener.Listen(16);
        var echo = CreateSocket(networkNamespace, SocketType.Dgram, ProtocolType.Udp);
        echo.Bind(address);
        lock (_gate)
        {
            _servers.Add(ServeTcpAsync(listener, _stopping.Token));
            _servers.Add(EchoUdpAsync(echo, _stopping.Token));
        }
    }

    private async Task ServeTcpAsync(Socket listener, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(cancellationToken);
                lock (_gate)
                {
                    _sockets.Add(connection);
                }

                _ = DrainAsync(connection, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The lab is being disposed.
        }
    }

    // The backend only holds the connection: it reads until the client closes and then closes too.
    private static async Task DrainAsync(Socket connection, CancellationToken cancellationToken)
    {
        try
        {
            var buffer = new byte[2048];
            while (await connection.ReceiveAsync(buffer, cancellationToken) > 0)
            {
            }

            connection.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The client vanished or the lab is being disposed.
        }
    }

    private static async Task EchoUdpAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        try
        {
            while (true)
            {
                var received = await socket.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), cancellationToken);
                await socket.SendToAsync(buffer.AsMemory(0, received.ReceivedBytes), received.RemoteEndPoint, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The lab is being disposed.
        }
    }

    private static Task BatchAsync(string networkNamespace, IEnumerable<string> commands, CancellationToken cancellationToken) =>
        LabCommand.RunCheckedAsync("ip", ["-n", networkNamespace, "-batch", "-"], string.Join('\n', commands) + "\n", cancellationToken);

    private async Task DeleteNamespacesAsync()
    {
        foreach (var name in _namespaces)
        {
            if (File.Exists($"/run/netns/{name}"))
            {
                await LabCommand.RunAsync("ip", ["netns", "delete", name]);
            }
        }
    }
}
