using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components;

public partial class App
{
    /// <summary>The cookie the theme switch writes, read here so the first paint is already in the right theme.</summary>
    public const string ThemeCookie = "dashboard.theme";

    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    private bool DarkMode => HttpContext?.Request.Cookies[ThemeCookie] == "dark";

    private string? Nonce => HttpContext is { } context ? Hosting.SecurityHeaders.Nonce(context) : null;

    private static string Language => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
}
