namespace Dashboard.Web.Resources;

/// <summary>The key type for every UI string (UiStrings.resx in English, UiStrings.ko.resx in Korean).</summary>
public sealed class UiStrings;
