namespace Dashboard.Simulation.Kubernetes;

/// <summary>How bad a problem with the input is: it decides the HTTP status (400, 422, 413).</summary>
public enum ProblemKind
{
    /// <summary>The text is not valid YAML or JSON.</summary>
    Syntax,

    /// <summary>Well-formed, but wrong: an invalid IP, a duplicate ClusterIP, an unknown protocol.</summary>
    Semantic,

    /// <summary>Over a documented limit (e.g. 50,000 services).</summary>
    TooLarge,
}

/// <summary>One problem found in the input, located by line (YAML) or JSON pointer (JSON).</summary>
public sealed record InputProblem(ProblemKind Kind, string Message, int? Line = null, string? Pointer = null);

/// <summary>Thrown when input cannot be used; carries every problem found, not just the first.</summary>
public sealed class InputException(IReadOnlyList<InputProblem> problems)
    : Exception(string.Join("; ", problems.Select(p => p.Message)))
{
    public IReadOnlyList<InputProblem> Problems { get; } = problems;

    public ProblemKind Kind => Problems.Any(p => p.Kind == ProblemKind.Syntax) ? ProblemKind.Syntax
        : Problems.Any(p => p.Kind == ProblemKind.TooLarge) ? ProblemKind.TooLarge
        : ProblemKind.Semantic;
}
