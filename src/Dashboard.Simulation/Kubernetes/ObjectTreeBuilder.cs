using System.Text.Json.Nodes;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Builds the JSON model of a YAML or JSON document from its parser's events, with a stack instead of recursion, and
/// holds the input to <see cref="InputLimits"/> as it grows: nesting depth, values per object and per request (a YAML
/// alias counts all it repeats). Each element of a top-level <c>items</c> sequence (a List's objects) is handed to
/// <see cref="ItemCompleted"/> as soon as it is complete and not kept, so a 50,000-service List never sits in memory
/// as one tree.
/// </summary>
internal sealed class ObjectTreeBuilder(InputBudget budget, bool trackLines)
{
    private readonly List<Frame> _stack = [];
    private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
    private JsonNode? _root;
    private LineNode? _rootLines;
    private bool _hasRoot;
    private int _objectNodes;

    /// <summary>An item of the document's top-level items sequence is complete: its index, value and lines.</summary>
    public Action<int, JsonNode?, LineNode?>? ItemCompleted { get; init; }

    /// <summary>True where the next scalar is a mapping's key.</summary>
    public bool ExpectsKey => _stack.Count > 0 && _stack[^1] is { Node: JsonObject, Key: null };

    /// <summary>Whether the document had a top-level items sequence whose elements went to <see cref="ItemCompleted"/>.</summary>
    public bool HadItems { get; private set; }

    public void StartDocument()
    {
        _stack.Clear();
        _anchors.Clear();
        _root = null;
        _rootLines = null;
        _hasRoot = false;
        _objectNodes = 0;
        HadItems = false;
    }

    public (JsonNode? Root, LineNode? Lines) EndDocument() => (_root, _rootLines);

    public void Key(string key, int line)
    {
        var frame = _stack[^1];
        if (((JsonObject)frame.Node).ContainsKey(key))
        {
            throw At(ProblemKind.Syntax, line, $"{Where(line)}: the key \"{Shorten(key)}\" appears twice in one mapping");
        }
        frame.Key = key;
        frame.KeyLine = line;
    }

    public void StartMapping(int line, string? anchor) => Push(new JsonObject(), line, anchor);

    public void StartSequence(int line, string? anchor) => Push(new JsonArray(), line, anchor);

    public void Scalar(JsonNode? value, int line, string? anchor)
    {
        RefuseAsKey(line);
        var lines = trackLines ? new LineNode(line) : null;
        Count(1, line);
        if (anchor is not null)
        {
            _anchors[anchor] = new Anchored(value, 1, lines);
        }
        Attach(value, lines, line);
    }

    /// <summary>A YAML alias: a copy of the node its anchor named, counted in full against the limits.</summary>
    public void Alias(string name, int line)
    {
        RefuseAsKey(line);
        if (!_anchors.TryGetValue(name, out var anchored))
        {
            throw At(ProblemKind.Syntax, line,
                $"{Where(line)}: the alias *{Shorten(name)} names no anchor before it (an alias cannot repeat a node that contains it)");
        }
        Count(anchored.Nodes, line);
        Attach(anchored.Node?.DeepClone(), anchored.Lines, line);
    }

    /// <summary>The end of the innermost mapping or sequence.</summary>
    public void End(int line)
    {
        var frame = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        if (frame.Anchor is not null)
        {
            _anchors[frame.Anchor] = new Anchored(frame.Node, (int)(budget.Nodes - frame.NodesBefore), frame.Lines);
        }
        Attach(frame.Node, frame.Lines, line);
    }

    private void Push(JsonNode node, int line, string? anchor)
    {
        RefuseAsKey(line);
        if (_stack.Count >= InputLimits.MaxDepth)
        {
            throw At(ProblemKind.TooLarge, line,
                $"{Where(line)}: mappings and sequences nest deeper than {InputLimits.MaxDepth} levels, the limit (a Kubernetes object needs about 6)");
        }
        StartItemIfAny();
        var nodesBefore = budget.Nodes;
        Count(1, line);
        var isItems = node is JsonArray && _stack.Count == 1 && _stack[0] is { Node: JsonObject, Key: "items" };
        _stack.Add(new Frame(node, trackLines ? new LineNode(line) : null, anchor, nodesBefore, isItems));
        HadItems |= isItems;
    }

    /// <summary>An item of the List starts: the per-object count starts again.</summary>
    private void StartItemIfAny()
    {
        if (_stack.Count > 0 && _stack[^1].IsItems)
        {
            _objectNodes = 0;
        }
    }

    private void Attach(JsonNode? value, LineNode? lines, int line)
    {
        if (_stack.Count == 0)
        {
            if (_hasRoot)
            {
                throw At(ProblemKind.Syntax, line, $"{Where(line)}: a document holds one value; a second one starts here");
            }
            _hasRoot = true;
            _root = value;
            _rootLines = lines;
            return;
        }
        var parent = _stack[^1];
        if (parent.Node is JsonObject mapping)
        {
            var key = parent.Key!;
            mapping[key] = value;
            parent.Lines?.Fields.Add(key, lines ?? new LineNode(parent.KeyLine));
            parent.Key = null;
            return;
        }
        var sequence = (JsonArray)parent.Node;
        if (parent.IsItems)
        {
            // Handed over and not kept: a List's items are read one object at a time.
            ItemCompleted?.Invoke(sequence.Count, value, lines);
            sequence.Add(null);
            parent.Lines?.Items.Add(new LineNode(line));
            return;
        }
        sequence.Add(value);
        parent.Lines?.Items.Add(lines ?? new LineNode(line));
    }

    /// <summary>Kubernetes objects have string keys: a mapping, sequence or alias where a key belongs is refused.</summary>
    private void RefuseAsKey(int line)
    {
        if (ExpectsKey)
        {
            throw At(ProblemKind.Syntax, line, $"{Where(line)}: a mapping key must be a plain value, not a mapping, sequence or alias");
        }
    }

    private void Count(long nodes, int line)
    {
        _objectNodes += (int)Math.Min(nodes, int.MaxValue);
        if (_objectNodes > InputLimits.MaxNodesPerObject)
        {
            throw At(ProblemKind.TooLarge, line,
                $"{Where(line)}: one object expands to more than {InputLimits.Count(InputLimits.MaxNodesPerObject)} values, the limit");
        }
        if (!budget.TryTake(nodes))
        {
            throw At(ProblemKind.TooLarge, line,
                $"{Where(line)}: the input expands to more than {InputLimits.Count(InputLimits.MaxNodes)} values, the limit (YAML aliases count every value they repeat)");
        }
    }

    internal static InputException Problem(ProblemKind kind, int line, string message) =>
        new([new InputProblem(kind, message, line > 0 ? line : null)]);

    /// <summary>Where the builder is: the line in YAML; in JSON, whose lines the token reader does not give, the JSON pointer.</summary>
    private string Where(int line) => trackLines ? $"line {line}" : $"at {Shorten(Pointer())}";

    private InputException At(ProblemKind kind, int line, string message) =>
        trackLines ? Problem(kind, line, message) : new([new InputProblem(kind, message, Pointer: Pointer())]);

    private string Pointer() => JsonObjectLocation.Append(string.Empty, _stack.Select(f => f.Node is JsonObject
        ? (object)(f.Key ?? string.Empty)
        : ((JsonArray)f.Node).Count));

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private sealed class Frame(JsonNode node, LineNode? lines, string? anchor, long nodesBefore, bool isItems)
    {
        public JsonNode Node { get; } = node;
        public LineNode? Lines { get; } = lines;
        public string? Anchor { get; } = anchor;
        public long NodesBefore { get; } = nodesBefore;
        public bool IsItems { get; } = isItems;
        public string? Key { get; set; }
        public int KeyLine { get; set; }
    }

    private sealed record Anchored(JsonNode? Node, int Nodes, LineNode? Lines);
}

/// <summary>The line each value of an object starts on, kept so a problem found after reading can name its line.</summary>
internal sealed class LineNode(int line)
{
    private Dictionary<string, LineNode>? _fields;
    private List<LineNode>? _items;

    public int Line { get; } = line;

    public Dictionary<string, LineNode> Fields => _fields ??= new(StringComparer.Ordinal);

    public List<LineNode> Items => _items ??= [];

    public LineNode? Child(object segment) => segment switch
    {
        string key => _fields?.GetValueOrDefault(key),
        int index when _items is not null && index >= 0 && index < _items.Count => _items[index],
        _ => null,
    };
}
