using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Dashboard.Simulation.Netfilter.Matches;
using Dashboard.Simulation.Packets;

namespace Dashboard.Simulation.Netfilter;

/// <summary>
/// Reads `iptables-restore` input, in kube-proxy's form or in the form iptables-save prints, into a <see cref="Ruleset"/>.
/// Like iptables-restore each table is applied at its COMMIT, jumps are resolved there, and anything the simulator
/// does not model (a match, an option, a target) is refused with its line and token, never skipped.
/// </summary>
public static class IptablesRestoreParser
{
    /// <summary>Parses into a new ruleset, as iptables-restore into an empty node (each *table replaces that table).</summary>
    public static Ruleset Parse(string input)
    {
        var ruleset = new Ruleset();
        new Session(ruleset, noflush: false).Run(input);
        return ruleset;
    }

    public static Ruleset Parse(TextReader input)
    {
        var ruleset = new Ruleset();
        new Session(ruleset, noflush: false).Run(input);
        return ruleset;
    }

    /// <summary>
    /// Applies input to an existing ruleset as `iptables-restore --noflush` does (kube-proxy's syncs): a declared user
    /// chain is flushed, a declared built-in chain only gets its policy, undeclared chains keep their rules and counters.
    /// Tables committed before an error stay applied; the failing table is left untouched.
    /// </summary>
    public static void ParseInto(string input, Ruleset ruleset) => new Session(ruleset, noflush: true).Run(input);

    public static void ParseInto(TextReader input, Ruleset ruleset) => new Session(ruleset, noflush: true).Run(input);

    private sealed class Session(Ruleset ruleset, bool noflush)
    {
        private readonly RuleTokens _tokens = new();
        private TableEdit? _table;
        private int _line;

        // The per-line methods marked AggressiveOptimization skip tier-0 code: a restore is one burst, and running its
        // first few hundred milliseconds unoptimised cost about a third of a cold 600,000-line parse.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(string input)
        {
            var text = input.AsSpan();
            while (true)
            {
                _line++;
                var end = text.IndexOf('\n');
                ParseLine(end < 0 ? text : text[..end]);
                if (end < 0)
                {
                    break;
                }
                text = text[(end + 1)..];
            }
            Finish();
        }

        public void Run(TextReader input)
        {
            while (input.ReadLine() is { } line)
            {
                _line++;
                ParseLine(line);
            }
            _line++;
            Finish();
        }

        private void Finish()
        {
            if (_table is not null)
            {
                throw new IptablesParseException(_line, "", $"COMMIT expected for table {_table.Name}");
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ParseLine(ReadOnlySpan<char> line)
        {
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }
            if (line.IsEmpty || line[0] == '#' || line.IsWhiteSpace())
            {
                return;
            }
            switch (line[0])
            {
                case '*':
                    StartTable(line[1..].Trim());
                    return;
                case ':':
                    _tokens.Tokenize(line[1..], _line);
                    RequireTable(":").DeclareChain(_tokens);
                    return;
            }
            if (line.Trim() is "COMMIT")
            {
                RequireTable("COMMIT").Commit();
                _table = null;
                return;
            }
            _tokens.Tokenize(line, _line);
            (_table ?? RequireTable(_tokens.TokenString(0))).Command(_tokens);
        }

        private void StartTable(ReadOnlySpan<char> name)
        {
            if (_table is not null)
            {
                throw new IptablesParseException(_line, "*" + name.ToString(), $"table {name} starts before COMMIT of table {_table.Name}");
            }
            var table = name.ToString();
            var builtins = IptablesSaveWriter.BuiltinChains(table) ??
                throw new IptablesParseException(_line, "*" + table, $"unknown table \"{table}\" (raw, mangle, filter, nat or security)");
            _table = new TableEdit(ruleset, table, builtins, noflush);
            _tokens.Table = _table;
        }

        private TableEdit RequireTable(string token) =>
            _table ?? throw new IptablesParseException(_line, token, "no table given: the input must start with a *table line");
    }

    /// <summary>
    /// One chain's state inside a table transaction. A chain new in this transaction is filled in place, since nothing
    /// sees it before COMMIT; an existing chain is edited on a copy, so that a failing table leaves it as it was.
    /// </summary>
    private sealed class ChainEdit(string name, bool builtin, Chain? existing)
    {
        private List<Rule>? _copy;
        private JumpTarget? _jump;
        private JumpTarget? _goto;

        public string Name { get; } = name;
        public bool Builtin { get; } = builtin;
        public Chain? Existing { get; } = existing;
        public Chain Chain { get; } = existing ?? new Chain(name, builtin ? Verdict.Accept : null);
        public Verdict? Policy { get; set; } = existing?.Policy ?? (builtin ? Verdict.Accept : null);
        public bool Deleted { get; set; }

        public bool Changed => _copy is not null;

        /// <summary>One target object for every "-j NAME" (and one for "-g NAME") in this block: they all resolve alike.</summary>
        public JumpTarget Target(bool isGoto) =>
            isGoto ? _goto ??= new JumpTarget(Name, true) : _jump ??= new JumpTarget(Name, false);

        public IReadOnlyList<Rule> Rules => Existing is null ? Chain.Rules : (IReadOnlyList<Rule>?)_copy ?? Existing.Rules;

        public void Append(Rule rule)
        {
            if (Existing is null)
            {
                Chain.Append(rule);
            }
            else
            {
                Copy().Add(rule);
            }
        }

        public void Insert(int position, Rule rule)
        {
            if (Existing is null)
            {
                Chain.Insert(position, rule);
            }
            else
            {
                Copy().Insert(position - 1, rule);
            }
        }

        public void Flush()
        {
            if (Existing is null)
            {
                Chain.Clear();
            }
            else
            {
                _copy = [];
            }
        }

        private List<Rule> Copy() => _copy ??= [.. Existing!.Rules];
    }

    /// <summary>The changes one *table ... COMMIT block makes, checked as they come and applied at COMMIT.</summary>
    private sealed class TableEdit : IJumpTargets
    {
        private static readonly string[] ReservedNames = ["ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "DNAT", "SNAT", "MASQUERADE", "MARK"];

        /// <summary>XT_EXTENSION_MAXNAMELEN is 29 bytes with the terminator.</summary>
        private const int MaxChainName = 28;

        private readonly Ruleset _ruleset;
        private readonly string[] _builtins;
        private readonly bool _noflush;
        private readonly Dictionary<string, ChainEdit> _chains = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ChainEdit>.AlternateLookup<ReadOnlySpan<char>> _chainsBySpan;
        private readonly List<ChainEdit> _order = [];
        private readonly List<Rule> _jumps = [];
        private Dictionary<string, int>? _references;
        private bool _materialized;

        public TableEdit(Ruleset ruleset, string name, string[] builtins, bool noflush)
        {
            _ruleset = ruleset;
            Name = name;
            _builtins = builtins;
            _noflush = noflush;
            _chainsBySpan = _chains.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public string Name { get; }

        /// <summary>A jump to a chain not declared (yet) gets its own target; COMMIT reports it if it never appears.</summary>
        public JumpTarget Jump(ReadOnlySpan<char> chain, bool isGoto) =>
            _chainsBySpan.TryGetValue(chain, out var edit) ? edit.Target(isGoto) : new JumpTarget(chain.ToString(), isGoto);

        /// <summary>
        /// The table comes into being with its first chain or rule (an empty "*mangle / COMMIT" creates nothing); without
        /// --noflush the old table's chains go. Built-in chains are not created with it: iptables-nft makes a base chain
        /// only when it is declared or given a rule (checked with nft list ruleset; iptables-save prints the missing ones
        /// as ACCEPT anyway), and a packet meets only the base chains that exist.
        /// </summary>
        private void Materialize()
        {
            if (_materialized)
            {
                return;
            }
            _materialized = true;
            if (_noflush && _ruleset.Find(Name) is { } existing)
            {
                foreach (var chain in existing.Chains)
                {
                    Add(new ChainEdit(chain.Name, Array.IndexOf(_builtins, chain.Name) >= 0, chain));
                }
            }
        }

        private void Add(ChainEdit edit)
        {
            _chains[edit.Name] = edit;
            _order.Add(edit);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void DeclareChain(RuleTokens tokens)
        {
            Materialize();
            if (tokens.Count is < 2 or > 3)
            {
                throw tokens.Error(tokens.Count == 0 ? ":" : tokens.TokenString(0), "a chain line is \":NAME POLICY [packets:bytes]\"");
            }
            var policyText = tokens[1];
            Verdict? policy = policyText switch
            {
                "ACCEPT" => Verdict.Accept,
                "DROP" => Verdict.Drop,
                "-" => null,
                _ => throw tokens.Error(policyText.ToString(), $"bad policy name \"{policyText}\" (ACCEPT, DROP or -)"),
            };
            if (tokens.Count == 3 && !IsCounters(tokens[2]))
            {
                throw tokens.Error(tokens.TokenString(2), "bad counters (expected [packets:bytes])");
            }
            var name = tokens[0];
            if (_chainsBySpan.TryGetValue(name, out var edit) && !edit.Deleted)
            {
                if (edit.Builtin)
                {
                    // A built-in chain keeps its rules even without --noflush here: the table was emptied already.
                    edit.Policy = policy ?? edit.Policy;
                    return;
                }
                Flush(edit);
                return;
            }
            if (Array.IndexOf(_builtins, name.ToString()) >= 0)
            {
                // With nf_tables a base chain exists only once declared (or given a rule): only then do packets see it.
                var created = new ChainEdit(name.ToString(), builtin: true, existing: null);
                created.Policy = policy ?? Verdict.Accept;
                Add(created);
                return;
            }
            // iptables-restore accepts a policy on a user chain and ignores it; so does this.
            CreateChain(tokens, 0);
        }

        private static bool IsCounters(ReadOnlySpan<char> text)
        {
            if (text.Length < 5 || text[0] != '[' || text[^1] != ']')
            {
                return false;
            }
            var inner = text[1..^1];
            var colon = inner.IndexOf(':');
            return colon > 0 &&
                ulong.TryParse(inner[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out _) &&
                ulong.TryParse(inner[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _);
        }

        private void CreateChain(RuleTokens tokens, int index)
        {
            var name = tokens[index];
            if (name.IsEmpty || name.Length > MaxChainName || name[0] is '-' or '!')
            {
                throw tokens.Error(name.ToString(), $"invalid chain name \"{name}\" (1-{MaxChainName} characters, not starting with - or !)");
            }
            foreach (var reserved in ReservedNames)
            {
                if (name.SequenceEqual(reserved))
                {
                    throw tokens.Error(name.ToString(), $"chain name \"{name}\" clashes with a target name");
                }
            }
            if (_chainsBySpan.TryGetValue(name, out var deleted))
            {
                // Deleted earlier in this transaction and declared again: it comes back empty.
                deleted.Deleted = false;
                Flush(deleted);
                return;
            }
            Add(new ChainEdit(name.ToString(), builtin: false, existing: null));
        }

        public void Command(RuleTokens tokens)
        {
            Materialize();
            var command = tokens[0];
            switch (command)
            {
                case "-A" or "--append":
                    AddRule(tokens, insertAt: null);
                    return;
                case "-I" or "--insert":
                    AddRule(tokens, insertAt: 1);
                    return;
                case "-N" or "--new-chain":
                    RequireCount(tokens, 2);
                    if (_chainsBySpan.TryGetValue(tokens[1], out var existing) && !existing.Deleted)
                    {
                        throw tokens.Error(tokens.TokenString(1), $"chain \"{tokens[1]}\" already exists");
                    }
                    CreateChain(tokens, 1);
                    return;
                case "-X" or "--delete-chain":
                    RequireCount(tokens, 2);
                    DeleteChain(tokens);
                    return;
                default:
                    throw tokens.Error(tokens.TokenString(0), $"unsupported command \"{command}\" (expected -A, -I, -N, -X, a :CHAIN line or COMMIT)");
            }
        }

        private static void RequireCount(RuleTokens tokens, int count)
        {
            if (tokens.Count != count)
            {
                throw tokens.Error(tokens.TokenString(0), $"{tokens[0]} takes exactly one chain name");
            }
        }

        private ChainEdit FindChain(RuleTokens tokens, int index)
        {
            if (index >= tokens.Count)
            {
                throw tokens.Error(tokens.TokenString(0), $"option \"{tokens[0]}\" requires a chain name");
            }
            if ((!_chainsBySpan.TryGetValue(tokens[index], out var edit) || edit.Deleted) &&
                Array.IndexOf(_builtins, tokens[index].ToString()) >= 0)
            {
                // iptables-nft creates a base chain on demand when a rule is added to it.
                edit = new ChainEdit(tokens[index].ToString(), builtin: true, existing: null);
                Add(edit);
            }
            if (edit is null || edit.Deleted)
            {
                throw tokens.Error(tokens.TokenString(index), $"no chain \"{tokens[index]}\" in table {Name}");
            }
            return edit;
        }

        private void DeleteChain(RuleTokens tokens)
        {
            var edit = FindChain(tokens, 1);
            if (edit.Builtin)
            {
                throw tokens.Error(tokens.TokenString(1), $"cannot delete built-in chain {edit.Name}");
            }
            if (edit.Rules.Count > 0 || References().GetValueOrDefault(edit.Name) > 0)
            {
                // nf_tables refuses with EBUSY: a chain must be empty and unreferenced to go.
                throw tokens.Error(tokens.TokenString(1), $"cannot delete chain {edit.Name}: it still has rules or is jumped to");
            }
            edit.Deleted = true;
        }

        /// <summary>How many rules jump to each chain; built on the first -X and kept up to date after that.</summary>
        private Dictionary<string, int> References()
        {
            if (_references is null)
            {
                _references = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var edit in _order)
                {
                    if (!edit.Deleted)
                    {
                        CountReferences(edit.Rules, +1);
                    }
                }
            }
            return _references;
        }

        private void CountReferences(IReadOnlyList<Rule> rules, int delta)
        {
            if (_references is null)
            {
                return;
            }
            foreach (var rule in rules)
            {
                if (rule.Target is JumpTarget jump)
                {
                    _references[jump.ChainName] = _references.GetValueOrDefault(jump.ChainName) + delta;
                }
            }
        }

        private void Flush(ChainEdit edit)
        {
            CountReferences(edit.Rules, -1);
            edit.Flush();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AddRule(RuleTokens tokens, int? insertAt)
        {
            var edit = FindChain(tokens, 1);
            var start = 2;
            if (insertAt is not null && start < tokens.Count && char.IsAsciiDigit(tokens[start][0]))
            {
                if (!int.TryParse(tokens[start], NumberStyles.None, CultureInfo.InvariantCulture, out var position) || position < 1)
                {
                    throw tokens.Error(tokens.TokenString(start), $"invalid rule number \"{tokens[start]}\"");
                }
                insertAt = position;
                start++;
            }
            var rule = RuleReader.Read(tokens, start, Name);
            if (edit.Builtin)
            {
                CheckInterfaces(tokens, edit.Name, rule);
            }
            if (insertAt is { } at)
            {
                if (at > edit.Rules.Count + 1)
                {
                    throw tokens.Error(tokens.TokenString(2), $"index of insertion too big: {edit.Name} has {edit.Rules.Count} rules");
                }
                edit.Insert(at, rule);
            }
            else
            {
                edit.Append(rule);
            }
            if (rule.Target is JumpTarget jump)
            {
                _jumps.Add(rule);
                if (_references is not null)
                {
                    _references[jump.ChainName] = _references.GetValueOrDefault(jump.ChainName) + 1;
                }
            }
        }

        /// <summary>A packet has no output interface yet at PREROUTING / INPUT, and no input interface at OUTPUT / POSTROUTING.</summary>
        private static void CheckInterfaces(RuleTokens tokens, string chain, Rule rule)
        {
            if (rule.OutInterface is not null && chain is "PREROUTING" or "INPUT")
            {
                throw tokens.Error("-o", $"can't use -o with {chain}");
            }
            if (rule.InInterface is not null && chain is "POSTROUTING" or "OUTPUT")
            {
                throw tokens.Error("-i", $"can't use -i with {chain}");
            }
        }

        /// <summary>Resolves the new jumps against the table as it now stands, then applies every change to the ruleset.</summary>
        public void Commit()
        {
            foreach (var rule in _jumps)
            {
                var jump = (JumpTarget)rule.Target!;
                if (Array.IndexOf(_builtins, jump.ChainName) >= 0)
                {
                    throw new IptablesParseException(rule.SourceLine, jump.ChainName, $"cannot jump to built-in chain {jump.ChainName}");
                }
                if (!_chains.TryGetValue(jump.ChainName, out var target) || target.Deleted)
                {
                    throw new IptablesParseException(rule.SourceLine, jump.ChainName,
                        $"{(jump.IsGoto ? "-g" : "-j")} {jump.ChainName}: no such chain in table {Name}, and not a supported target " +
                        "(ACCEPT, DROP, RETURN, REJECT, DNAT, SNAT, MASQUERADE, MARK)");
                }
                jump.Chain = target.Chain;
            }
            if (!_materialized)
            {
                // Without --noflush an empty block still empties an existing table.
                if (!_noflush && _ruleset.Find(Name) is { } emptied)
                {
                    RemoveAll(emptied);
                }
                return;
            }
            var table = _ruleset.GetOrAdd(Name);
            if (!_noflush)
            {
                RemoveAll(table);
            }
            foreach (var edit in _order)
            {
                if (edit.Deleted)
                {
                    if (edit.Existing is not null)
                    {
                        table.Remove(edit.Existing);
                    }
                    continue;
                }
                var chain = edit.Chain;
                chain.Policy = edit.Policy;
                if (edit.Existing is null)
                {
                    table.Add(chain);
                }
                else if (edit.Changed)
                {
                    var rules = edit.Rules;
                    chain.Clear();
                    foreach (var rule in rules)
                    {
                        chain.Append(rule);
                    }
                }
            }
        }

        private static void RemoveAll(Table table)
        {
            foreach (var chain in table.Chains.ToArray())
            {
                table.Remove(chain);
            }
        }
    }
}

/// <summary>
/// The words of one input line, split as iptables-restore splits them: on spaces and tabs; a double quote opens a
/// quoted word in which a backslash escapes the next character, and the closing quote ends the word (so "" is an empty
/// word). Words are spans over one reused buffer, so a rule line costs no string allocations until a value is kept.
/// </summary>
internal sealed class RuleTokens
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _stringsBySpan;
    private readonly Dictionary<(string Kind, ulong A, ulong B), object?> _shared = [];
    private readonly Dictionary<string, CommentMatch> _comments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommentMatch>.AlternateLookup<ReadOnlySpan<char>> _commentsBySpan;
    private char[] _buffer = new char[512];
    private int[] _starts = new int[64];
    private int[] _lengths = new int[64];

    public RuleTokens()
    {
        _stringsBySpan = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        _commentsBySpan = _comments.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count { get; private set; }

    /// <summary>The word being read; options advance it with <see cref="TakeValue"/>.</summary>
    public int Index { get; set; }

    public int LineNumber { get; private set; }

    public ReadOnlySpan<char> this[int index] => _buffer.AsSpan(_starts[index], _lengths[index]);

    public string TokenString(int index) => index < Count ? this[index].ToString() : "";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Tokenize(ReadOnlySpan<char> line, int lineNumber)
    {
        LineNumber = lineNumber;
        Count = 0;
        Index = 0;
        if (_buffer.Length < line.Length)
        {
            _buffer = new char[Math.Max(line.Length, _buffer.Length * 2)];
        }
        var write = 0;
        var start = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.Length)
                {
                    _buffer[write++] = line[++i];
                }
                else if (c == '"')
                {
                    quoted = false;
                    Emit(start, write);
                    start = write;
                }
                else
                {
                    _buffer[write++] = c;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c is ' ' or '\t')
            {
                if (write > start)
                {
                    Emit(start, write);
                    start = write;
                }
            }
            else
            {
                _buffer[write++] = c;
            }
        }
        if (quoted)
        {
            // iptables-restore would swallow the rest of the line (and the newline) into the word; refuse instead.
            throw new IptablesParseException(lineNumber, line.ToString(), "unterminated double quote");
        }
        if (write > start)
        {
            Emit(start, write);
        }
    }

    private void Emit(int start, int end)
    {
        if (Count == _starts.Length)
        {
            Array.Resize(ref _starts, Count * 2);
            Array.Resize(ref _lengths, Count * 2);
        }
        _starts[Count] = start;
        _lengths[Count] = end - start;
        Count++;
    }

    /// <summary>Advances to the option's argument and returns it; an option at the end of the line is an error.</summary>
    public ReadOnlySpan<char> TakeValue(ReadOnlySpan<char> option)
    {
        if (Index + 1 >= Count)
        {
            throw Error(option.ToString(), $"option \"{option}\" requires an argument");
        }
        Index++;
        return this[Index];
    }

    /// <summary>One string instance per distinct value (recent lists, set and interface names repeat across many rules).</summary>
    public string Intern(ReadOnlySpan<char> value)
    {
        if (!_stringsBySpan.TryGetValue(value, out var text))
        {
            text = value.ToString();
            _strings.Add(text, text);
        }
        return text;
    }

    /// <summary>
    /// The slot for an immutable match or target equal to the one described by the key, so that equal ones are one
    /// object: a big ruleset repeats the same "-m tcp --dport 80" and comments thousands of times, and fewer surviving
    /// objects is what makes a 600,000-line restore fast (the garbage collector's copying dominated it).
    /// </summary>
    public ref object? Shared(string kind, ulong a, ulong b) =>
        ref CollectionsMarshal.GetValueRefOrAddDefault(_shared, (kind, a, b), out _);

    /// <summary>The one CommentMatch for a comment text (one hash of the text, no string allocated when seen before).</summary>
    public CommentMatch Comment(ReadOnlySpan<char> text)
    {
        if (!_commentsBySpan.TryGetValue(text, out var match))
        {
            var key = text.ToString();
            match = new CommentMatch(key);
            _comments.Add(key, match);
        }
        return match;
    }

    /// <summary>The table block being read, which hands out one jump target per chain.</summary>
    public IJumpTargets? Table { get; set; }

    /// <summary>The match builders of the rule being read; one list reused for every rule.</summary>
    public List<MatchBuilder> Builders { get; } = new(8);

    public IptablesParseException Error(string token, string reason) => new(LineNumber, token, reason);
}

/// <summary>Hands out the jump target for "-j CHAIN" / "-g CHAIN" in the table being read.</summary>
internal interface IJumpTargets
{
    JumpTarget Jump(ReadOnlySpan<char> chain, bool isGoto);
}

/// <summary>Reads the options of one -A / -I line into a <see cref="Rule"/>.</summary>
internal static class RuleReader
{
    private static readonly VerdictTarget Accept = new(Verdict.Accept);
    private static readonly VerdictTarget Drop = new(Verdict.Drop);
    private static readonly VerdictTarget Return = new(Verdict.Return);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Rule Read(RuleTokens tokens, int start, string table)
    {
        Ipv4Prefix? source = null;
        Ipv4Prefix? destination = null;
        IpProtocol? protocol = null;
        string? inInterface = null;
        string? outInterface = null;
        bool sourceInverted = false, destinationInverted = false, protocolInverted = false, inInverted = false, outInverted = false;
        bool sourceSeen = false, destinationSeen = false, protocolSeen = false;
        var builders = tokens.Builders;
        builders.Clear();
        var implicitLoaded = false;
        TargetBuilder? target = null;
        var inverted = false;

        for (tokens.Index = start; tokens.Index < tokens.Count; tokens.Index++)
        {
            var token = tokens[tokens.Index];
            if (token is "!")
            {
                if (inverted)
                {
                    throw tokens.Error("!", "multiple consecutive ! not allowed");
                }
                inverted = true;
                continue;
            }
            switch (token)
            {
                case "-s" or "--source" or "--src":
                    Once(ref sourceSeen, "-s", tokens);
                    source = ReadAddress(tokens, token, inverted);
                    sourceInverted = inverted;
                    break;
                case "-d" or "--destination" or "--dst":
                    Once(ref destinationSeen, "-d", tokens);
                    destination = ReadAddress(tokens, token, inverted);
                    destinationInverted = inverted;
                    break;
                case "-p" or "--protocol":
                    Once(ref protocolSeen, "-p", tokens);
                    protocol = ReadProtocol(tokens, token, inverted);
                    protocolInverted = inverted && protocol is not null;
                    break;
                case "-i" or "--in-interface":
                    Once(inInterface is not null, "-i", tokens);
                    inInterface = ReadInterface(tokens, token);
                    inInverted = inverted;
                    break;
                case "-o" or "--out-interface":
                    Once(outInterface is not null, "-o", tokens);
                    outInterface = ReadInterface(tokens, token);
                    outInverted = inverted;
                    break;
                case "-m" or "--match":
                    if (inverted)
                    {
                        throw tokens.Error("!", "unexpected ! flag before --match");
                    }
                    var module = tokens.TakeValue(token);
                    var builder = MatchBuilder.Create(module) ??
                        throw tokens.Error("-m " + module.ToString(), $"unsupported match \"-m {module}\"");
                    if (builder is TransportPortMatch.PortBuilder && HasPortBuilder(builders))
                    {
                        // iptables-nft folds every tcp/udp port test of a rule into one match and saves only the last
                        // of each, so a second one could not round-trip.
                        throw tokens.Error("-m " + module.ToString(), $"a second -m {module} in one rule is not supported");
                    }
                    builders.Add(builder);
                    break;
                case "-j" or "--jump" or "-g" or "--goto":
                    if (inverted)
                    {
                        throw tokens.Error("!", $"cannot invert {token}");
                    }
                    if (target is not null)
                    {
                        throw tokens.Error(token.ToString(), "multiple -j or -g flags not allowed");
                    }
                    var isGoto = token is "-g" or "--goto";
                    var name = tokens.TakeValue(token);
                    target = !isGoto && TargetBuilder.Extension(name) is { } extension
                        ? new TargetBuilder(extension, null)
                        : new TargetBuilder(null, tokens.Table!.Jump(name, isGoto));
                    break;
                default:
                    if (token.Length < 2 || token[0] != '-')
                    {
                        throw tokens.Error(token.ToString(), $"bad argument \"{token}\"");
                    }
                    Dispatch(tokens, token, inverted, target, builders, protocol, ref implicitLoaded);
                    break;
            }
            inverted = false;
        }
        if (inverted)
        {
            throw tokens.Error("!", "! at the end of the rule, with nothing to negate");
        }

        Match[] matches = [];
        if (builders.Count > 0)
        {
            matches = new Match[builders.Count];
            var count = 0;
            foreach (var builder in builders)
            {
                if (builder.Build(tokens, protocol, protocolInverted) is { } match)
                {
                    matches[count++] = match;
                }
            }
            if (count < matches.Length)
            {
                Array.Resize(ref matches, count);
            }
        }
        return new Rule
        {
            Source = source,
            SourceInverted = sourceInverted,
            Destination = destination,
            DestinationInverted = destinationInverted,
            Protocol = protocol,
            ProtocolInverted = protocolInverted,
            InInterface = inInterface,
            InInterfaceInverted = inInverted,
            OutInterface = outInterface,
            OutInterfaceInverted = outInverted,
            Matches = matches,
            Target = target?.Build(tokens, protocol, protocolInverted, table),
            SourceLine = tokens.LineNumber,
        };
    }

    /// <summary>
    /// Offers an option to the target, then to the matches from the most recently loaded back, as iptables dispatches
    /// by option name. An option nobody owns after "-p tcp" / "-p udp" loads that protocol's match where it stands,
    /// which is how "-p tcp --dport 80" gets its implicit "-m tcp".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dispatch(RuleTokens tokens, ReadOnlySpan<char> option, bool inverted, TargetBuilder? target,
        List<MatchBuilder> builders, IpProtocol? protocol, ref bool implicitLoaded)
    {
        if (target is not null && target.TryParse(option, inverted, tokens))
        {
            return;
        }
        for (var i = builders.Count - 1; i >= 0; i--)
        {
            if (builders[i].TryParse(option, inverted, tokens))
            {
                return;
            }
        }
        if (protocol is { } loaded && !implicitLoaded && !HasPortBuilder(builders))
        {
            implicitLoaded = true;
            var builder = loaded switch
            {
                IpProtocol.Tcp => MatchBuilder.Create("tcp"),
                IpProtocol.Udp => MatchBuilder.Create("udp"),
                IpProtocol.Sctp => MatchBuilder.Create("sctp"),
                _ => throw tokens.Error(option.ToString(),
                    $"unsupported match \"-m {loaded.ToName()}\" (loaded by -p {loaded.ToName()} for option \"{option}\")"),
            };
            builders.Add(builder!);
            if (builder!.TryParse(option, inverted, tokens))
            {
                return;
            }
        }
        throw tokens.Error(option.ToString(), $"unsupported option \"{option}\"");
    }

    private static bool HasPortBuilder(List<MatchBuilder> builders)
    {
        foreach (var builder in builders)
        {
            if (builder is TransportPortMatch.PortBuilder)
            {
                return true;
            }
        }
        return false;
    }

    private static void Once(ref bool seen, string flag, RuleTokens tokens)
    {
        Once(seen, flag, tokens);
        seen = true;
    }

    private static void Once(bool seen, string flag, RuleTokens tokens)
    {
        if (seen)
        {
            throw tokens.Error(flag, $"multiple {flag} flags not allowed");
        }
    }

    /// <summary>"a.b.c.d" or "a.b.c.d/n"; a /0 means any address and is dropped, as iptables-save shows.</summary>
    private static Ipv4Prefix? ReadAddress(RuleTokens tokens, ReadOnlySpan<char> option, bool inverted)
    {
        var text = tokens.TakeValue(option);
        if (text.Contains(','))
        {
            throw tokens.Error(text.ToString(), $"address lists are not supported (iptables would make one rule per address): \"{text}\"");
        }
        var slash = text.IndexOf('/');
        var length = 32;
        if (!Ipv4Address.TryParse(slash < 0 ? text : text[..slash], out var address) ||
            (slash >= 0 && (text.Length - slash - 1 is < 1 or > 2 ||
                !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > 32)))
        {
            throw tokens.Error(text.ToString(), $"invalid address \"{text}\" (a.b.c.d or a.b.c.d/n; names and dotted masks are not supported)");
        }
        if (length == 0)
        {
            return inverted
                ? throw tokens.Error(text.ToString(), $"\"! {option} {text}\" can never match (the kernel refuses it)")
                : null;
        }
        return new Ipv4Prefix(address, length);
    }

    private static IpProtocol? ReadProtocol(RuleTokens tokens, ReadOnlySpan<char> option, bool inverted)
    {
        var text = tokens.TakeValue(option);
        IpProtocol? protocol = null;
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase) || text is "0")
        {
            return inverted ? throw tokens.Error(text.ToString(), "\"! -p all\" can never match") : null;
        }
        if (text.Equals("tcp", StringComparison.OrdinalIgnoreCase) || text is "6")
        {
            protocol = IpProtocol.Tcp;
        }
        else if (text.Equals("udp", StringComparison.OrdinalIgnoreCase) || text is "17")
        {
            protocol = IpProtocol.Udp;
        }
        else if (text.Equals("sctp", StringComparison.OrdinalIgnoreCase) || text is "132")
        {
            protocol = IpProtocol.Sctp;
        }
        else if (text.Equals("icmp", StringComparison.OrdinalIgnoreCase) || text is "1")
        {
            protocol = IpProtocol.Icmp;
        }
        return protocol ?? throw tokens.Error(text.ToString(), $"unsupported protocol \"{text}\" (tcp, udp, sctp, icmp or all)");
    }

    /// <summary>IFNAMSIZ is 16 bytes with the terminator; a trailing + matches every name with that prefix.</summary>
    private static string ReadInterface(RuleTokens tokens, ReadOnlySpan<char> option)
    {
        var text = tokens.TakeValue(option);
        if (text.IsEmpty || text.Length > 15)
        {
            throw tokens.Error(text.ToString(), $"invalid interface name \"{text}\" (1-15 characters)");
        }
        return tokens.Intern(text);
    }

    /// <summary>Collects -j / -g and the target's options; anything not a built-in verdict or a known target is a chain.</summary>
    private sealed class TargetBuilder(string? extension, JumpTarget? jump)
    {
        private static readonly string[] RejectTypes =
        [
            "icmp-net-unreachable", "icmp-host-unreachable", "icmp-proto-unreachable", "icmp-port-unreachable",
            "icmp-net-prohibited", "icmp-host-prohibited", "icmp-admin-prohibited", "tcp-reset",
        ];

        private string? _rejectWith;
        private Ipv4Address? _address;
        private ushort? _port;
        private bool _random;
        private bool _randomFully;
        private uint? _markValue;
        private uint _markMask;

        private string Kind => extension ?? "chain";

        private string Name => extension ?? jump!.ChainName;

        /// <summary>The built-in verdicts and the target extensions modelled; any other name is a chain.</summary>
        public static string? Extension(ReadOnlySpan<char> name) => name switch
        {
            "ACCEPT" => "ACCEPT",
            "DROP" => "DROP",
            "RETURN" => "RETURN",
            "REJECT" => "REJECT",
            "DNAT" => "DNAT",
            "SNAT" => "SNAT",
            "MASQUERADE" => "MASQUERADE",
            "MARK" => "MARK",
            _ => null,
        };

        public bool TryParse(ReadOnlySpan<char> option, bool inverted, RuleTokens tokens)
        {
            var handled = Kind switch
            {
                "REJECT" => option is "--reject-with" && ParseReject(tokens, option),
                "DNAT" => option is "--to-destination" && ParseNatAddress(tokens, option),
                "SNAT" => option switch
                {
                    "--to-source" => ParseNatAddress(tokens, option),
                    "--random-fully" => Flag(ref _randomFully, tokens, option),
                    _ => false,
                },
                "MASQUERADE" => option switch
                {
                    "--random-fully" => Flag(ref _randomFully, tokens, option),
                    "--random" => Flag(ref _random, tokens, option),
                    _ => false,
                },
                "MARK" => ParseMark(tokens, option),
                _ => false,
            };
            if (handled && inverted)
            {
                throw tokens.Error(option.ToString(), $"{Name}: option \"{option}\" cannot be inverted");
            }
            return handled;
        }

        private bool Flag(ref bool flag, RuleTokens tokens, ReadOnlySpan<char> option)
        {
            if (flag)
            {
                throw tokens.Error(option.ToString(), $"{Name}: option \"{option}\" can only be used once");
            }
            flag = true;
            return true;
        }

        private bool ParseReject(RuleTokens tokens, ReadOnlySpan<char> option)
        {
            if (_rejectWith is not null)
            {
                throw tokens.Error(option.ToString(), "REJECT: option \"--reject-with\" can only be used once");
            }
            var text = tokens.TakeValue(option);
            // libxt_REJECT's names with their short aliases; iptables-save prints the long one.
            _rejectWith = text switch
            {
                "icmp-net-unreachable" or "net-unreach" => "icmp-net-unreachable",
                "icmp-host-unreachable" or "host-unreach" => "icmp-host-unreachable",
                "icmp-proto-unreachable" or "proto-unreach" => "icmp-proto-unreachable",
                "icmp-port-unreachable" or "port-unreach" => "icmp-port-unreachable",
                "icmp-net-prohibited" or "net-prohib" => "icmp-net-prohibited",
                "icmp-host-prohibited" or "host-prohib" => "icmp-host-prohibited",
                "icmp-admin-prohibited" or "admin-prohib" => "icmp-admin-prohibited",
                "tcp-reset" or "tcp-rst" => "tcp-reset",
                _ => throw tokens.Error(text.ToString(), $"REJECT: unknown reject type \"{text}\""),
            };
            return true;
        }

        private bool ParseNatAddress(RuleTokens tokens, ReadOnlySpan<char> option)
        {
            if (_address is not null)
            {
                throw tokens.Error(option.ToString(), $"{Name}: option \"{option}\" can only be used once");
            }
            var text = tokens.TakeValue(option);
            var colon = text.IndexOf(':');
            if (!Ipv4Address.TryParse(colon < 0 ? text : text[..colon], out var address))
            {
                throw tokens.Error(text.ToString(), $"{Name}: invalid address \"{text}\" (one a.b.c.d[:port]; ranges are not supported)");
            }
            if (colon >= 0)
            {
                if (!OptionValues.TryParsePort(text[(colon + 1)..], out var port) || port == 0)
                {
                    throw tokens.Error(text.ToString(), $"{Name}: invalid port in \"{text}\" (one port 1-65535; ranges are not supported)");
                }
                _port = port;
            }
            _address = address;
            return true;
        }

        /// <summary>Every MARK form becomes the kernel's (value, mask) pair for mark = (mark AND NOT mask) XOR value.</summary>
        private bool ParseMark(RuleTokens tokens, ReadOnlySpan<char> option)
        {
            if (option is not ("--set-mark" or "--set-xmark" or "--or-mark" or "--and-mark" or "--xor-mark"))
            {
                return false;
            }
            if (_markValue is not null)
            {
                throw tokens.Error(option.ToString(), $"MARK: only one of --set-xmark, --set-mark, --or-mark, --and-mark, --xor-mark (\"{option}\")");
            }
            var text = tokens.TakeValue(option);
            var masked = option is "--set-mark" or "--set-xmark";
            if (!OptionValues.TryParseValueMask(text, out var value, out var mask, out var hasMask) || (hasMask && !masked))
            {
                throw tokens.Error(text.ToString(), $"MARK: bad value \"{text}\" for option \"{option}\"");
            }
            (_markValue, _markMask) = option switch
            {
                // libxt_MARK: --set-mark v/m clears m and v before setting v, so its mask is v | m.
                "--set-mark" => (value, value | mask),
                "--set-xmark" => (value, mask),
                "--or-mark" => (value, value),
                "--and-mark" => (0u, ~value),
                _ => (value, 0u),
            };
            return true;
        }

        public Target Build(RuleTokens tokens, IpProtocol? protocol, bool protocolInverted, string table)
        {
            switch (Kind)
            {
                case "ACCEPT":
                    return Accept;
                case "DROP":
                    return Drop;
                case "RETURN":
                    return Return;
                case "REJECT":
                    if (_rejectWith is "tcp-reset" && (protocol != IpProtocol.Tcp || protocolInverted))
                    {
                        throw tokens.Error("tcp-reset", "REJECT --reject-with tcp-reset needs \"-p tcp\"");
                    }
                    var rejectWith = _rejectWith ?? "icmp-port-unreachable";
                    return (Target)(tokens.Shared("REJECT", (ulong)Array.IndexOf(RejectTypes, rejectWith), 0) ??= new RejectTarget(rejectWith));
                case "DNAT" or "SNAT" or "MASQUERADE":
                    if (table != "nat")
                    {
                        throw tokens.Error(Name, $"{Name} is only valid in the nat table");
                    }
                    if (Name == "MASQUERADE")
                    {
                        ref var masquerade = ref tokens.Shared("MASQUERADE", (_randomFully ? 1UL : 0) | (_random ? 2UL : 0), 0);
                        return (Target)(masquerade ??= new MasqueradeTarget(_randomFully, _random));
                    }
                    if (_address is not { } address)
                    {
                        throw tokens.Error(Name, $"{Name}: option \"{(Name == "DNAT" ? "--to-destination" : "--to-source")}\" must be specified");
                    }
                    if (_port is not null && (protocol is not (IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp) || protocolInverted))
                    {
                        throw tokens.Error(Name, $"{Name}: a port needs \"-p tcp\", \"-p udp\" or \"-p sctp\"");
                    }
                    return new NatTarget(Name == "DNAT", address, _port, _randomFully);
                case "MARK":
                    if (_markValue is not { } markValue)
                    {
                        throw tokens.Error(Name, "MARK: one of --set-xmark, --set-mark, --or-mark, --and-mark, --xor-mark is required");
                    }
                    ref var mark = ref tokens.Shared("MARK", markValue, _markMask);
                    return (Target)(mark ??= new MarkTarget(markValue, _markMask));
                default:
                    return jump!;
            }
        }
    }
}
