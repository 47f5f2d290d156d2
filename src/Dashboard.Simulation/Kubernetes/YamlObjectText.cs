using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Feeds YAML text to an <see cref="ObjectTreeBuilder"/> from YamlDotNet's event parser. Its representation model
/// recurses once per nesting level (40,000 '[' overflowed the stack and ended the process); the events do not, and the
/// builder refuses nesting past <see cref="InputLimits.MaxDepth"/> as soon as it is read.
/// </summary>
internal static class YamlObjectText
{
    private const int EventsBetweenCancellationChecks = 4_096;

    /// <summary>Reads every document, calling <paramref name="documentCompleted"/> with each one's root and lines.</summary>
    public static void Read(string text, ObjectTreeBuilder builder, Action<JsonNode?, LineNode?, int> documentCompleted,
        CancellationToken cancellationToken)
    {
        var parser = new Parser(new StringReader(text));
        var events = 0;
        var documentLine = 1;
        while (Next(parser))
        {
            if (++events % EventsBetweenCancellationChecks == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            var current = parser.Current!;
            var line = (int)current.Start.Line;
            switch (current)
            {
                case DocumentStart:
                    builder.StartDocument();
                    documentLine = line;
                    break;
                case DocumentEnd:
                    var (root, lines) = builder.EndDocument();
                    documentCompleted(root, lines, documentLine);
                    break;
                case MappingStart mapping:
                    builder.StartMapping(line, AnchorOf(mapping.Anchor));
                    break;
                case SequenceStart sequence:
                    builder.StartSequence(line, AnchorOf(sequence.Anchor));
                    break;
                case MappingEnd or SequenceEnd:
                    builder.End(line);
                    break;
                case Scalar scalar when builder.ExpectsKey:
                    builder.Key(scalar.Value, line);
                    break;
                case Scalar scalar:
                    builder.Scalar(ToJson(scalar), line, AnchorOf(scalar.Anchor));
                    break;
                case AnchorAlias alias:
                    builder.Alias(alias.Value.Value, line);
                    break;
            }
        }
    }

    private static bool Next(Parser parser)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (YamlException e)
        {
            var line = (int)e.Start.Line;
            throw ObjectTreeBuilder.Problem(ProblemKind.Syntax, line,
                $"malformed YAML at line {line}, column {e.Start.Column}: {(e.InnerException ?? e).Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet throws this instead of a YamlException when the text ends inside a flow collection.
            throw ObjectTreeBuilder.Problem(ProblemKind.Syntax, 0,
                "malformed YAML: the parser stopped in the middle of the document (an unclosed '[', '{' or quote?)");
        }
    }

    private static string? AnchorOf(AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

    /// <summary>Plain scalars get YAML 1.2 core types, quoted ones stay strings, as the API server's decoder reads them.</summary>
    private static JsonNode? ToJson(Scalar scalar)
    {
        var text = scalar.Value;
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        // A number too large for a double (1e400) stays text: no field takes it, and the type check then says which.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real) &&
            text.Any(char.IsDigit))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }
}
