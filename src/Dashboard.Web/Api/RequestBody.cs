using Dashboard.Simulation.Kubernetes;
using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Web.Api;

/// <summary>Reads a request body as UTF-8 text within the size limit, or says which problem to answer instead.</summary>
public static class RequestBody
{
    public static readonly IReadOnlyList<string> YamlMediaTypes = ["application/yaml", "application/x-yaml", "text/yaml"];
    public static readonly IReadOnlyList<string> JsonMediaTypes = ["application/json"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Null when the Content-Type is none of the accepted ones (or names a charset other than UTF-8).</summary>
    public static InputFormat? DetectFormat(string? contentType, IReadOnlyCollection<InputFormat> accepted)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            return null;
        }
        var charset = parsed.Charset.Value;
        if (charset is not null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)
            && !charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        InputFormat? format =
            YamlMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? InputFormat.Yaml
            : JsonMediaTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase) ? InputFormat.Json
            : null;
        return format is { } f && accepted.Contains(f) ? f : null;
    }

    public static IReadOnlyList<string> MediaTypesFor(IReadOnlyCollection<InputFormat> accepted) =>
        [.. accepted.Contains(InputFormat.Yaml) ? YamlMediaTypes : [], .. accepted.Contains(InputFormat.Json) ? JsonMediaTypes : []];

    /// <summary>
    /// Reads the body up to the API's limit. A client that went away gets no response at all (an empty result),
    /// anything else wrong with the body gets its problem.
    /// </summary>
    public static async Task<(string? Text, IResult? Problem)> ReadOrProblemAsync(HttpContext context)
    {
        try
        {
            var (text, problem) = await ReadTextAsync(context.Request, ApiLimits.MaxRequestBodyBytes, context.RequestAborted);
            return problem is not null || text is null ? (null, problem) : (text, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return (null, Results.Empty);
        }
    }

    /// <summary>
    /// Reads the whole body, honouring the request's cancellation token so a stalled client cannot hold a thread,
    /// and stops at <paramref name="limit"/> + 1 bytes whatever Content-Length claimed.
    /// </summary>
    public static async Task<(string? Text, IResult? Problem)> ReadTextAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return (null, TooLarge(limit));
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(limit));
        }
        catch (BadHttpRequestException exception)
        {
            return (null, ApiProblems.Syntax("The request body could not be read", [new ApiError(exception.Message)]));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        try
        {
            return (StrictUtf8.GetString(bytes), null);
        }
        catch (DecoderFallbackException exception)
        {
            return (null, ApiProblems.Syntax(
                "The request body is not UTF-8",
                [new ApiError($"The body is not valid UTF-8 (at byte {exception.Index}).")]));
        }
    }

    private static IResult TooLarge(long limit) => ApiProblems.TooLarge(
        "The request body is too large",
        [new ApiError($"Request bodies are limited to {limit / (1024 * 1024)} MiB ({limit} bytes).")]);
}
