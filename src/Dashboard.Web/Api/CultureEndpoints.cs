using Microsoft.AspNetCore.Localization;

namespace Dashboard.Web.Api;

/// <summary>
/// GET /culture/set?culture=ko&amp;redirectUri=/ stores the choice in the culture cookie and reloads the page: the
/// circuit's culture is fixed when it starts, so a language switch is a full navigation.
/// </summary>
public static class CultureEndpoints
{
    public static IEndpointRouteBuilder MapCultureSwitch(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/culture/set", (HttpContext context, string? culture, string? redirectUri) =>
        {
            if (culture is null || !SupportedCultures.All.Contains(culture))
            {
                return ApiProblems.Semantic(
                    "Unsupported culture",
                    [new ApiError($"culture: use one of {string.Join(", ", SupportedCultures.All)}.")]);
            }
            context.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { MaxAge = TimeSpan.FromDays(365), IsEssential = true, SameSite = SameSiteMode.Lax, Path = "/" });
            // Only local paths: an open redirect would let a link to this site bounce anywhere.
            var target = redirectUri is { Length: > 0 } && redirectUri[0] == '/' && !redirectUri.StartsWith("//", StringComparison.Ordinal)
                && !redirectUri.StartsWith("/\\", StringComparison.Ordinal)
                ? redirectUri
                : "/";
            return Results.LocalRedirect(target);
        }).ExcludeFromDescription();
        return endpoints;
    }
}
