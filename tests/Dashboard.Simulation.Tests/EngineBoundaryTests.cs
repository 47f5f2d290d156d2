using System.Reflection;
using Dashboard.Simulation.Engine;

namespace Dashboard.Simulation.Tests;

/// <summary>
/// The engine is a library: the web owns HTTP (the trace API's JSON shape, in Dashboard.Web's Api/Trace) and the words
/// (Dashboard.Web's Resources). A JSON attribute or a resx here would put a contract or a sentence back in the engine.
/// </summary>
public sealed class EngineBoundaryTests
{
    private static readonly Assembly Engine = typeof(TraceRunner).Assembly;

    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void EngineAssembly_NoSystemTextJsonSerializationAttribute()
    {
        var found = new List<string>();
        foreach (var type in Engine.GetTypes())
        {
            Collect(type.FullName!, type.GetCustomAttributesData(), found);
            foreach (var member in type.GetMembers(Declared))
            {
                Collect($"{type.FullName}.{member.Name}", member.GetCustomAttributesData(), found);
                if (member is MethodBase method)
                {
                    foreach (var parameter in method.GetParameters())
                    {
                        Collect($"{type.FullName}.{member.Name}({parameter.Name})", parameter.GetCustomAttributesData(), found);
                    }
                }
            }
        }

        Assert.Empty(found);
    }

    [Fact]
    public void EngineAssembly_NoResxResourcesAndNoAspNetReference()
    {
        // Embedded .resx compile to "<name>.resources"; the scenarios' YAML are data, not words.
        Assert.DoesNotContain(Engine.GetManifestResourceNames(), name => name.EndsWith(".resources", StringComparison.Ordinal));
        Assert.DoesNotContain(Engine.GetReferencedAssemblies(), name => name.Name!.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    private static void Collect(string where, IEnumerable<CustomAttributeData> attributes, List<string> found) =>
        found.AddRange(attributes
            .Where(a => a.AttributeType.Namespace == "System.Text.Json.Serialization")
            .Select(a => $"{where}: [{a.AttributeType.Name}]"));
}
