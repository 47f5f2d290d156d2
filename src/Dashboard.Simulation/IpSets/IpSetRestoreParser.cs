using System.Globalization;
using System.Text;

namespace Dashboard.Simulation.IpSets;

/// <summary>
/// Reads `ipset restore` input (what `ipset save` prints, and what kube-proxy would pipe in): create, add, del, flush and
/// destroy lines, blank lines and # comments, "-exist" (or "-!") on a line to ignore what already exists.
/// </summary>
public static class IpSetRestoreParser
{
    public static IpSetCollection Parse(string text, int seed = 0)
    {
        var sets = new IpSetCollection(seed);
        Apply(sets, text);
        return sets;
    }

    /// <summary>Applies the lines to existing sets, stopping at the first bad line as the tool does.</summary>
    public static void Apply(IpSetCollection sets, string text)
    {
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            try
            {
                ApplyLine(sets, Tokenize(line));
            }
            catch (Exception error) when (error is FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException)
            {
                throw new IpSetParseException(number, error.Message);
            }
        }
    }

    private static void ApplyLine(IpSetCollection sets, List<string> tokens)
    {
        var exist = tokens.RemoveAll(token => token is "-exist" or "-!") > 0;
        var command = tokens[0];
        switch (command)
        {
            case "create" or "n" or "-N" when tokens.Count >= 3:
                Create(sets, tokens, exist);
                break;
            case "add" or "a" or "-A" when tokens.Count >= 3:
                Add(sets, tokens, exist);
                break;
            case "del" or "d" or "-D" when tokens.Count == 3:
                var set = sets[tokens[1]];
                if (!set.Remove(Element(set, tokens[2])) && !exist)
                {
                    throw new InvalidOperationException("Element cannot be deleted from the set: it's not added");
                }
                break;
            case "flush" or "-F":
                foreach (var target in tokens.Count > 1 ? [sets[tokens[1]]] : sets.Sets)
                {
                    target.Flush();
                }
                break;
            case "destroy" or "x" or "-X":
                foreach (var name in tokens.Count > 1 ? [tokens[1]] : sets.Sets.Select(s => s.Name).ToList())
                {
                    if (!sets.Destroy(name))
                    {
                        throw new KeyNotFoundException($"The set with the given name does not exist: {name}");
                    }
                }
                break;
            default:
                throw new FormatException($"\"{string.Join(' ', tokens)}\": expected create, add, del, flush or destroy with their arguments");
        }
    }

    private static void Create(IpSetCollection sets, List<string> tokens, bool exist)
    {
        if (!IpSetTypes.TryParse(tokens[2], out var type))
        {
            throw new FormatException($"Syntax error: unknown or unsupported set type \"{tokens[2]}\"");
        }
        var options = new IpSetOptions();
        var rangeGiven = false;
        for (var i = 3; i < tokens.Count; i++)
        {
            var option = tokens[i];
            string Value() => i + 1 < tokens.Count ? tokens[++i] : throw new FormatException($"Syntax error: option \"{option}\" needs a value");
            switch (option)
            {
                case "family" when type.IsHash():
                    var family = Value();
                    if (family is not ("inet" or "ipv4"))
                    {
                        throw new FormatException($"family \"{family}\": this model keeps IPv4 sets only");
                    }
                    break;
                case "hashsize" when type.IsHash():
                    options = options with { HashSize = Number(option, Value(), int.MaxValue) };
                    break;
                case "maxelem" when type.IsHash():
                    options = options with { MaxElements = Number(option, Value(), int.MaxValue) };
                    break;
                case "bucketsize" when type.IsHash():
                    options = options with { BucketSize = Number(option, Value(), 255) };
                    break;
                case "initval" when type.IsHash():
                    options = options with { InitVal = InitVal(Value()) };
                    break;
                case "range" when !type.IsHash():
                    var range = Value().Split('-');
                    if (range.Length != 2)
                    {
                        throw new FormatException($"range \"{string.Join('-', range)}\" is not FROM-TO");
                    }
                    options = options with
                    {
                        FirstPort = (ushort)Number(option, range[0], ushort.MaxValue),
                        LastPort = (ushort)Number(option, range[1], ushort.MaxValue),
                    };
                    rangeGiven = true;
                    break;
                case "comment":
                    options = options with { Comment = true };
                    break;
                default:
                    throw new FormatException($"Syntax error: option \"{option}\" is not supported for {type.ToName()}");
            }
        }
        if (!type.IsHash() && !rangeGiven)
        {
            throw new FormatException("Syntax error: Missing mandatory option \"range\"");
        }
        sets.Create(tokens[1], type, options, exist);
    }

    private static void Add(IpSetCollection sets, List<string> tokens, bool exist)
    {
        var set = sets[tokens[1]];
        string? comment = null;
        if (tokens.Count == 5 && tokens[3] == "comment")
        {
            if (!set.HasComments)
            {
                throw new FormatException("Syntax error: The set was created without the comment extension");
            }
            comment = tokens[4];
        }
        else if (tokens.Count != 3)
        {
            throw new FormatException($"Syntax error: unexpected \"{string.Join(' ', tokens.Skip(3))}\" after the element");
        }
        if (!set.Add(Element(set, tokens[2]), comment, exist) && !exist)
        {
            throw new InvalidOperationException("Element cannot be added to the set: it's already added");
        }
    }

    private static IpSetEntry Element(IpSet set, string text) =>
        IpSetEntry.TryParse(set.Type, text, out var entry, out var error) ? entry : throw new FormatException(error);

    private static int Number(string option, string text, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
            ? value
            : throw new FormatException($"Syntax error: \"{text}\" is not a valid {option}");

    private static uint InitVal(string text) =>
        (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : (uint?)null
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec) ? dec : null)
        ?? throw new FormatException($"Syntax error: \"{text}\" is not a valid initval");

    /// <summary>Splits on blanks; a double-quoted run (a comment) is one token without its quotes.</summary>
    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var inToken = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inToken = true;
                continue;
            }
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
                continue;
            }
            current.Append(c);
            inToken = true;
        }
        if (quoted)
        {
            throw new FormatException("Syntax error: unterminated quoted string");
        }
        if (inToken)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }
}
