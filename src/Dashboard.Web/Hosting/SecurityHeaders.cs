using System.Security.Cryptography;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The headers every response carries so a browser treats the dashboard as strictly as it allows. The policy names
/// what the page really loads: its own scripts, plus the one inline script Blazor writes (the import map), allowed by
/// a nonce fresh on every response; MudBlazor's theme is an inline &lt;style&gt; and its components set style
/// attributes, so styles also allow 'unsafe-inline'; images include data: and blob: for the PNG export of a pane.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "csp-nonce";

    /// <summary>The nonce of this response's Content-Security-Policy, for the page's inline import map.</summary>
    public static string Nonce(HttpContext context) => (string)context.Items[NonceKey]!;

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        // Hex, not base64: Razor would encode a base64 "+" or "/" in the attribute (the browser decodes it, a test would not).
        var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy =
                $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; " +
                "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
