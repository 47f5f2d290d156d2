using System.Text.Json;
using Dashboard.Simulation.Engine;
using Dashboard.Simulation.Kubernetes;
using Dashboard.Web.Hosting;

namespace Dashboard.Web.Api.Trace;

/// <summary>POST /api/v1/trace: walks the requested packets through a simulated node and returns what happened to each.</summary>
public static class TraceEndpoints
{
    private static readonly InputFormat[] Accepted = [InputFormat.Json];

    public static IEndpointRouteBuilder MapTraceApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/trace", (Delegate)TraceAsync)
            .WithName("Trace")
            .WithSummary("Kernel-style TRACE, rules evaluated, conntrack state and outcome for each packet.");
        return endpoints;
    }

    private static async Task<IResult> TraceAsync(HttpContext context, HeavyWork heavy)
    {
        var request = context.Request;
        if (RequestBody.DetectFormat(request.ContentType, Accepted) is null)
        {
            return ApiProblems.UnsupportedMediaType(request.ContentType, RequestBody.MediaTypesFor(Accepted));
        }

        var (text, problem) = await RequestBody.ReadOrProblemAsync(context);
        if (text is null)
        {
            return problem!;
        }

        var aborted = context.RequestAborted;
        IDisposable? turn = null;
        try
        {
            // A large body queues before it is parsed; a small one whose objects or packets make much work, after.
            if (text.Length > HeavyWork.BodyBytes && (turn = await heavy.EnterAsync(aborted)) is null)
            {
                return HeavyWork.Busy(context);
            }
            var (traceRequest, syntaxProblem) = Deserialize(text);
            text = null;
            if (traceRequest is null)
            {
                return syntaxProblem!;
            }
            var input = TraceRequestReader.Read(traceRequest, new InputBudget(aborted));
            if (turn is null && input.Work > HeavyWork.Work && (turn = await heavy.EnterAsync(aborted)) is null)
            {
                return HeavyWork.Busy(context);
            }
            return Results.Json(TraceResponse.Of(TraceRunner.Run(input, aborted)), ApiJson.Options);
        }
        catch (InputException exception)
        {
            return ApiProblems.FromInputException(exception);
        }
        catch (TraceInputException exception)
        {
            return ApiProblems.FromInputException(TraceRequestReader.Describe(exception));
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return Results.Empty; // nobody is listening
        }
        finally
        {
            turn?.Dispose();
        }
    }

    /// <summary>Malformed JSON and values of the wrong type are both 400s, located by line and JSON pointer.</summary>
    public static (TraceRequest? Request, IResult? Problem) Deserialize(string text)
    {
        try
        {
            var request = JsonSerializer.Deserialize<TraceRequest>(text, ApiJson.Options);
            return request is null
                ? (null, ApiProblems.Syntax("The body is not a trace request", [new ApiError("The body must be a JSON object.", 1, "")]))
                : (request, null);
        }
        catch (JsonException exception)
        {
            int? line = exception.LineNumber is { } zeroBased ? (int)zeroBased + 1 : null;
            return (null, ApiProblems.Syntax(
                "The body is not a valid trace request",
                [new ApiError(ApiJson.Describe(exception), line, ApiJson.ToPointer(exception.Path))]));
        }
    }
}
