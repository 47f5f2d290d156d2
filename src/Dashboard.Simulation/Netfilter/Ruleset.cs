namespace Dashboard.Simulation.Netfilter;

/// <summary>The iptables state of a node: its tables (raw, mangle, nat, filter), each only if it was declared.</summary>
public sealed class Ruleset
{
    private readonly List<Table> _tables = [];

    /// <summary>Tables in the order iptables-save prints them.</summary>
    public IReadOnlyList<Table> Tables => _tables;

    /// <summary>A plain loop: the dataplane asks for a table at every hook of every packet, so no closure per call.</summary>
    public Table? Find(string name)
    {
        foreach (var table in _tables)
        {
            if (table.Name == name)
            {
                return table;
            }
        }
        return null;
    }

    public Table GetOrAdd(string name)
    {
        var table = Find(name);
        if (table is null)
        {
            table = new Table(name);
            _tables.Add(table);
        }
        return table;
    }

    public int RuleCount => _tables.Sum(t => t.Chains.Sum(c => c.Rules.Count));
}

/// <summary>One iptables table: its built-in chains (hooks) and user chains.</summary>
public sealed class Table(string name)
{
    private readonly Dictionary<string, Chain> _byName = new(StringComparer.Ordinal);
    private readonly List<Chain> _chains = [];

    /// <summary>raw, mangle, nat or filter.</summary>
    public string Name { get; } = name;

    /// <summary>Chains in declaration order.</summary>
    public IReadOnlyList<Chain> Chains => _chains;

    public Chain? Find(string chainName) => _byName.GetValueOrDefault(chainName);

    public Chain Add(Chain chain)
    {
        _byName.Add(chain.Name, chain);
        _chains.Add(chain);
        chain.Table = this;
        return chain;
    }

    /// <summary>Deletes a chain (iptables -X); false when it is not in this table.</summary>
    public bool Remove(Chain chain)
    {
        if (!_byName.TryGetValue(chain.Name, out var found) || found != chain)
        {
            return false;
        }
        _byName.Remove(chain.Name);
        _chains.Remove(chain);
        return true;
    }
}

/// <summary>A chain: an ordered list of rules. Built-in chains have a policy; user chains return to their caller at the end.</summary>
public sealed class Chain(string name, Verdict? policy)
{
    private readonly List<Rule> _rules = [];

    public string Name { get; } = name;

    /// <summary>ACCEPT or DROP for a built-in chain; null for a user chain.</summary>
    public Verdict? Policy { get; set; } = policy;

    public bool IsBuiltin => Policy is not null;

    public Table Table { get; internal set; } = null!;

    public IReadOnlyList<Rule> Rules => _rules;

    /// <summary>The rules as a list, for the dataplane's hot loop (no interface dispatch per rule).</summary>
    internal List<Rule> RuleList => _rules;

    private RuleHeader[]? _headers;

    /// <summary>
    /// Each rule's destination test, packed side by side: a walk down a chain of 50,000 service rules reads this
    /// contiguous array instead of touching 50,000 scattered rule objects, as the kernel's ipt_entry blob is contiguous.
    /// </summary>
    internal ReadOnlySpan<RuleHeader> Headers => _headers ??= _rules.Select(r => r.Header).ToArray();

    /// <summary>Appends a rule, numbering it as iptables-save lists it (1-based).</summary>
    public Rule Append(Rule rule)
    {
        _rules.Add(rule);
        _headers = null;
        rule.Chain = this;
        rule.Position = _rules.Count;
        return rule;
    }

    /// <summary>Inserts a rule at a 1-based position (iptables -I), renumbering the ones after it.</summary>
    public Rule Insert(int position, Rule rule)
    {
        _rules.Insert(position - 1, rule);
        _headers = null;
        rule.Chain = this;
        for (var i = position - 1; i < _rules.Count; i++)
        {
            _rules[i].Position = i + 1;
        }
        return rule;
    }

    public void Clear()
    {
        _rules.Clear();
        _headers = null;
    }
}

/// <summary>A built-in chain's policy, or the verdict of ACCEPT / DROP / RETURN targets.</summary>
public enum Verdict
{
    Accept,
    Drop,
    Return,
}
