using System.Globalization;
using System.Text;

namespace Dashboard.Simulation.Kubernetes;

/// <summary>
/// Where an object sits in the input, so a problem found later (an invalid IP deep in spec.ports) can be reported
/// where the user wrote it: a line for YAML, a JSON pointer for JSON.
/// </summary>
internal abstract class ObjectLocation
{
    public abstract InputProblem Problem(ProblemKind kind, string message, params object[] path);
}

internal sealed class JsonObjectLocation(string pointer) : ObjectLocation
{
    public override InputProblem Problem(ProblemKind kind, string message, params object[] path) =>
        new(kind, message, Pointer: Append(pointer, path));

    public static string Append(string pointer, IEnumerable<object> path)
    {
        var builder = new StringBuilder(pointer);
        foreach (var segment in path)
        {
            // RFC 6901 escaping: '~' then '/'.
            var text = Convert.ToString(segment, CultureInfo.InvariantCulture)!.Replace("~", "~0", StringComparison.Ordinal)
                .Replace("/", "~1", StringComparison.Ordinal);
            builder.Append('/').Append(text);
        }
        return builder.ToString();
    }
}

internal sealed class YamlObjectLocation(LineNode node) : ObjectLocation
{
    /// <summary>Walks the path as far as the YAML has it; a missing field is reported at its nearest parent.</summary>
    public override InputProblem Problem(ProblemKind kind, string message, params object[] path)
    {
        var current = node;
        foreach (var segment in path)
        {
            if (current.Child(segment) is not { } next)
            {
                break;
            }
            current = next;
        }
        return new(kind, message, Line: current.Line);
    }
}
