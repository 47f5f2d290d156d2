using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Feeds JSON text to an <see cref="ObjectTreeBuilder"/> token by token, so JSON meets the same limits as YAML (depth,
/// values per object and per request) and a List's items are read one at a time.
/// </summary>
internal static class JsonObjectText
{
    private const int TokensBetweenCancellationChecks = 4_096;

    public static (JsonNode? Root, LineNode? Lines) Read(string text, ObjectTreeBuilder builder, CancellationToken cancellationToken)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions
        {
            // One more than the builder's limit, so the builder's message (naming the limit) is the one a user sees.
            MaxDepth = InputLimits.MaxDepth + 1,
        });
        builder.StartDocument();
        var tokens = 0;
        try
        {
            while (reader.Read())
            {
                if (++tokens % TokensBetweenCancellationChecks == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                var line = 0; // JSON problems are located by pointer; the reader's line is only known for syntax errors
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        builder.StartMapping(line, null);
                        break;
                    case JsonTokenType.StartArray:
                        builder.StartSequence(line, null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        builder.End(line);
                        break;
                    case JsonTokenType.PropertyName:
                        builder.Key(reader.GetString()!, line);
                        break;
                    case JsonTokenType.String:
                        builder.Scalar(JsonValue.Create(reader.GetString()), line, null);
                        break;
                    case JsonTokenType.Number:
                        builder.Scalar(Number(ref reader), line, null);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        builder.Scalar(JsonValue.Create(reader.GetBoolean()), line, null);
                        break;
                    case JsonTokenType.Null:
                        builder.Scalar(null, line, null);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
            throw new InputException([new InputProblem(ProblemKind.Syntax,
                $"malformed JSON at line {line}, byte {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}", line)]);
        }
        return builder.EndDocument();
    }

    private static JsonNode Number(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt64(out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (reader.TryGetDouble(out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }
        // Out of a double's range (1e400): kept as its text, which no numeric field takes.
        return JsonValue.Create(Encoding.UTF8.GetString(reader.ValueSpan));
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        var first = end > 0 ? message[..end] : message;
        var cut = first.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? first[..cut] : first).TrimEnd(' ', '|', '.');
    }
}
