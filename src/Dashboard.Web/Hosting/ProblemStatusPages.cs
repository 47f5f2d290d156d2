using Dashboard.Web.Api;

namespace Dashboard.Web.Hosting;

/// <summary>
/// Statuses the host decides before an endpoint runs (no such path or method, a URL too long) answer in the API's one
/// error shape, so a client of /api never has to parse a second kind of error.
/// </summary>
public static class ProblemStatusPages
{
    /// <summary>Documented limit: a request's path and query, in characters.</summary>
    public const int MaxUrlLength = 8 * 1024;

    /// <summary>Kestrel's own limit on the request line, set above ours so that ours (with its message) is the one that answers.</summary>
    public const int KestrelRequestLineBytes = 4 * MaxUrlLength;

    public static IApplicationBuilder UseProblemStatusPages(this IApplicationBuilder app)
    {
        app.Use((context, next) =>
        {
            var length = context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length ?? 0;
            if (length > MaxUrlLength)
            {
                return ApiProblems.ForStatus(StatusCodes.Status414UriTooLong, "The URL is too long",
                    $"The path and query are {length:N0} characters; the limit is {MaxUrlLength:N0}.").ExecuteAsync(context);
            }
            return next(context);
        });
        app.UseStatusCodePages(async statusContext =>
        {
            var context = statusContext.HttpContext;
            var status = context.Response.StatusCode;
            var (title, message) = status switch
            {
                StatusCodes.Status404NotFound => NotFound(context),
                StatusCodes.Status405MethodNotAllowed => ("Method not allowed", $"{context.Request.Method} is not accepted at {context.Request.Path}."),
                _ => ("Request failed", $"The request ended with status {status}."),
            };
            await ApiProblems.ForStatus(status, title, message).ExecuteAsync(context);
        });
        return app;
    }

    private static (string Title, string Message) NotFound(HttpContext context) =>
        ("Not found", $"There is nothing at {context.Request.Path}; the API's endpoints are listed in README.");

    /// <summary>
    /// Answers every other request under /api: 405 with Allow where the path is an endpoint of other methods, else
    /// 404. Without it, routing's own 405 never happens here: the static files' catch-all route takes a GET first and
    /// then finds no file.
    /// </summary>
    public static IEndpointRouteBuilder MapApiFallback(this IEndpointRouteBuilder endpoints)
    {
        endpoints.Map("/api/{**path}", (HttpContext context, EndpointDataSource sources) =>
        {
            var path = context.Request.Path.Value?.TrimEnd('/');
            var methods = sources.Endpoints.OfType<RouteEndpoint>()
                .Where(e => string.Equals(e.RoutePattern.RawText, path, StringComparison.OrdinalIgnoreCase))
                .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
                .Distinct()
                .ToList();
            if (methods.Count == 0)
            {
                var (title, message) = NotFound(context);
                return ApiProblems.ForStatus(StatusCodes.Status404NotFound, title, message);
            }
            context.Response.Headers.Allow = string.Join(", ", methods);
            return ApiProblems.ForStatus(StatusCodes.Status405MethodNotAllowed, "Method not allowed",
                $"{context.Request.Method} is not accepted at {context.Request.Path}; use {string.Join(" or ", methods)}.");
        });
        return endpoints;
    }
}
