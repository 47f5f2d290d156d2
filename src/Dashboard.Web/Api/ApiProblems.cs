using Dashboard.Simulation.Kubernetes;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Web.Api;

/// <summary>
/// Every error of the API is an <c>application/problem+json</c> document with an <c>errors</c> list, so a client
/// needs one parser for all of them: 400 syntax, 404 and 405 no such endpoint or method, 413 too large, 414 URL too long,
/// 415 wrong content type, 422 semantic, 429 too many requests, 500 ours.
/// </summary>
public static class ApiProblems
{
    public static IResult Syntax(string title, IEnumerable<ApiError> errors) =>
        Create(StatusCodes.Status400BadRequest, title, errors);

    public static IResult TooLarge(string title, IEnumerable<ApiError> errors) =>
        Create(StatusCodes.Status413PayloadTooLarge, title, errors);

    public static IResult UnsupportedMediaType(string? contentType, IReadOnlyList<string> accepted) =>
        Create(
            StatusCodes.Status415UnsupportedMediaType,
            "Unsupported content type",
            [new ApiError($"Content-Type '{contentType ?? "(none)"}' is not accepted here; send one of: {string.Join(", ", accepted)} (UTF-8).")]);

    public static IResult Semantic(string title, IEnumerable<ApiError> errors) =>
        Create(StatusCodes.Status422UnprocessableEntity, title, errors);

    public static IResult TooManyRequests(string title, IEnumerable<ApiError> errors) =>
        Create(StatusCodes.Status429TooManyRequests, title, errors);

    /// <summary>A status the host decided (404, 405, 414, 429 from the rate limiter) in the API's one error shape.</summary>
    public static IResult ForStatus(int status, string title, string message) => Create(status, title, [new ApiError(message)]);

    /// <summary>Documented limit: problems listed in one answer; a cluster with 36,000 bad addresses answered 6 MB of them.</summary>
    public const int MaxErrorsListed = 100;

    /// <summary>Maps the engine's verdict on the input to the status it deserves.</summary>
    public static IResult FromInputException(InputException exception)
    {
        var problems = exception.Problems;
        var errors = problems.Take(MaxErrorsListed).Select(p => new ApiError(p.Message, p.Line, p.Pointer));
        if (problems.Count > MaxErrorsListed)
        {
            errors = errors.Append(new ApiError($"... and {problems.Count - MaxErrorsListed:N0} more problems like these, not listed (at most {MaxErrorsListed} are)."));
        }
        var (status, title) = exception.Kind switch
        {
            ProblemKind.Syntax => (StatusCodes.Status400BadRequest, "The input is not well-formed"),
            ProblemKind.TooLarge => (StatusCodes.Status413PayloadTooLarge, "The input is over a documented limit"),
            _ => (StatusCodes.Status422UnprocessableEntity, "The input is well-formed but cannot be used"),
        };
        return Create(status, title, errors, problems.Count);
    }

    /// <summary>The last resort: a 500 problem that names no internals (no message, no stack trace).</summary>
    public static void HandleUnexpectedException(IApplicationBuilder app) => app.Run(async context =>
    {
        if (context.RequestAborted.IsCancellationRequested || context.Response.HasStarted)
        {
            return;
        }
        var feature = context.Features.Get<IExceptionHandlerFeature>();
        var title = feature?.Error is NotImplementedException
            ? "This part of the simulator is not implemented yet"
            : "An unexpected error occurred";
        var result = Create(
            StatusCodes.Status500InternalServerError,
            title,
            [new ApiError($"{title}. The server logged it; trace id {context.TraceIdentifier}.")]);
        await result.ExecuteAsync(context);
    });

    private static IResult Create(int status, string title, IEnumerable<ApiError> errors, int? problems = null)
    {
        var list = errors.ToList();
        var count = problems ?? list.Count;
        var details = new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = count == 1 ? list[0].Message : $"{count:N0} problems; see errors.",
        };
        details.Extensions["errors"] = list;
        return TypedResults.Problem(details);
    }
}
