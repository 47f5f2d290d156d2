namespace Dashboard.Web.Api;

/// <summary>The UI languages: English and Korean, from the same resx keys.</summary>
public static class SupportedCultures
{
    public const string Default = "en";

    public static IReadOnlyList<string> All { get; } = ["en", "ko"];
}
